// The model banner's words: which evaluated runs are quoted, how rates are rounded,
// and the plain warnings for a model whose numbers cannot be shown.
import { describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { liveLine, modelLines, percent, quotedRuns, type EvaluationRun, type ModelReport } from "../staff/quality";

const run = (set: string, current: boolean, recall: number | null, precision: number | null): EvaluationRun => ({
  set,
  photos: 75,
  hazard_photos: 36,
  tiling: current ? null : { grid: [2, 2], overlap: 0.2, include_whole: true },
  current,
  threshold: 0.5,
  head: { precision: 0.9, recall: 0.5 },
  photo: { precision, recall },
  latency_ms_p50: 99,
});

const report = (evaluation: Partial<ModelReport["evaluation"]> = {}): ModelReport => ({
  model: "m.onnx@e746fc743d5e",
  file: "m.onnx",
  shipped: true,
  classes: [],
  evaluation: { available: true, stale: false, runs: [run("hardhat-eval", true, 0.611, 0.917), run("hardhat-eval", false, 0.7, 0.8)], ...evaluation },
  live: { site_id: null, confirmed: 3, dismissed: 1, open: 2, precision: 0.75 },
});

const texts = (r: ModelReport, site = false) => modelLines(r, site).map((line) => [line.testid, line.text()]);

describe("model banner", () => {
  setLang("en");

  it("quotes the runs evaluated the way the model runs here, at photo level", () => {
    expect(texts(report())).toEqual([
      ["model-name", "Model: m.onnx@e746fc743d5e"],
      ["model-evaluated", "Evaluated: catches 61% of photos with a bare head, flags right 92% (hardhat-eval)"],
      ["model-live", "On your sites: reviewers confirmed 3 of 4 (75%)"],
    ]);
  });

  it("quotes every run when none matches the tiling in use", () => {
    const runs = [run("a", false, 0.5, 0.5), run("b", false, null, null)];
    expect(quotedRuns(report({ runs })).map((r) => r.set)).toEqual(["a", "b"]);
    expect(texts(report({ runs }))[2]?.[1]).toBe("Evaluated: catches — of photos with a bare head, flags right — (b)");
  });

  it("warns instead of quoting numbers it cannot stand behind", () => {
    const missing = texts(report({ available: false, reason: "not evaluated", runs: [] }));
    expect(missing.map(([id]) => id)).toEqual(["model-name", "model-warning", "model-live"]);
    expect(missing[1]?.[1]).toContain("has not been evaluated");
    expect(texts(report({ available: false, reason: "evaluated another model", runs: [] }))[1]?.[1]).toContain("another model");
    expect(texts(report({ available: false, reason: "something new", runs: [] }))[1]?.[1]).toContain("could not be read");
    const stale = texts(report({ stale: true }));
    expect(stale[2]).toEqual(["model-warning", "Measured with other thresholds than the ones in use now: these numbers may be off."]);
  });

  it("says when nothing was reviewed, per site or overall", () => {
    const none = { site_id: "s", confirmed: 0, dismissed: 0, open: 4, precision: null };
    expect(liveLine(none, true).text()).toBe("On this site: no flag reviewed yet");
    expect(liveLine(none, false).text()).toBe("On your sites: no flag reviewed yet");
    expect(liveLine({ ...none, confirmed: 2, dismissed: 1, precision: 0.6667 }, true).text()).toBe("On this site: reviewers confirmed 2 of 3 (67%)");
  });

  it("rounds rates to whole percents", () => {
    expect([percent(0), percent(0.005), percent(0.996), percent(1), percent(null)]).toEqual(["0%", "1%", "100%", "100%", "—"]);
  });
});
