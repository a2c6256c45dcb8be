import { ApiError, NetworkError, fetchMe, type Me } from "../api";
import { h } from "../dom";
import { bind, roleLabel, t, unbind, type MessageKey } from "../i18n";
import { cacheMe, refreshLedger } from "../ledger";
import { staffLinks } from "../staff/routes";
import { replay } from "../sync";
import { navigate, type Screen } from "../router";
import { clearSession, getSession, msUntilExpiry, updateUser, type Session } from "../session";
import { noticeOnNextLogin } from "./login";

// setTimeout takes a signed 32-bit delay; a longer one fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function homeScreen(): Screen {
  const session = getSession();
  if (!session) return redirectToLogin();

  const name = h("h1", { class: "user-name", "data-testid": "user-name" });
  const role = h("dd", { class: "user-role", "data-testid": "user-role" });
  const company = h("dd", { class: "user-company", "data-testid": "user-company" });
  const notice = h("div", { class: "message message-info", role: "status", "data-testid": "home-notice", hidden: true });

  const showUser = (user: Session["user"] | Me) => {
    name.textContent = user.name;
    role.dataset.role = user.role;
    bind(role, () => {
      role.textContent = roleLabel(user.role);
    }, "text");
    company.textContent = companyName(user);
    if (user.company_id) company.dataset.companyId = user.company_id;
  };
  const showNotice = (text: () => string) => {
    bind(notice, () => {
      notice.textContent = text();
    }, "text");
    notice.hidden = false;
  };
  const hideNotice = () => {
    unbind(notice, "text");
    notice.hidden = true;
  };

  // Who is signed in is known from the login response, so show it at once (and
  // offline); GET /api/me then refreshes it.
  showUser(session.user);

  const expire = () => {
    clearSession();
    noticeOnNextLogin("home.session_expired");
    navigate("/login", { replace: true });
  };

  const controller = new AbortController();
  const refresh = async () => {
    try {
      const me = await fetchMe(session.token, controller.signal);
      updateUser(me);
      showUser(me);
      hideNotice();
      // Keep what offline screens read fresh: the sites, and the ledger for scans.
      void cacheMe(me).catch(() => undefined);
      const fresh = getSession();
      if (fresh) void refreshLedger(fresh).catch(() => undefined);
      // Signed in again after a 401 stopped the replay: send what waited for it.
      void replay().catch(() => undefined);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        expire();
      } else if (error instanceof NetworkError) {
        showNotice(() => t("home.cached"));
      } else if (error instanceof ApiError) {
        const status = error.status;
        const detail = error.detail;
        showNotice(() => `${t("home.cached")} ${detail ?? t(status >= 500 ? "error.server" : "error.unexpected", { status })}`);
      } else {
        console.error(error);
      }
    }
  };
  void refresh();
  // Back from offline: the details may have changed meanwhile.
  const onOnline = () => void refresh();
  window.addEventListener("online", onOnline);

  const expiryTimer = window.setTimeout(expire, Math.min(msUntilExpiry(session), MAX_TIMER_MS));

  const logout = h(
    "button",
    {
      type: "button",
      class: "btn btn-secondary btn-block",
      "data-testid": "logout",
      on: {
        click: () => {
          clearSession();
          navigate("/login", { replace: true });
        },
      },
    },
    () => t("home.logout"),
  );

  const el = h(
    "main",
    { class: "screen screen-home", "data-testid": "home" },
    h(
      "section",
      { class: "card user-card", "aria-labelledby": "user-name" },
      h("p", { class: "card-label" }, () => t("home.greeting")),
      name,
      h(
        "dl",
        { class: "facts" },
        h("div", { class: "fact" }, h("dt", {}, () => t("home.role")), role),
        h("div", { class: "fact" }, h("dt", {}, () => t("home.company")), company),
      ),
    ),
    notice,
    menu(session.user.role),
    h("div", { class: "screen-actions" }, logout),
  );
  name.id = "user-name";

  return {
    el,
    dispose: () => {
      controller.abort();
      window.clearTimeout(expiryTimer);
      window.removeEventListener("online", onOnline);
    },
  };
}

// The field actions every role has (a foreman or safety officer punches and scans
// too), then the role's staff screens (pwa/src/staff/routes.ts, loaded on first use).
const FIELD_LINKS: Array<{ path: string; labelKey: MessageKey; testid: string }> = [
  { path: "/punch", labelKey: "home.punch", testid: "menu-punch" },
  { path: "/scan", labelKey: "home.scan", testid: "menu-scan" },
  { path: "/inspect", labelKey: "home.inspect", testid: "menu-inspect" },
  { path: "/outbox", labelKey: "home.outbox", testid: "menu-outbox" },
];

function menu(role: string): HTMLElement {
  const link = (path: string, labelKey: MessageKey, testid: string, primary: boolean) =>
    h(
      "a",
      {
        href: path,
        class: `btn ${primary ? "btn-primary" : "btn-secondary"} btn-block menu-link`,
        "data-testid": testid,
        on: {
          click: (event) => {
            event.preventDefault();
            navigate(path);
          },
        },
      },
      () => t(labelKey),
    );
  return h(
    "nav",
    { class: "home-menu", "aria-label": () => t("home.menu"), "data-testid": "home-menu" },
    ...FIELD_LINKS.map((item, i) => link(item.path, item.labelKey, item.testid, i < 2)),
    ...staffLinks(role).map((item) => link(item.path, item.labelKey, `menu-${item.path.replace(/\W+/g, "-").replace(/^-/, "")}`, false)),
  );
}

function companyName(user: Session["user"] | Me): string {
  // The session's copy may predate the company (a login answer carries only the summary).
  return user.company?.name ?? user.company_id ?? "—";
}

function redirectToLogin(): Screen {
  // Render nothing and move on after this render finishes.
  queueMicrotask(() => navigate("/login", { replace: true }));
  return { el: document.createElement("main") };
}
