// What the hazard model is worth, shown where a reviewer decides (GET /api/hazards/model,
// also carried by every queue page as `model`): its name, what it caught and how often
// its flags were right on labelled photos, and how often reviewers found its flags right
// on their own sites. A model nobody evaluated, or evaluated under other thresholds, says
// so in plain words rather than showing numbers it never earned.

import type { Answer } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";

/** GET /api/hazards/model. */
export type ModelReport = Answer<"/api/hazards/model">;
/** One labelled set the model was measured on; `current`: with the tiling this
 * deployment runs. */
export type EvaluationRun = ModelReport["evaluation"]["runs"][number];
export type Rates = EvaluationRun["head"];
export type LiveCounts = ModelReport["live"];

/** One line of the banner: what it says (in the current language) and its hook. */
export interface Line {
  testid: string;
  text: () => string;
  warning?: boolean;
  set?: string;
}

const REASONS: Readonly<Record<string, MessageKey>> = {
  "not evaluated": "staff.model.not_evaluated",
  "evaluated another model": "staff.model.other_model",
};

/** 0.611 -> "61%"; an undefined rate (nothing flagged, nothing to find) -> "—". */
export function percent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 100)}%`;
}

/** The runs to quote: those evaluated the way the model runs here (all when none is). */
export function quotedRuns(report: ModelReport): EvaluationRun[] {
  const { runs } = report.evaluation;
  const current = runs.filter((run) => run.current);
  return current.length > 0 ? current : runs;
}

/** Reviewers' verdicts as a line; `site`: the numbers are one site's, not all of mine. */
export function liveLine(live: LiveCounts, site: boolean): Line {
  const reviewed = live.confirmed + live.dismissed;
  return {
    testid: "model-live",
    text: () =>
      reviewed === 0
        ? t(site ? "staff.model.live_none_site" : "staff.model.live_none")
        : t(site ? "staff.model.live_site" : "staff.model.live", { confirmed: live.confirmed, reviewed, percent: percent(live.precision) }),
  };
}

/** The banner's lines, top to bottom. */
export function modelLines(report: ModelReport, site: boolean): Line[] {
  const lines: Line[] = [{ testid: "model-name", text: () => t("staff.model.name", { name: report.model }) }];
  const { evaluation } = report;
  if (evaluation.available) {
    for (const run of quotedRuns(report)) {
      lines.push({
        testid: "model-evaluated",
        set: run.set,
        text: () => t("staff.model.evaluated", { recall: percent(run.photo.recall), precision: percent(run.photo.precision), set: run.set }),
      });
    }
    if (evaluation.stale) lines.push({ testid: "model-warning", warning: true, text: () => t("staff.model.stale") });
  } else {
    const key = REASONS[evaluation.reason ?? ""] ?? "staff.model.unreadable";
    lines.push({ testid: "model-warning", warning: true, text: () => t(key) });
  }
  lines.push(liveLine(report.live, site));
  return lines;
}

export function lineEl(line: Line): HTMLElement {
  return h(
    "p",
    { class: line.warning ? "staff-model-line staff-model-warning" : "staff-model-line", "data-testid": line.testid, "data-set": line.set },
    line.text,
  );
}

/** The compact banner above the review queue and the site dashboard. */
export function modelBanner(report: ModelReport, site: boolean): HTMLElement {
  return h(
    "section",
    { class: "staff-model", "data-testid": "model-banner", "data-model": report.model, "aria-label": () => t("staff.model.aria") },
    ...modelLines(report, site).map(lineEl),
  );
}
