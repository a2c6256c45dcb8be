// History routing with clean paths ("/", "/login"), no hash. The server answers any
// unknown non-API path with index.html and the service worker's navigation fallback
// does the same offline, so a deep link or a reload lands here and this picks the
// screen. Unknown paths go to "/".

export interface Screen {
  el: HTMLElement;
  /** Abort requests, clear timers: the screen is leaving. */
  dispose?: () => void;
}

export type Route = () => Screen;

let routes: Record<string, Route> = {};
let outlet: HTMLElement | null = null;
let current: Screen | null = null;

export function startRouter(target: HTMLElement, table: Record<string, Route>): void {
  outlet = target;
  routes = table;
  window.addEventListener("popstate", render);
  render();
}

export function navigate(path: string, { replace = false } = {}): void {
  if (path !== location.pathname) {
    if (replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }
  render();
}

function render(): void {
  if (!outlet) return;
  const route = routes[location.pathname];
  if (!route) {
    history.replaceState(null, "", "/");
    render();
    return;
  }
  current?.dispose?.();
  current = route();
  outlet.replaceChildren(current.el);
  window.scrollTo(0, 0);
}
