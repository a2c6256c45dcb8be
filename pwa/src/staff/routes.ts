// The staff screens (foreman, safety officer, manager, admin) as routes for main.ts
// and links for the home menu. Each screen is its own chunk, loaded when first opened,
// so a worker's phone never downloads them (or Leaflet, which only the map needs).

import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Route, Screen } from "../router";
import { getSession } from "../session";

type ScreenModule = () => Screen;

/** A route whose screen comes from a chunk loaded on first use. The placeholder stays
 * in the outlet and the real screen goes inside it, so the router's dispose reaches
 * the real screen too. */
function lazy(load: () => Promise<ScreenModule>): Route {
  return () => {
    const host = h("div", { class: "staff-host" }, h("p", { class: "staff-loading", role: "status" }, () => t("staff.loading")));
    let inner: Screen | null = null;
    let disposed = false;
    load().then(
      (make) => {
        if (disposed) return;
        inner = make();
        host.replaceChildren(inner.el);
      },
      (error: unknown) => {
        console.error(error);
        // Usually a chunk that could not be fetched: offline before it was cached.
        if (!disposed) host.replaceChildren(h("p", { class: "message message-error", role: "alert" }, () => t("staff.load_failed")));
      },
    );
    return {
      el: host,
      dispose: () => {
        disposed = true;
        inner?.dispose?.();
      },
    };
  };
}

export const staffRoutes: Record<string, Route> = {
  "/staff/crew": lazy(async () => (await import("./attendance")).crewBoardScreen),
  "/staff/attendance": lazy(async () => (await import("./attendance")).attendanceScreen),
  "/staff/hazards": lazy(async () => (await import("./hazards")).hazardQueueScreen),
  "/staff/fixes": lazy(async () => (await import("./fixes")).fixesScreen),
  "/staff/sites": lazy(async () => (await import("./sites")).sitesScreen),
  "/staff/equipment": lazy(async () => (await import("./equipment")).equipmentDueScreen),
};

export interface StaffLink {
  path: string;
  labelKey: MessageKey;
}

const CREW: StaffLink = { path: "/staff/crew", labelKey: "staff.link.crew" };
const ATTENDANCE: StaffLink = { path: "/staff/attendance", labelKey: "staff.link.attendance" };
const HAZARDS: StaffLink = { path: "/staff/hazards", labelKey: "staff.link.hazards" };
const FIXES: StaffLink = { path: "/staff/fixes", labelKey: "staff.link.fixes" };
const SITES: StaffLink = { path: "/staff/sites", labelKey: "staff.link.sites" };
const EQUIPMENT: StaffLink = { path: "/staff/equipment", labelKey: "staff.link.equipment" };

/** The staff screens a role opens from the home menu (the API checks every call too). */
export function staffLinks(role: string): StaffLink[] {
  switch (role) {
    case "foreman":
      return [CREW, FIXES, EQUIPMENT];
    case "safety_officer":
      return [HAZARDS, FIXES, EQUIPMENT];
    case "manager":
    case "admin":
      return [ATTENDANCE, HAZARDS, FIXES, SITES, EQUIPMENT];
    default:
      return [];
  }
}

/** The signed-in role, for screens that show more to some roles. */
export function currentRole(): string | null {
  return getSession()?.user.role ?? null;
}
