import "./styles.css";
import { db } from "./db";
import { h } from "./dom";
import { getLang, setLang, t } from "./i18n";
import { watchOnline } from "./net";
import { setUpServiceWorker } from "./pwa";
import { navigate, startRouter, type Route } from "./router";
import { homeScreen } from "./screens/home";
import { inspectionScreen } from "./screens/inspection";
import { itemScreen } from "./screens/item";
import { loginScreen } from "./screens/login";
import { outboxScreen } from "./screens/outbox";
import { punchScreen } from "./screens/punch";
import { scanScreen } from "./screens/scan";
import { staffRoutes } from "./staff/routes";
import { counts, onOutboxChange, startSync } from "./sync";

/** The top bar's outbox badge: how many writes wait to be sent, and whether any need a
 * person ("needs attention"); tapping it opens the list. */
function outboxBadge(): HTMLElement {
  const count = h("span", { class: "outbox-count", "data-testid": "outbox-count" });
  const badge = h(
    "button",
    {
      type: "button",
      class: "btn btn-bar outbox-badge",
      "data-testid": "outbox-badge",
      "aria-label": () => t("outbox.badge.aria"),
      hidden: true,
      on: { click: () => navigate("/outbox") },
    },
    h("span", { class: "outbox-icon", "aria-hidden": "true" }, "⇅"),
    count,
  );
  const refresh = async () => {
    const { pending, failed } = await counts().catch(() => ({ pending: 0, failed: 0 }));
    count.textContent = String(pending + failed);
    badge.dataset.pending = String(pending);
    badge.dataset.failed = String(failed);
    badge.hidden = pending + failed === 0;
  };
  onOutboxChange(() => void refresh());
  void refresh();
  return badge;
}

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
      "a",
      { class: "brand", href: "/", on: { click: (event) => {
        event.preventDefault();
        navigate("/");
      } } },
      h("img", { class: "brand-icon", src: "/icons/favicon.svg", alt: "", width: 28, height: 28 }),
      h("span", { class: "brand-name" }, () => t("app.name")),
    ),
    h("div", { class: "topbar-actions" }, outboxBadge(), net, langSwitch),
  );
}

const ROUTES: Record<string, Route> = {
  "/": homeScreen,
  "/login": loginScreen,
  "/punch": punchScreen,
  "/scan": scanScreen,
  "/s/:code": ({ code }) => itemScreen(code ?? ""),
  "/inspect": inspectionScreen,
  "/outbox": outboxScreen,
  ...staffRoutes,
};

function boot(): void {
  const root = document.getElementById("app");
  if (!root) throw new Error("#app missing from index.html");
  const banners = h("div", { class: "banners", "aria-live": "polite" });
  const outlet = h("div", { class: "outlet" });
  root.replaceChildren(topBar(), banners, outlet);
  startRouter(outlet, ROUTES);
  setUpServiceWorker(banners);
  void openStorage().then(startSync);
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
