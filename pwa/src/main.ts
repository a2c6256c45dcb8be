import "./styles.css";
import { db } from "./db";
import { h } from "./dom";
import { getLang, setLang, t } from "./i18n";
import { watchOnline } from "./net";
import { setUpServiceWorker } from "./pwa";
import { startRouter } from "./router";
import { homeScreen } from "./screens/home";
import { loginScreen } from "./screens/login";

function topBar(): HTMLElement {
  const netText = h("span", { class: "net-text" });
  const net = h("span", { class: "net-status", role: "status", "data-testid": "net-status" }, h("span", { class: "net-dot", "aria-hidden": "true" }), netText);
  let online = navigator.onLine;
  const showNet = () => {
    net.dataset.online = String(online);
    netText.textContent = t(online ? "net.online" : "net.offline");
  };
  watchOnline((value) => {
    online = value;
    showNet();
  });

  const langSwitch = h(
    "button",
    {
      type: "button",
      class: "btn btn-bar lang-switch",
      "data-testid": "lang-switch",
      "data-lang": getLang(),
      lang: () => (getLang() === "en" ? "zh-CN" : "en"),
      "aria-label": () => t("lang.switch.aria"),
      on: {
        click: () => {
          setLang(getLang() === "en" ? "zh-CN" : "en");
          langSwitch.dataset.lang = getLang();
          showNet();
        },
      },
    },
    () => t("lang.switch"),
  );

  return h(
    "header",
    { class: "topbar" },
    h(
      "div",
      { class: "brand" },
      h("img", { class: "brand-icon", src: "/icons/favicon.svg", alt: "", width: 28, height: 28 }),
      h("span", { class: "brand-name" }, () => t("app.name")),
    ),
    h("div", { class: "topbar-actions" }, net, langSwitch),
  );
}

function boot(): void {
  const root = document.getElementById("app");
  if (!root) throw new Error("#app missing from index.html");
  const banners = h("div", { class: "banners", "aria-live": "polite" });
  const outlet = h("div", { class: "outlet" });
  root.replaceChildren(topBar(), banners, outlet);
  startRouter(outlet, { "/": homeScreen, "/login": loginScreen });
  setUpServiceWorker(banners);
  void openStorage();
}

/** Open IndexedDB early (creating or upgrading the schema before anything is queued)
 * and ask the browser not to evict it under storage pressure: the outbox holds work
 * that exists nowhere else. Browsers may say no; the app works either way. */
async function openStorage(): Promise<void> {
  try {
    await db.open();
  } catch (error) {
    console.error("IndexedDB unavailable", error);
  }
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) {
      await navigator.storage.persist();
    }
  } catch {
    // Not supported, or refused: nothing to do.
  }
}

boot();
