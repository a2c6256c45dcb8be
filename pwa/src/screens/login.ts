import { ApiError, NetworkError, login } from "../api";
import { h } from "../dom";
import { bind, t, unbind, type MessageKey } from "../i18n";
import { navigate, type Screen } from "../router";
import { saveLogin } from "../session";

// A message left for the login screen by whoever sent the worker here (e.g. the
// home screen when the session expired).
let pendingNotice: MessageKey | null = null;
export function noticeOnNextLogin(key: MessageKey): void {
  pendingNotice = key;
}

// Never lock the button for longer than this, whatever Retry-After says.
const MAX_LOCKOUT_S = 15 * 60;

export function loginScreen(): Screen {
  const loginInput = h("input", {
    id: "login-input",
    name: "login",
    type: "text",
    autocomplete: "username",
    autocapitalize: "none",
    autocorrect: "off",
    spellcheck: "false",
    enterkeyhint: "next",
    required: true,
    "data-testid": "login-input",
  });
  const passwordInput = h("input", {
    id: "password-input",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    enterkeyhint: "go",
    required: true,
    "data-testid": "password-input",
  });
  const reveal = h(
    "button",
    {
      type: "button",
      class: "btn btn-inline",
      "aria-controls": "password-input",
      "aria-pressed": "false",
      "data-testid": "password-reveal",
      on: {
        click: () => {
          const show = passwordInput.type === "password";
          passwordInput.type = show ? "text" : "password";
          reveal.setAttribute("aria-pressed", String(show));
          relabelReveal();
        },
      },
    },
  );
  const relabelReveal = () =>
    bind(reveal, () => {
      reveal.textContent = t(passwordInput.type === "password" ? "login.password.show" : "login.password.hide");
    }, "text");
  relabelReveal();

  const errorBox = h("div", { class: "message message-error", role: "alert", "data-testid": "login-error", hidden: true });
  const noticeBox = h("div", { class: "message message-info", role: "status", "data-testid": "login-notice", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" });

  let busy = false;
  let lockedUntil = 0;
  let unlockTimer: number | undefined;
  const relabelSubmit = () =>
    bind(submit, () => {
      submit.textContent = t(busy ? "login.submitting" : "login.submit");
    }, "text");
  const syncSubmit = () => {
    submit.disabled = busy || Date.now() < lockedUntil;
    submit.setAttribute("aria-busy", String(busy));
    relabelSubmit();
  };
  syncSubmit();

  /** Show an error: a localized main line, plus the server's own detail under it. */
  const showError = (main: () => string, detail: string | null = null) => {
    bind(errorBox, () => {
      const lines = [main()];
      if (detail && detail !== lines[0]) lines.push(detail);
      errorBox.replaceChildren(...lines.map((line, i) => h("p", { class: i === 0 ? "message-main" : "message-detail" }, line)));
    }, "text");
    errorBox.hidden = false;
  };
  const clearError = () => {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    unbind(errorBox, "text");
  };

  if (pendingNotice) {
    const key = pendingNotice;
    pendingNotice = null;
    bind(noticeBox, () => {
      noticeBox.textContent = t(key);
    }, "text");
    noticeBox.hidden = false;
  }

  const form = h(
    "form",
    {
      class: "login-form",
      "data-testid": "login-form",
      novalidate: true,
      on: {
        submit: (event) => {
          event.preventDefault();
          void onSubmit();
        },
      },
    },
    h("label", { class: "field-label", for: "login-input" }, () => t("login.login")),
    loginInput,
    h("label", { class: "field-label", for: "password-input" }, () => t("login.password")),
    h("div", { class: "input-row" }, passwordInput, reveal),
    errorBox,
    submit,
  );

  async function onSubmit(): Promise<void> {
    if (busy || Date.now() < lockedUntil) return;
    const loginName = loginInput.value.trim();
    const password = passwordInput.value;
    if (!loginName || !password) {
      showError(() => t("login.missing"));
      (loginName ? passwordInput : loginInput).focus();
      return;
    }
    clearError();
    noticeBox.hidden = true;
    busy = true;
    syncSubmit();
    try {
      const response = await login(loginName, password);
      saveLogin(response);
      navigate("/", { replace: true });
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        const wait = error.retryAfterS;
        showError(
          () => (wait ? t("login.rate_limited_for", { seconds: wait }) : t("login.rate_limited")),
          error.detail,
        );
        if (wait) {
          lockedUntil = Date.now() + Math.min(wait, MAX_LOCKOUT_S) * 1000;
          window.clearTimeout(unlockTimer);
          unlockTimer = window.setTimeout(syncSubmit, lockedUntil - Date.now() + 50);
        }
      } else if (error instanceof ApiError && error.code === "bad_credentials") {
        showError(() => t("login.bad_credentials"), error.detail);
        passwordInput.select();
      } else if (error instanceof ApiError) {
        const status = error.status;
        if (error.detail) showError(() => error.detail ?? "");
        else showError(() => t(status >= 500 ? "error.server" : "error.unexpected", { status }));
      } else if (error instanceof NetworkError) {
        showError(() => t("login.offline"));
      } else {
        showError(() => t("error.unexpected", { status: "?" }));
        console.error(error);
      }
    } finally {
      busy = false;
      if (submit.isConnected) syncSubmit();
    }
  }

  const el = h(
    "main",
    { class: "screen screen-login", "data-testid": "login" },
    h(
      "section",
      { class: "hero" },
      h("img", { class: "hero-icon", src: "/icons/icon-192.png", alt: "", width: 72, height: 72 }),
      h("h1", { class: "hero-title" }, () => t("login.title")),
      h("p", { class: "hero-subtitle" }, () => t("login.subtitle")),
    ),
    noticeBox,
    form,
  );

  return {
    el,
    dispose: () => window.clearTimeout(unlockTimer),
  };
}
