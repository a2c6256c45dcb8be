"""python -m inference.hazard.evaluate: measure a hazard model on labelled YOLO-format sets.

    D=../shared/data HE=hard_hat=compliance,no_hard_hat=hazard,no_head_wear=hazard,person=ignore
    python -m inference.hazard.evaluate --set "$D/hardhat-eval=$HE" \\
        --set "$D/hardhat-workers-test=head=hazard,helmet=compliance,person=ignore" \\
        --tiling off,2x2 --json out/eval.json --plot out/pr.png

Without --model/--policy it measures the shipped model. This is how to check a drop-in model
before switching to it: same sets, same rules, numbers side by side with the shipped one's
(inference/models/MODEL_CARD.md). Rules: inference/hazard/evaluation.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from inference.hazard import pr_plot
from inference.hazard.detector import HazardDetector, default_detector
from inference.hazard.errors import HazardError
from inference.hazard.evaluation import (
    DEFAULT_THRESHOLDS,
    MATCH_IOU,
    MIN_HEAD_PRECISION,
    EvalRun,
    evaluate_set,
    policy_threshold,
    suggest_threshold,
    summary,
)
from inference.hazard.labelled_set import ClassMap, LabelledSet
from inference.hazard.policy import Tiling


def parse_thresholds(spec: str) -> list[float]:
    """`0.25:0.8:0.05` (start:stop:step, inclusive) or `0.3,0.5,0.7`."""
    try:
        if ":" in spec:
            start, stop, step = (float(v) for v in spec.split(":"))
            if step <= 0:
                raise ValueError
            count = round((stop - start) / step) + 1
            values = [round(start + i * step, 4) for i in range(count)]
        else:
            values = [float(v) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"thresholds {spec!r}: use a:b:step or a,b,c") from None
    if not values or not all(0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError("thresholds must be within (0, 1]")
    return values


def parse_tiling(spec: str) -> list[Tiling | None]:
    """`off,2x2,3x3`: one run per entry; `CxR` uses overlap 0.2 plus the whole photo."""
    out: list[Tiling | None] = []
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        if part == "off":
            out.append(None)
            continue
        cols, sep, rows = part.partition("x")
        if not (
            sep and cols.isdigit() and rows.isdigit() and 1 <= int(cols) <= 8 >= int(rows) >= 1
        ):
            raise argparse.ArgumentTypeError(f"tiling {part!r}: use off or CxR like 2x2")
        out.append(Tiling(enabled=True, columns=int(cols), rows=int(rows)))
    if not out:
        raise argparse.ArgumentTypeError("tiling: give at least one of off, CxR")
    return out


def parse_set(spec: str) -> tuple[Path, ClassMap]:
    """`PATH=name=role,name=role,...`: the first `=` ends the path."""
    path, sep, mapping = spec.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"--set {spec!r}: use PATH=class=role,...  (roles: hazard, compliance, ignore)"
        )
    try:
        return Path(path), ClassMap.parse(mapping)
    except HazardError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def table(run: dict[str, Any]) -> str:
    tiling = pr_plot.run_name(run)
    lines = [
        f"\n{tiling}: {run['photos']} photos ({run['hazard_photos']} with a hazard head), "
        f"{run['heads']} heads ({run['hazard_heads']} hazard); latency ms p50 "
        f"{run['latency_ms']['p50']} p95 {run['latency_ms']['p95']}",
        "| threshold | heads found | head P | head R | head F1 | photo P | photo R | photo F1 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in [*run["thresholds"], run["policy_row"]]:
        mark = " (policy)" if row is run["policy_row"] else ""
        cells = [f"{row['threshold']:g}{mark}", f"{row['heads_found']} / {run['heads']}"]
        for level in ("head", "photo"):
            cells += [_fmt(row[level][k]) for k in ("precision", "recall", "f1")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m inference.hazard.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--model", type=Path, help="ONNX file (default: the shipped model)")
    ap.add_argument("--policy", type=Path, help="its policy TOML (with --model)")
    ap.add_argument(
        "--set",
        dest="sets",
        type=parse_set,
        action="append",
        required=True,
        metavar="PATH=CLASS=ROLE,...",
    )
    ap.add_argument("--thresholds", type=parse_thresholds, default=list(DEFAULT_THRESHOLDS))
    ap.add_argument("--tiling", type=parse_tiling, default=[None], help="off,2x2 (default off)")
    ap.add_argument("--match-iou", type=float, default=MATCH_IOU)
    ap.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0: all cores)")
    ap.add_argument("--limit", type=int, help="first N photos of each set (a quick look)")
    ap.add_argument("--json", type=Path, help="write the summary here (*.eval.json)")
    ap.add_argument("--plot", type=Path, help="write the precision-recall PNG here")
    a = ap.parse_args(argv)
    if (a.model is None) != (a.policy is None):
        ap.error("--model and --policy go together")
    try:
        detector = (
            default_detector(threads=a.threads or None)
            if a.model is None
            else HazardDetector.load(a.model, a.policy, threads=a.threads or None)
        )
        runs: list[EvalRun] = []
        for path, class_map in a.sets:
            labelled = LabelledSet.load(path, class_map, limit=a.limit)
            for tiling in a.tiling:
                run = evaluate_set(
                    detector,
                    labelled,
                    a.thresholds,
                    tiling=tiling,
                    match_iou=a.match_iou,
                    progress=_progress(labelled.name),
                )
                runs.append(run)
                print(table(run.as_json()), flush=True)
    except HazardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    doc = summary(detector, runs, match_iou=a.match_iou)
    suggested = suggest_threshold(doc)
    print(
        f"\nsuggested threshold: {suggested} (highest photo recall with head precision >= "
        f"{MIN_HEAD_PRECISION} on every set, whole photo); the policy has "
        f"{policy_threshold(detector.policy)}"
    )
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        print(f"\nsummary: {a.json}")
    if a.plot:
        print(f"plot: {pr_plot.draw(doc, a.plot)}")
    return 0


def _progress(name: str) -> Any:
    def report(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {name}: {done}/{total}", file=sys.stderr, flush=True)

    return report


if __name__ == "__main__":
    sys.exit(main())
