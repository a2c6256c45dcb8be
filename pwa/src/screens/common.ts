// Pieces every field screen uses: "signed in or go to login", a screen frame with a
// back button and a title, and a message box whose text follows the language.

import { ApiError, NetworkError } from "../api";
import { h } from "../dom";
import { bind, t, unbind, type MessageKey } from "../i18n";
import { navigate, type Screen } from "../router";
import { getSession, type Session } from "../session";

/** Build the screen for the signed-in person, or send them to the login screen. */
export function withSession(build: (session: Session) => Screen): Screen {
  const session = getSession();
  if (!session) {
    queueMicrotask(() => navigate("/login", { replace: true }));
    return { el: document.createElement("main") };
  }
  return build(session);
}

/** A screen: back to home, a title, then the content. */
export function frame(testid: string, title: MessageKey, ...content: Array<Node | null | false>): HTMLElement {
  return h(
    "main",
    { class: `screen screen-field`, "data-testid": testid },
    h(
      "div",
      { class: "screen-head" },
      h(
        "button",
        {
          type: "button",
          class: "btn btn-secondary btn-back",
          "data-testid": "back",
          "aria-label": () => t("field.back"),
          on: { click: () => (history.length > 1 ? history.back() : navigate("/")) },
        },
        "←",
      ),
      h("h1", { class: "screen-title" }, () => t(title)),
    ),
    ...content.filter((node): node is Node => Boolean(node)),
  );
}

export type MessageKind = "info" | "error" | "ok" | "warn";

export interface MessageBox {
  el: HTMLElement;
  show(kind: MessageKind, main: () => string, detail?: string | null): void;
  hide(): void;
}

export function messageBox(testid: string): MessageBox {
  const el = h("div", { class: "message", role: "status", "data-testid": testid, hidden: true });
  return {
    el,
    show(kind, main, detail = null) {
      el.className = `message message-${kind}`;
      el.dataset.kind = kind;
      el.setAttribute("role", kind === "error" ? "alert" : "status");
      bind(el, () => {
        const lines = [main()];
        if (detail && detail !== lines[0]) lines.push(detail);
        el.replaceChildren(...lines.map((line, i) => h("p", { class: i === 0 ? "message-main" : "message-detail" }, line)));
      }, "text");
      el.hidden = false;
    },
    hide() {
      unbind(el, "text");
      el.hidden = true;
      el.replaceChildren();
    },
  };
}

/** A request error in words: the localized kind of failure, and the server's detail. */
export function describeError(error: unknown): { main: () => string; detail: string | null } {
  if (error instanceof NetworkError) return { main: () => t("error.network"), detail: null };
  if (error instanceof ApiError) {
    const status = error.status;
    return { main: () => t(status >= 500 ? "error.server" : "error.unexpected", { status }), detail: error.detail };
  }
  return { main: () => t("error.unexpected", { status: "?" }), detail: error instanceof Error ? error.message : null };
}

/** "2 min ago" style age of a time, for cached data and queued items. */
export function ageText(epochMs: number, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - epochMs) / 60_000));
  if (minutes < 1) return t("field.age.now");
  if (minutes < 60) return t("field.age.min", { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t("field.age.hours", { n: hours });
  return t("field.age.days", { n: Math.round(hours / 24) });
}
