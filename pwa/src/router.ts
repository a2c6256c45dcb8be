// History routing with clean paths ("/", "/login", "/s/<code>"), no hash. The server
// answers any unknown non-API path with index.html and the service worker's
// navigation fallback does the same offline, so a deep link or a reload lands here
// and this picks the screen.
//
// A route table maps patterns to screens: "/punch" matches exactly, "/s/:code" binds
// one path segment. A route may return a Promise (a screen in a lazily loaded chunk,
// e.g. the staff screens), and `setFallback` may add routes on demand (main.ts loads
// the staff routes module when a path is not in the table). Unknown paths go to "/".

export interface Screen {
  el: HTMLElement;
  /** Abort requests, clear timers: the screen is leaving. */
  dispose?: () => void;
}

export type RouteParams = Record<string, string>;
export type Route = (params: RouteParams) => Screen | Promise<Screen>;

let routes: Record<string, Route> = {};
let outlet: HTMLElement | null = null;
let current: Screen | null = null;
let renderCount = 0;
let fallback: ((path: string) => Promise<boolean>) | null = null;

export function startRouter(target: HTMLElement, table: Record<string, Route>): void {
  outlet = target;
  routes = { ...table };
  window.addEventListener("popstate", () => void render());
  void render();
}

/** Add routes (e.g. the staff screens once their module has loaded). */
export function addRoutes(table: Record<string, Route>): void {
  routes = { ...routes, ...table };
}

/** Called for a path no route matches; resolves true if it added a route for it. */
export function setFallback(resolve: (path: string) => Promise<boolean>): void {
  fallback = resolve;
}

export function navigate(path: string, { replace = false } = {}): void {
  if (path !== location.pathname + location.search) {
    if (replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }
  void render();
}

/** The route for a path and the values of its ":name" segments. */
export function match(table: Record<string, Route>, path: string): { route: Route; params: RouteParams } | null {
  const exact = table[path];
  if (exact) return { route: exact, params: {} };
  const segments = path.split("/");
  for (const [pattern, route] of Object.entries(table)) {
    if (!pattern.includes(":")) continue;
    const parts = pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: RouteParams = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const segment = segments[i]!;
      if (part.startsWith(":")) {
        if (!segment) {
          ok = false;
          break;
        }
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          ok = false;
          break;
        }
      } else if (part !== segment) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return null;
}

async function render(): Promise<void> {
  if (!outlet) return;
  const ticket = ++renderCount;
  let found = match(routes, location.pathname);
  if (!found && fallback && (await fallback(location.pathname).catch(() => false))) {
    found = match(routes, location.pathname);
  }
  if (ticket !== renderCount) return;
  if (!found) {
    history.replaceState(null, "", "/");
    void render();
    return;
  }
  current?.dispose?.();
  current = null;
  const screen = await found.route(found.params);
  // Another navigation happened while a lazy screen was loading: drop this one.
  if (ticket !== renderCount) {
    screen.dispose?.();
    return;
  }
  current = screen;
  outlet.replaceChildren(screen.el);
  window.scrollTo(0, 0);
}
