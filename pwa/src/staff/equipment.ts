// What equipment needs attention (GET /api/equipment/due): maintenance overdue or due
// soon and inspection certificates expired or expiring, soonest first, as the server
// orders them.

import type { Answer } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Screen } from "../router";
import { call, failureText, messageBox, sitePicker, siteScreen, tabs, type Site } from "./common";

/** GET /api/equipment/due. */
type DueList = Answer<"/api/equipment/due">;
type DueItem = DueList["items"][number];
type DueStatus = DueItem["status"];

const STATUS: Record<DueStatus, MessageKey> = {
  overdue: "staff.due.overdue",
  due: "staff.due.due",
  expired: "staff.due.expired",
  expiring: "staff.due.expiring",
};

type Window = "7" | "30";

export function equipmentDueScreen(): Screen {
  return siteScreen("equipment-due", "staff.equipment.title", dueView);
}

function dueView(sites: Site[], signal: AbortSignal): HTMLElement {
  const picker = sitePicker(sites, () => void reload(), { allowAll: true });
  const within = tabs<Window>(
    "due-window",
    [
      { value: "7", label: "staff.due.week" },
      { value: "30", label: "staff.due.month" },
    ],
    "7",
    () => void reload(),
  );
  const errors = messageBox("due-error");
  const list = h("ul", { class: "staff-list", "data-testid": "due-list" });
  let ticket = 0;

  async function reload(): Promise<void> {
    const mine = ++ticket;
    errors.clear();
    try {
      const query = new URLSearchParams({ within_days: within.value() });
      if (picker.value) query.set("site_id", picker.value);
      const due = await call<DueList>(`/api/equipment/due?${query}`, { signal });
      if (mine !== ticket) return;
      if (due.items.length === 0) list.replaceChildren(h("li", { class: "staff-empty", "data-testid": "due-empty" }, () => t("staff.due.nothing")));
      else list.replaceChildren(...due.items.map(dueRow));
    } catch (error) {
      if (signal.aborted || mine !== ticket) return;
      errors.show(failureText(error));
    }
  }
  void reload();
  return h("div", { class: "staff-body" }, h("div", { class: "staff-controls" }, picker), within.el, errors.el, list);
}

function dueRow(item: DueItem): HTMLElement {
  const late = item.days_left < 0;
  return h(
    "li",
    { class: "staff-row", "data-testid": "due-row", "data-status": item.status, "data-equipment-id": item.equipment_id },
    h("span", { class: "staff-row-name" }, item.name),
    h("span", { class: `staff-badge staff-badge-${late ? "overdue" : "due"}` }, () => t(STATUS[item.status])),
    h("span", { class: "staff-row-meta" }, () => `${item.code} · ${item.site_name}`),
    h(
      "span",
      { class: "staff-row-meta" },
      () =>
        `${item.kind === "certificate" ? t("staff.due.certificate") : item.title} · ${item.due_on} · ${
          late ? t("staff.due.days_late", { days: -item.days_left }) : t("staff.due.days_left", { days: item.days_left })
        }`,
    ),
  );
}
