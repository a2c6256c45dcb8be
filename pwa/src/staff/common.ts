// Pieces every staff screen uses: the authenticated call, how a failure is shown, the
// site picker, and dates in a site's own timezone. Staff screens work online (a
// review or a co-sign must see the current state, not a stale copy), so a failure is
// shown in place with the server's own words and a retry, never queued.

import { ApiError, NetworkError, apiResponse, type Answer, type ApiRequest, type ApiResponse } from "../api";
import { h } from "../dom";
import { getLang, t, type MessageKey } from "../i18n";
import { navigate, type Screen } from "../router";
import { getSession, type Session } from "../session";
import "./staff.css";

export class SignedOut extends Error {
  constructor() {
    super("signed out");
    this.name = "SignedOut";
  }
}

/** The session, or a trip to the login screen. */
export function requireSession(): Session | null {
  const session = getSession();
  if (!session) queueMicrotask(() => navigate("/login", { replace: true }));
  return session;
}

/** An API call with the signed-in user's token; a 401 ends the session's screens. */
export async function call<T>(path: string, request: ApiRequest = {}): Promise<T> {
  return (await callResponse<T>(path, request)).data;
}

/** The same, with the status (a close answers 200 closed or 202 still checking). */
export async function callResponse<T>(path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  const session = getSession();
  if (!session) {
    navigate("/login", { replace: true });
    throw new SignedOut();
  }
  try {
    return await apiResponse<T>(path, { ...request, token: session.token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      navigate("/login", { replace: true });
      throw new SignedOut();
    }
    throw error;
  }
}

/** A file download, which `api()` (JSON in, JSON out) does not read: same token, same
 * error mapping, the raw response for its blob and Content-Disposition. */
export async function callRaw(path: string, init: RequestInit = {}): Promise<Response> {
  const session = getSession();
  if (!session) {
    navigate("/login", { replace: true });
    throw new SignedOut();
  }
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${session.token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, credentials: "same-origin", cache: "no-store" });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (response.ok) return response;
  let problem: Record<string, unknown> | null = null;
  try {
    const value: unknown = await response.json();
    if (value && typeof value === "object") problem = value as Record<string, unknown>;
  } catch {
    problem = null;
  }
  if (response.status === 401) {
    navigate("/login", { replace: true });
    throw new SignedOut();
  }
  throw new ApiError(response.status, problem, null);
}

/** What to tell a person about a failed call: the server's own detail when it gave one. */
export function failureText(error: unknown): () => string {
  if (error instanceof NetworkError) return () => t("error.network");
  if (error instanceof ApiError) {
    const { status, detail } = error;
    if (detail) return () => detail;
    return () => t(status >= 500 ? "error.server" : "error.unexpected", { status });
  }
  console.error(error);
  return () => t("error.unexpected", { status: "?" });
}

/** A message box that shows an error (or nothing), relabelled on a language switch. */
export function messageBox(testid: string): {
  el: HTMLElement;
  show: (text: () => string, kind?: "error" | "info") => void;
  clear: () => void;
} {
  const el = h("div", { class: "message message-error", role: "alert", "data-testid": testid, hidden: true });
  let current: (() => string) | null = null;
  const render = () => {
    el.textContent = current ? current() : "";
  };
  return {
    el,
    show: (text, kind = "error") => {
      current = text;
      el.className = `message message-${kind}`;
      el.setAttribute("role", kind === "error" ? "alert" : "status");
      render();
      el.hidden = false;
    },
    clear: () => {
      current = null;
      el.hidden = true;
      el.textContent = "";
    },
  };
}

/** A screen's frame: a titled <main> with a back link to home. */
export function staffFrame(testid: string, title: MessageKey, ...children: Array<Node | null>): HTMLElement {
  return h(
    "main",
    { class: "screen staff-screen", "data-testid": testid },
    h(
      "div",
      { class: "staff-head" },
      h(
        "a",
        {
          class: "btn btn-secondary staff-back",
          href: "/",
          "data-testid": "staff-back",
          on: {
            click: (event) => {
              event.preventDefault();
              navigate("/");
            },
          },
        },
        () => t("staff.back"),
      ),
      h("h1", { class: "staff-title" }, () => t(title)),
    ),
    ...children.filter((c): c is Node => c !== null),
  );
}

/** A staff screen built once the caller's sites are known: the frame shows at once,
 * the view replaces "Loading…" (or an error replaces it). `build` may return what to
 * clean up when the screen goes. */
export function siteScreen(
  testid: string,
  title: MessageKey,
  build: (sites: Site[], signal: AbortSignal) => HTMLElement | { el: HTMLElement; dispose: () => void },
): Screen {
  const controller = new AbortController();
  const body = h("div", { class: "staff-body" }, h("p", { class: "staff-loading" }, () => t("staff.loading")));
  const el = staffFrame(testid, title, body);
  if (!requireSession()) return { el };
  let disposeView: (() => void) | null = null;
  loadSites(controller.signal).then(
    (sites) => {
      if (controller.signal.aborted) return;
      const view = build(sites, controller.signal);
      if (view instanceof HTMLElement) {
        body.replaceChildren(view);
      } else {
        body.replaceChildren(view.el);
        disposeView = view.dispose;
      }
    },
    (error: unknown) => {
      if (controller.signal.aborted) return;
      const errors = messageBox("screen-error");
      errors.show(failureText(error));
      body.replaceChildren(errors.el);
    },
  );
  return {
    el,
    dispose: () => {
      controller.abort();
      disposeView?.();
    },
  };
}

// ---- sites ---------------------------------------------------------------

export type Site = Answer<"/api/sites/{site_id}">;

let sitesCache: Promise<Site[]> | null = null;

/** The caller's sites (one request per app session; a failed load is retried next time). */
export function loadSites(signal?: AbortSignal): Promise<Site[]> {
  if (!sitesCache) {
    sitesCache = call<Answer<"/api/sites">>("/api/sites?limit=500", signal ? { signal } : {}).then(
      (page) => page.items,
      (error: unknown) => {
        sitesCache = null;
        throw error;
      },
    );
  }
  return sitesCache;
}

const SITE_KEY = "sitecheck.staff.site";

function rememberedSite(): string | null {
  try {
    return localStorage.getItem(SITE_KEY);
  } catch {
    return null;
  }
}

/** A <select> of the caller's sites; the choice is remembered across screens. With
 * `allowAll`, an "all my sites" entry (value "") comes first. */
export function sitePicker(
  sites: Site[],
  onChange: (site: Site | null) => void,
  { allowAll = false } = {},
): HTMLSelectElement {
  const select = h("select", { class: "staff-select", "data-testid": "site-picker", "aria-label": () => t("staff.site") });
  if (allowAll) select.append(h("option", { value: "" }, () => t("staff.all_sites")));
  for (const site of sites) select.append(h("option", { value: site.id }, site.name));
  const saved = rememberedSite();
  if (saved && sites.some((s) => s.id === saved)) select.value = saved;
  else if (!allowAll && sites[0]) select.value = sites[0].id;
  select.addEventListener("change", () => {
    try {
      localStorage.setItem(SITE_KEY, select.value);
    } catch {
      // Not remembered; the choice still applies now.
    }
    onChange(sites.find((s) => s.id === select.value) ?? null);
  });
  return select;
}

export function selectedSite(select: HTMLSelectElement, sites: Site[]): Site | null {
  return sites.find((s) => s.id === select.value) ?? null;
}

// ---- dates ---------------------------------------------------------------

/** Today's date (YYYY-MM-DD) where the site is, not where the phone thinks it is. */
export function todayIn(timezone: string, now = new Date()): string {
  try {
    // en-CA formats as YYYY-MM-DD.
    return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** "HH:MM" of an instant in a timezone (the phone's when none is given). */
export function clockTime(iso: string | null, timezone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hour12: false }).format(date);
  } catch {
    return iso.slice(11, 16);
  }
}

/** A short date and time in the phone's own zone and language (due dates, flags). */
export function dateTime(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(getLang(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A localized label for a code the server sends (reason, status); a code this app
 * version does not know yet shows as itself rather than as nothing. */
export function codeLabel(table: Readonly<Record<string, MessageKey>>, code: string): string {
  const key = table[code];
  return key ? t(key) : code;
}

/** Minutes as "7 h 05". */
export function duration(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")}`;
}

/** Tabs as a row of toggle buttons; `onPick` gets the chosen value. */
export function tabs<V extends string>(
  testid: string,
  options: Array<{ value: V; label: MessageKey }>,
  initial: V,
  onPick: (value: V) => void,
): { el: HTMLElement; value: () => V } {
  let value = initial;
  const buttons = options.map((option) =>
    h(
      "button",
      {
        type: "button",
        class: "staff-tab",
        "data-testid": `${testid}-${option.value}`,
        "aria-pressed": String(option.value === initial),
        on: {
          click: () => {
            value = option.value;
            for (const b of buttons) b.setAttribute("aria-pressed", String(b === buttonFor(value)));
            onPick(value);
          },
        },
      },
      () => t(option.label),
    ),
  );
  const buttonFor = (v: V) => buttons[options.findIndex((o) => o.value === v)];
  return { el: h("div", { class: "staff-tabs", role: "group", "data-testid": testid }, ...buttons), value: () => value };
}
