// Rectifications (GET /api/rectifications): the overdue ones first, then open, being
// verified and closed. Closing takes an after photo, uploaded as a site photo
// (POST /api/photos) and attached (POST /api/rectifications/{id}/close). The model
// checks the after photo too: 202 while it looks, 409 after_photo_flagged when it
// still sees the hazard, which the officer may overrule with a note.

import { ApiError, type Answer } from "../api";
import { newId } from "../db";
import { h } from "../dom";
import { compressPhoto } from "../photos/compress";
import { t, type MessageKey } from "../i18n";
import type { Screen } from "../router";
import { call, callResponse, codeLabel, dateTime, failureText, messageBox, sitePicker, siteScreen, tabs, type Site } from "./common";
import { currentRole } from "./routes";

type FixStatus = "open" | "verifying" | "closed";
type Filter = "overdue" | FixStatus;

/** The schema leaves a rectification's status a string; these are the server's. */
type Fix = Answer<"/api/rectifications">["items"][number] & { status: FixStatus };

const FILTERS: Array<{ value: Filter; label: MessageKey }> = [
  { value: "overdue", label: "staff.fix.overdue" },
  { value: "open", label: "staff.fix.open" },
  { value: "verifying", label: "staff.fix.verifying" },
  { value: "closed", label: "staff.fix.closed" },
];

const STATUS: Record<FixStatus, MessageKey> = {
  open: "staff.fix.open",
  verifying: "staff.fix.verifying",
  closed: "staff.fix.closed",
};

const REFUSED: Record<string, MessageKey> = {
  after_photo_flagged: "staff.fix.refused.after_photo_flagged",
  after_photo_unchecked: "staff.fix.refused.after_photo_unchecked",
};

// After photos the server refuses for good (issue 16: a close never erases a hazard).
const PHOTO_REFUSED: Readonly<Record<string, MessageKey>> = {
  after_photo_is_hazard: "staff.fix.photo_is_hazard",
  after_photo_in_use: "staff.fix.photo_in_use",
};

function refusedPhoto(code: string | null): MessageKey | undefined {
  return code !== null && Object.hasOwn(PHOTO_REFUSED, code) ? PHOTO_REFUSED[code] : undefined;
}

// Only reviewers may overrule the model's verdict on an after photo.
const OVERRULERS = new Set(["admin", "manager", "safety_officer"]);

export function fixesScreen(): Screen {
  return siteScreen("fixes", "staff.fixes.title", fixesView);
}

function fixesView(sites: Site[], signal: AbortSignal): HTMLElement {
  const picker = sitePicker(sites, () => void reload(), { allowAll: true });
  const filter = tabs<Filter>("fix-tabs", FILTERS, "overdue", () => void reload());
  const errors = messageBox("fixes-error");
  const list = h("ul", { class: "staff-list", "data-testid": "fix-list" });
  let ticket = 0;

  async function reload(): Promise<void> {
    const mine = ++ticket;
    errors.clear();
    try {
      const query = new URLSearchParams({ limit: "100" });
      const value = filter.value();
      if (value === "overdue") query.set("overdue", "true");
      else query.set("status", value);
      if (picker.value) query.set("site_id", picker.value);
      const page = await call<Omit<Answer<"/api/rectifications">, "items"> & { items: Fix[] }>(`/api/rectifications?${query}`, { signal });
      if (mine !== ticket) return;
      if (page.items.length === 0) {
        list.replaceChildren(h("li", { class: "staff-empty", "data-testid": "fix-empty" }, () => t("staff.none")));
      } else {
        list.replaceChildren(...page.items.map((fix) => fixCard(fix, sites)));
      }
    } catch (error) {
      if (signal.aborted || mine !== ticket) return;
      errors.show(failureText(error));
    }
  }
  void reload();
  return h("div", { class: "staff-body" }, h("div", { class: "staff-controls" }, picker), filter.el, errors.el, list);
}

function fixCard(fix: Fix, sites: Site[]): HTMLElement {
  const site = sites.find((s) => s.id === fix.site_id);
  const badge = h("span", { class: "staff-badge", "data-testid": "fix-status" });
  const due = h("p", { class: "staff-row-meta" });
  const refused = h("p", { class: "staff-reasons", hidden: true });
  const show = (current: Fix) => {
    card.dataset.status = current.status;
    card.dataset.overdue = String(current.overdue);
    badge.className = `staff-badge staff-badge-${current.overdue ? "overdue" : current.status}`;
    badge.textContent = current.overdue ? t("staff.fix.overdue") : t(STATUS[current.status]);
    due.textContent = `${site?.name ?? ""} · ${t("staff.fix.due", { when: dateTime(current.due_at) })}`;
    refused.hidden = !current.refused_reason;
    refused.textContent = current.refused_reason ? codeLabel(REFUSED, current.refused_reason) : "";
  };
  const card = h(
    "li",
    { class: "staff-card", "data-testid": "fix-card", "data-fix-id": fix.id },
    h("div", { class: "staff-card-head" }, h("span", { class: "staff-row-name" }, fix.note || t("staff.fix.untitled")), badge),
    due,
    refused,
    fix.close_note ? h("p", { class: "staff-row-meta" }, fix.close_note) : null,
  );
  show(fix);
  if (fix.status === "open" && site) card.append(closeForm(fix, site, show));
  return card;
}

function closeForm(fix: Fix, site: Site, show: (fix: Fix) => void): HTMLElement {
  // `capture` opens the camera on a phone; a desktop gets a file picker.
  const file = h("input", { type: "file", accept: "image/*", capture: "environment", class: "staff-file", "data-testid": "fix-photo" });
  const note = h("textarea", { class: "staff-input staff-textarea", rows: 2, maxlength: 4000, "data-testid": "fix-note", placeholder: () => t("staff.fix.close_note") });
  const override = h("input", { type: "checkbox", "data-testid": "fix-override" });
  const overrideRow = h("label", { class: "staff-check", hidden: true }, override, h("span", {}, () => t("staff.fix.override")));
  const send = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "fix-close" }, () => t("staff.fix.close"));
  const result = messageBox("fix-result");
  // One after photo per attempt: a retry after a failure reuses the upload.
  let uploaded: { file: File; photoId: string } | null = null;

  send.addEventListener("click", () => void close());

  async function close(): Promise<void> {
    const chosen = file.files?.[0];
    if (!chosen) return result.show(() => t("staff.fix.need_photo"));
    if (!note.value.trim()) return result.show(() => t("staff.fix.need_note"));
    send.disabled = true;
    result.clear();
    try {
      if (!uploaded || uploaded.file !== chosen) uploaded = { file: chosen, photoId: await uploadPhoto(chosen, site) };
      const response = await callResponse<Fix>(`/api/rectifications/${fix.id}/close`, {
        method: "POST",
        json: { photo_id: uploaded.photoId, note: note.value.trim(), override: override.checked },
      });
      show(response.data);
      // The form goes; its message stays on the card.
      const card = form.closest("li");
      form.remove();
      card?.append(result.el);
      result.show(() => t(response.status === 202 ? "staff.fix.verifying_done" : "staff.fix.closed_done"), "info");
    } catch (error) {
      const refused = error instanceof ApiError ? refusedPhoto(error.code) : undefined;
      if (error instanceof ApiError && error.code === "after_photo_flagged") {
        const current = error.problem?.rectification as Fix | undefined;
        if (current) show(current);
        overrideRow.hidden = !OVERRULERS.has(currentRole() ?? "");
        result.show(() => t("staff.fix.still_flagged"));
      } else if (refused) {
        // That photo can never close this fix: ask for a new one instead of resending it.
        uploaded = null;
        file.value = "";
        result.show(() => t(refused));
      } else {
        result.show(failureText(error));
      }
    } finally {
      send.disabled = false;
    }
  }

  const form = h(
    "div",
    { class: "staff-review", "data-testid": "fix-form" },
    h("label", { class: "staff-field" }, h("span", {}, () => t("staff.fix.after_photo")), file),
    note,
    overrideRow,
    send,
    result.el,
  );
  return form;
}

/** Upload the after photo as a photo of the fix's site; returns its id. Compressed on
 * the phone first like every field photo (about 1600 px, about 200 KB: a site's uplink
 * is slow); the server normalises it again either way. */
async function uploadPhoto(file: File, site: Site): Promise<string> {
  const id = newId();
  const compressed = await compressPhoto(file);
  const form = new FormData();
  form.append("meta", JSON.stringify({ id, site_id: site.id, captured_at: new Date(file.lastModified || Date.now()).toISOString() }));
  form.append("file", compressed.blob, compressed.via === "original" ? file.name || "after.jpg" : "after.jpg");
  return (await call<Answer<"/api/photos", "post">>("/api/photos", { method: "POST", form })).id;
}
