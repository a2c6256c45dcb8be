// The safety officer's review queue (GET /api/hazards): each flagged photo with the
// model's boxes, confirmed (which opens a rectification, optionally assigned with a
// due date) or dismissed as a false positive (POST /api/hazards/{id}/review). Above
// the list, the model's measured quality (quality.ts), so a reviewer knows how far its
// flags, and its silence, can be trusted.

import { ApiError, type Answer } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Screen } from "../router";
import { call, dateTime, failureText, messageBox, sitePicker, siteScreen, tabs, type Site } from "./common";
import { assignablePeople } from "./people";
import { photoWithBoxes, type PhotoBody } from "./photo";
import { modelBanner, type ModelReport } from "./quality";

type HazardStatus = "open" | "confirmed" | "dismissed";

/** A page of the queue, with the model's report (GET /api/hazards). */
type HazardPage = Omit<Answer<"/api/hazards">, "items"> & { items: Hazard[] };

/** The schema leaves a hazard's status a string and its photo an open object; these
 * are what the server sends in them. */
type Hazard = Omit<Answer<"/api/hazards">["items"][number], "status" | "photo"> & {
  status: HazardStatus;
  photo: PhotoBody;
};

const PAGE = 20;
// A fix with no date picked is due in three days, as the server's own default.
const DEFAULT_DUE_DAYS = 3;

const STATUS: Record<HazardStatus, MessageKey> = {
  open: "staff.hazard.open",
  confirmed: "staff.hazard.confirmed",
  dismissed: "staff.hazard.dismissed",
};

export function hazardQueueScreen(): Screen {
  return siteScreen("hazard-queue", "staff.hazards.title", queueView);
}

function queueView(sites: Site[], signal: AbortSignal): HTMLElement {
  const picker = sitePicker(sites, () => void reload(), { allowAll: true });
  const statusTabs = tabs<HazardStatus>(
    "hazard-tabs",
    (["open", "confirmed", "dismissed"] as const).map((value) => ({ value, label: STATUS[value] })),
    "open",
    () => void reload(),
  );
  const errors = messageBox("hazard-error");
  const model = h("div", { class: "staff-model-slot" });
  const showModel = (report: ModelReport | null | undefined) => {
    model.replaceChildren(...(report ? [modelBanner(report, Boolean(picker.value))] : []));
  };
  // After a decision the live numbers moved: fetch them again (a failure keeps the old).
  const refreshModel = () => {
    const site = picker.value;
    const query = site ? `?site_id=${encodeURIComponent(site)}` : "";
    call<ModelReport>(`/api/hazards/model${query}`, { signal }).then(
      (report) => {
        if (picker.value === site) showModel(report);
      },
      () => undefined,
    );
  };
  const list = h("ul", { class: "staff-list", "data-testid": "hazard-list" });
  const total = h("p", { class: "staff-note", "data-testid": "hazard-total" });
  const more = h("button", { type: "button", class: "btn btn-secondary btn-block", "data-testid": "hazard-more", hidden: true, on: { click: () => void load(false) } }, () => t("staff.more"));
  let offset = 0;
  let ticket = 0;

  async function load(fresh: boolean): Promise<void> {
    const mine = fresh ? ++ticket : ticket;
    if (fresh) offset = 0;
    errors.clear();
    more.disabled = true;
    try {
      const query = new URLSearchParams({ status: statusTabs.value(), limit: String(PAGE), offset: String(offset) });
      if (picker.value) query.set("site_id", picker.value);
      const page = await call<HazardPage>(`/api/hazards?${query}`, { signal });
      if (mine !== ticket) return;
      if (fresh) showModel(page.model);
      const cards = page.items.map((hazard) => hazardCard(hazard, sites, refreshModel));
      if (fresh) list.replaceChildren(...cards);
      else list.append(...cards);
      if (fresh && cards.length === 0) list.replaceChildren(h("li", { class: "staff-empty", "data-testid": "hazard-empty" }, () => t("staff.hazards.empty")));
      offset += page.items.length;
      total.textContent = t("staff.total", { n: page.total });
      more.hidden = offset >= page.total;
    } catch (error) {
      if (signal.aborted || mine !== ticket) return;
      errors.show(failureText(error));
    } finally {
      more.disabled = false;
    }
  }
  const reload = () => load(true);
  void reload();
  return h("div", { class: "staff-body" }, h("div", { class: "staff-controls" }, picker), model, statusTabs.el, errors.el, total, list, more);
}

function hazardCard(hazard: Hazard, sites: Site[], reviewed: () => void): HTMLElement {
  const site = sites.find((s) => s.id === hazard.site_id) ?? null;
  const badge = h("span", { class: `staff-badge staff-badge-${hazard.status}`, "data-testid": "hazard-status" });
  const setStatus = (status: HazardStatus) => {
    card.dataset.status = status;
    badge.textContent = t(STATUS[status]);
  };
  const flagged = hazard.photo.hazard.detections.filter((d) => d.hazard !== false);
  const labels = [...new Set(flagged.map((d) => d.label))].join(", ");
  const result = messageBox("hazard-result");
  const actions = h("div", { class: "staff-card-actions" });

  const card = h(
    "li",
    { class: "staff-card", "data-testid": "hazard-card", "data-hazard-id": hazard.id },
    h("div", { class: "staff-card-head" }, h("span", { class: "staff-row-name" }, labels || hazard.model), badge),
    photoWithBoxes(hazard.photo),
    h(
      "p",
      { class: "staff-row-meta" },
      () => `${site?.name ?? ""} · ${dateTime(hazard.photo.captured_at ?? hazard.created_at)} · ${t("staff.hazard.score", { percent: Math.round(hazard.top_score * 100) })}`,
    ),
    hazard.review_note ? h("p", { class: "staff-row-meta" }, hazard.review_note) : null,
    actions,
    result.el,
  );
  setStatus(hazard.status);
  if (hazard.status === "open") actions.append(reviewForm(hazard, site, (decided) => {
    setStatus(decided.status);
    actions.replaceChildren();
    result.show(() => t(decided.status === "confirmed" ? "staff.hazard.confirmed_done" : "staff.hazard.dismissed_done"), "info");
    reviewed();
  }, result));
  return card;
}

function reviewForm(
  hazard: Hazard,
  site: Site | null,
  done: (reviewed: Hazard) => void,
  result: ReturnType<typeof messageBox>,
): HTMLElement {
  const note = h("textarea", { class: "staff-input staff-textarea", rows: 2, maxlength: 4000, "data-testid": "hazard-note", placeholder: () => t("staff.note_optional") });
  const assignee = h("select", { class: "staff-select", "data-testid": "hazard-assignee" }, h("option", { value: "" }, () => t("staff.hazard.unassigned")));
  const due = h("input", { type: "date", class: "staff-input", "data-testid": "hazard-due" });
  due.value = localDate(new Date(Date.now() + DEFAULT_DUE_DAYS * 86_400_000));
  if (site) {
    assignablePeople(site).then(
      (people) => assignee.append(...people.map((p) => h("option", { value: p.id }, p.name))),
      () => {
        // Unassigned still works; the fix can be handed over later.
      },
    );
  }
  const assign = h(
    "div",
    { class: "staff-assign", "data-testid": "hazard-assign", hidden: true },
    h("label", { class: "staff-field" }, h("span", {}, () => t("staff.hazard.assignee")), assignee),
    h("label", { class: "staff-field" }, h("span", {}, () => t("staff.hazard.due")), due),
  );
  const confirm = h("button", { type: "button", class: "btn btn-primary", "data-testid": "hazard-confirm" }, () => t("staff.hazard.confirm"));
  const dismiss = h("button", { type: "button", class: "btn btn-secondary", "data-testid": "hazard-dismiss" }, () => t("staff.hazard.dismiss"));
  const send = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "hazard-confirm-send", hidden: true }, () => t("staff.hazard.open_fix"));
  const buttons = [confirm, dismiss, send];

  const review = async (json: Record<string, unknown>) => {
    for (const b of buttons) b.disabled = true;
    result.clear();
    try {
      done(await call<Hazard>(`/api/hazards/${hazard.id}/review`, { method: "POST", json }));
    } catch (error) {
      result.show(
        error instanceof ApiError && error.code === "already_reviewed" ? () => t("staff.hazard.already_reviewed") : failureText(error),
      );
      for (const b of buttons) b.disabled = false;
    }
  };
  const noteValue = () => note.value.trim() || null;
  confirm.addEventListener("click", () => {
    // Confirming asks who fixes it and by when before anything is sent.
    assign.hidden = false;
    send.hidden = false;
    confirm.hidden = true;
  });
  send.addEventListener("click", () => {
    const json: Record<string, unknown> = { decision: "confirm", note: noteValue() };
    if (assignee.value) json.assignee_id = assignee.value;
    // The end of the working day on the chosen date, in the phone's zone.
    if (due.value) json.due_at = new Date(`${due.value}T18:00:00`).toISOString();
    void review(json);
  });
  dismiss.addEventListener("click", () => void review({ decision: "dismiss", note: noteValue() }));
  return h("div", { class: "staff-review" }, note, assign, h("div", { class: "staff-actions" }, confirm, dismiss), send);
}

function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
