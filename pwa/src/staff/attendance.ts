// The day's crew board (GET /api/attendance/daily) with the punches waiting for a
// person: a foreman co-signs for a worker without face consent (cosign_required),
// a manager or admin also accepts or rejects any punch in review and exports the
// punches of a date range (GET /api/attendance/export).

import { ApiError, type Answer } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Screen } from "../router";
import { call, callRaw, clockTime, codeLabel, duration, failureText, messageBox, selectedSite, sitePicker, siteScreen, todayIn, type Site } from "./common";
import { currentRole } from "./routes";

/** GET /api/attendance/daily. */
type DailyBoard = Answer<"/api/attendance/daily">;
type DailyRow = DailyBoard["rows"][number];
type DayStatus = DailyRow["status"];

/** The schema leaves a punch's checks an open object; these are the ones read here. */
type Punch = Omit<Answer<"/api/attendance/punches">["items"][number], "checks"> & {
  checks: { geofence?: { ok?: boolean; distance_m?: number }; accuracy?: { accuracy_m?: number } };
};

const COSIGN_REQUIRED = "cosign_required";

const REASONS: Record<string, MessageKey> = {
  outside_geofence: "staff.reason.outside_geofence",
  face_mismatch: "staff.reason.face_mismatch",
  gps_inaccurate: "staff.reason.gps_inaccurate",
  fake_gps_suspected: "staff.reason.fake_gps_suspected",
  no_face: "staff.reason.no_face",
  multiple_faces: "staff.reason.multiple_faces",
  not_enrolled: "staff.reason.not_enrolled",
  cosign_required: "staff.reason.cosign_required",
  face_reenrolled: "staff.reason.face_reenrolled",
  clock_skew: "staff.reason.clock_skew",
  stale_punch: "staff.reason.stale_punch",
  impossible_travel: "staff.reason.impossible_travel",
  new_device: "staff.reason.new_device",
  site_inactive: "staff.reason.site_inactive",
  // Daily board anomalies.
  in_review: "staff.anomaly.in_review",
  rejected_punch: "staff.anomaly.rejected_punch",
  missing_in: "staff.anomaly.missing_in",
  missing_out: "staff.anomaly.missing_out",
};

const STATUS: Record<DayStatus, MessageKey> = {
  present: "staff.day.present",
  late: "staff.day.late",
  absent: "staff.day.absent",
  anomaly: "staff.day.anomaly",
};

export function crewBoardScreen(): Screen {
  return boardScreen({ testid: "crew-board", title: "staff.crew.title", exports: false });
}

export function attendanceScreen(): Screen {
  return boardScreen({ testid: "attendance-board", title: "staff.attendance.title", exports: true });
}

function boardScreen(options: { testid: string; title: MessageKey; exports: boolean }): Screen {
  return siteScreen(options.testid, options.title, (sites, signal) =>
    sites.length === 0
      ? h("p", { class: "staff-empty", "data-testid": "no-sites" }, () => t("staff.no_sites"))
      : boardView(sites, options.exports, signal),
  );
}

function boardView(sites: Site[], withExport: boolean, signal: AbortSignal): HTMLElement {
  const role = currentRole();
  const canCosign = role === "foreman" || role === "manager" || role === "admin";
  const canReview = role === "manager" || role === "admin";

  const dateInput = h("input", { type: "date", class: "staff-input", "data-testid": "board-date", "aria-label": () => t("staff.date") });
  const picker = sitePicker(sites, (site) => {
    if (site) dateInput.value = todayIn(site.timezone);
    void refresh();
  });
  const first = selectedSite(picker, sites);
  dateInput.value = todayIn(first?.timezone ?? "UTC");
  dateInput.addEventListener("change", () => void refresh());

  const errors = messageBox("board-error");
  const counts = h("div", { class: "staff-counts", "data-testid": "board-counts" });
  const notice = h("p", { class: "staff-note", "data-testid": "board-notice", hidden: true });
  const inList = h("ul", { class: "staff-list", "data-testid": "crew-in" });
  const missingList = h("ul", { class: "staff-list", "data-testid": "crew-missing" });
  const anomalyList = h("ul", { class: "staff-list", "data-testid": "crew-anomaly" });
  const waitingList = h("ul", { class: "staff-list", "data-testid": "punch-queue" });
  const refreshButton = h("button", { type: "button", class: "btn btn-secondary", "data-testid": "board-refresh", on: { click: () => void refresh() } }, () => t("staff.refresh"));

  let names = new Map<string, string>();
  let loading = 0;

  async function refresh(): Promise<void> {
    const site = selectedSite(picker, sites);
    if (!site || !dateInput.value) return;
    const ticket = ++loading;
    errors.clear();
    refreshButton.disabled = true;
    try {
      const query = new URLSearchParams({ site_id: site.id, date: dateInput.value });
      const waitingQuery = new URLSearchParams({ site_id: site.id, status: "review", limit: "100" });
      const [board, waiting] = await Promise.all([
        call<DailyBoard>(`/api/attendance/daily?${query}`, { signal }),
        call<{ items: Punch[] }>(`/api/attendance/punches?${waitingQuery}`, { signal }),
      ]);
      if (ticket !== loading) return;
      names = new Map(board.rows.map((r) => [r.user_id, r.name]));
      showBoard(board);
      showWaiting(site, waiting.items);
    } catch (error) {
      if (signal.aborted || ticket !== loading) return;
      errors.show(failureText(error));
    } finally {
      if (ticket === loading) refreshButton.disabled = false;
    }
  }

  function showBoard(board: DailyBoard): void {
    counts.replaceChildren(
      ...(["present", "late", "absent", "anomaly"] as const).map((status) =>
        h(
          "div",
          { class: `staff-count staff-count-${status}`, "data-testid": `count-${status}` },
          h("span", { class: "staff-count-n" }, String(board.counts[status] ?? 0)),
          h("span", { class: "staff-count-label" }, () => t(STATUS[status])),
        ),
      ),
    );
    notice.hidden = board.working_day;
    notice.textContent = board.working_day ? "" : t("staff.not_working_day");
    const rows = (statuses: DayStatus[]) => board.rows.filter((r) => statuses.includes(r.status));
    fill(inList, rows(["present", "late"]), (r) => crewRow(r, board.timezone));
    fill(missingList, rows(["absent"]), (r) => crewRow(r, board.timezone));
    fill(anomalyList, rows(["anomaly"]), (r) => crewRow(r, board.timezone));
  }

  function showWaiting(site: Site, punches: Punch[]): void {
    // A foreman acts only on the punches a co-sign settles; managers on every one.
    const mine = canReview ? punches : punches.filter((p) => p.reasons.includes(COSIGN_REQUIRED));
    fill(waitingList, mine, (p) => punchItem(p, site, names.get(p.user_id) ?? "—", { canCosign, canReview }, () => void refresh()));
  }

  const controls = h("div", { class: "staff-controls" }, picker, dateInput, refreshButton);
  const view = h(
    "div",
    { class: "staff-body" },
    controls,
    errors.el,
    counts,
    notice,
    section("staff.crew.in", inList),
    section("staff.crew.missing", missingList),
    section("staff.crew.anomaly", anomalyList),
    section(canReview ? "staff.punches.review" : "staff.punches.cosign", waitingList),
    withExport ? exportForm(sites, picker) : null,
  );
  void refresh();
  return view;
}

function section(title: MessageKey, list: HTMLElement): HTMLElement {
  return h("section", { class: "staff-section" }, h("h2", { class: "staff-h2" }, () => t(title)), list);
}

function fill<T>(list: HTMLElement, items: T[], render: (item: T) => HTMLElement): void {
  if (items.length === 0) {
    list.replaceChildren(h("li", { class: "staff-empty" }, () => t("staff.none")));
    return;
  }
  list.replaceChildren(...items.map(render));
}

function crewRow(row: DailyRow, timezone: string): HTMLElement {
  const times =
    row.status === "absent"
      ? null
      : h(
          "span",
          { class: "staff-row-meta" },
          `${clockTime(row.first_in, timezone)} – ${clockTime(row.last_out, timezone)} · ${duration(row.worked_minutes)}`,
          row.late_minutes > 0 ? () => ` · ${t("staff.late_by", { minutes: row.late_minutes })}` : null,
        );
  return h(
    "li",
    { class: `staff-row staff-row-${row.status}`, "data-testid": "crew-row", "data-status": row.status, "data-user-id": row.user_id },
    h("span", { class: "staff-row-name" }, row.name),
    h("span", { class: `staff-badge staff-badge-${row.status}` }, () => t(STATUS[row.status])),
    times,
    row.anomalies.length
      ? h("span", { class: "staff-row-meta" }, () => row.anomalies.map((a) => codeLabel(REASONS, a)).join(" · "))
      : null,
  );
}

function punchItem(
  punch: Punch,
  site: Site,
  name: string,
  rights: { canCosign: boolean; canReview: boolean },
  done: () => void,
): HTMLElement {
  const errors = messageBox("punch-error");
  const note = h("input", { type: "text", class: "staff-input", maxlength: 1000, "data-testid": "punch-note", placeholder: () => t("staff.note_optional") });
  const geofence = punch.checks.geofence;
  const where =
    geofence?.ok === false
      ? () => t("staff.punch.outside", { metres: Math.round(geofence.distance_m ?? 0) })
      : () => t("staff.punch.inside");
  const buttons: HTMLButtonElement[] = [];

  const act = async (path: string, json: unknown) => {
    for (const b of buttons) b.disabled = true;
    errors.clear();
    try {
      await call(path, { method: "POST", json });
      done();
    } catch (error) {
      // Someone else settled it meanwhile: the refreshed list shows how.
      if (error instanceof ApiError && error.status === 409) done();
      errors.show(failureText(error));
      for (const b of buttons) b.disabled = false;
    }
  };
  const noteValue = () => note.value.trim() || null;
  if (rights.canCosign && punch.reasons.includes(COSIGN_REQUIRED)) {
    buttons.push(
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "cosign", on: { click: () => void act(`/api/attendance/punches/${punch.id}/cosign`, { note: noteValue() }) } }, () => t("staff.cosign")),
    );
  }
  if (rights.canReview) {
    buttons.push(
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "punch-accept", on: { click: () => void act(`/api/attendance/punches/${punch.id}/review`, { decision: "accept", note: noteValue() }) } }, () => t("staff.accept")),
      h("button", { type: "button", class: "btn btn-secondary", "data-testid": "punch-reject", on: { click: () => void act(`/api/attendance/punches/${punch.id}/review`, { decision: "reject", note: noteValue() }) } }, () => t("staff.reject")),
    );
  }
  return h(
    "li",
    { class: "staff-card", "data-testid": "punch-item", "data-punch-id": punch.id },
    h(
      "div",
      { class: "staff-card-head" },
      h("span", { class: "staff-row-name" }, name),
      h("span", { class: "staff-badge" }, () => t(punch.kind === "in" ? "staff.punch.in" : "staff.punch.out")),
    ),
    h("p", { class: "staff-row-meta" }, () => `${clockTime(punch.captured_at, site.timezone)} · ${where()} · ±${Math.round(punch.accuracy_m)} m`),
    h("p", { class: "staff-reasons" }, () => punch.reasons.map((r) => codeLabel(REASONS, r)).join(" · ")),
    punch.selfie_url ? h("img", { class: "staff-selfie", src: punch.selfie_url, alt: () => t("staff.selfie"), loading: "lazy" }) : null,
    buttons.length ? note : null,
    buttons.length ? h("div", { class: "staff-actions" }, ...buttons) : null,
    errors.el,
  );
}

function exportForm(sites: Site[], picker: HTMLSelectElement): HTMLElement {
  const site = selectedSite(picker, sites);
  const today = todayIn(site?.timezone ?? "UTC");
  const from = h("input", { type: "date", class: "staff-input", "data-testid": "export-from", value: `${today.slice(0, 8)}01`, "aria-label": () => t("staff.export.from") });
  const to = h("input", { type: "date", class: "staff-input", "data-testid": "export-to", value: today, "aria-label": () => t("staff.export.to") });
  const format = h(
    "select",
    { class: "staff-select", "data-testid": "export-format", "aria-label": () => t("staff.export.format") },
    h("option", { value: "xlsx" }, "Excel (.xlsx)"),
    h("option", { value: "csv" }, "CSV"),
  );
  const errors = messageBox("export-error");
  const button = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "export-download" }, () => t("staff.export.download"));
  button.addEventListener("click", () => void download());

  async function download(): Promise<void> {
    const chosen = selectedSite(picker, sites);
    if (!chosen) return;
    button.disabled = true;
    errors.clear();
    try {
      const query = new URLSearchParams({ site_id: chosen.id, from: from.value, to: to.value, format: format.value });
      // The export needs the bearer token, which a plain link cannot carry: fetch it
      // and hand the browser the file.
      const response = await callRaw(`/api/attendance/export?${query}`);
      const blob = await response.blob();
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `attendance.${format.value}`;
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: name, hidden: true, "data-testid": "export-link" });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      errors.show(failureText(error));
    } finally {
      button.disabled = false;
    }
  }

  return h(
    "section",
    { class: "staff-section", "data-testid": "export" },
    h("h2", { class: "staff-h2" }, () => t("staff.export.title")),
    h(
      "div",
      { class: "staff-controls" },
      h("label", { class: "staff-field" }, h("span", {}, () => t("staff.export.from")), from),
      h("label", { class: "staff-field" }, h("span", {}, () => t("staff.export.to")), to),
      h("label", { class: "staff-field" }, h("span", {}, () => t("staff.export.format")), format),
    ),
    errors.el,
    button,
  );
}
