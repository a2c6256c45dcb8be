"""`python -m tools.hazard_model finetune`: labelled photos in, a promoted model or a refusal out.

Stages, each timed (tools/README.md has a measured run):
1. prepare   the photos (a YOLO folder or the app's review-export zip) in the running
             model's classes, photos identical to an evaluation photo left out;
2. train     from the base checkpoint (the shipped model's lineage: the helmet weights);
3. export    to ONNX, checked against PyTorch on a training photo;
4. quantize  static int8 like the shipped model, calibrated on training photos;
5. evaluate  the candidate AND the running model on every evaluation set, each under its
             own policy (the candidate gets the running model's policy, re-pinned);
6. gate      promotion.compare: refused (exit 3) if worse on any set;
7. promote   with --promote-to: the three files and the two env lines that switch to it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inference.hazard.detector import HazardDetector, default_detector
from inference.hazard.evaluate import parse_set, table
from inference.hazard.evaluation import DEFAULT_THRESHOLDS, EvalRun, evaluate_set, summary
from inference.hazard.labelled_set import ClassMap, LabelledSet
from inference.hazard.policy import HazardPolicy, Tiling
from tools.hazard_model.promotion import (
    REFUSED_EXIT,
    PromotionError,
    compare,
    format_table,
    gate_report,
    policy_toml,
    promote,
    sha256_file,
)
from tools.hazard_model.training_data import (
    TrainingDataError,
    parse_map,
    prepare_training_set,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
DEFAULT_EVAL = (
    f"{SHARED_DATA / 'hardhat-eval'}"
    "=hard_hat=compliance,no_hard_hat=hazard,no_head_wear=hazard,person=ignore",
    f"{SHARED_DATA / 'hardhat-workers-test'}=head=hazard,helmet=compliance,person=ignore",
)
# Where tools/make_torch_venv.sh puts the third-party helmet weights.
DEFAULT_BASE = Path("/tmp/bench-venv/weights/helmet_best.pt")  # noqa: S108
SETUP_EXIT = 2


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a training run, the same for `train` and `finetune`."""
    parser.add_argument("--imgsz", type=int, default=480)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--freeze", type=int, default=9, help="first N modules frozen (backbone)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)


def train_as_asked(a: argparse.Namespace, checkpoint: Path, data_yaml: Path, runs: Path) -> Path:
    """Train with the options add_training_arguments read; the trained checkpoint."""
    # Imported here: torch and ultralytics exist only in the tools' own venv.
    from tools.hazard_model.finetune import train

    return train(
        checkpoint,
        data_yaml,
        runs,
        imgsz=a.imgsz,
        epochs=a.epochs,
        batch=a.batch,
        freeze=a.freeze,
        workers=a.workers,
        seed=a.seed,
    )


def add_arguments(sub: Any) -> None:
    ft = sub.add_parser(
        "finetune",
        help="prepare, train, export, quantize, evaluate, gate and promote a new model",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ft.add_argument(
        "data", type=Path, nargs="+", help="YOLO folders or review-export zips (mixed into one)"
    )
    ft.add_argument("--work", type=Path, required=True, help="folder for every stage's output")
    ft.add_argument("--base", type=Path, default=DEFAULT_BASE, help="checkpoint to start from")
    ft.add_argument(
        "--trained", type=Path, help="skip training: start from this fine-tuned checkpoint"
    )
    ft.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SET_CLASS=MODEL_CLASS",
        help="a class of the data that is named differently in the model ('-' drops it)",
    )
    ft.add_argument(
        "--eval",
        dest="evals",
        type=parse_set,
        action="append",
        metavar="PATH=CLASS=ROLE,...",
        help="labelled set the gate compares on (repeatable; default: both shared sets)",
    )
    ft.add_argument("--exclude", type=Path, action="append", default=[], help="more test photos")
    ft.add_argument("--current-model", type=Path, help="default: SITECHECK_HAZARD_MODEL or shipped")
    ft.add_argument("--current-policy", type=Path, help="default: SITECHECK_HAZARD_POLICY")
    add_training_arguments(ft)
    ft.add_argument("--val-fraction", type=float, default=0.1)
    ft.add_argument("--calibration-photos", type=int, default=64)
    ft.add_argument("--tolerance", type=float, default=0.0, help="allowed drop per gated metric")
    ft.add_argument("--promote-to", type=Path, help="folder for the promoted model's files")
    ft.add_argument("--name", help="promoted file name stem (default: finetune-<UTC time>)")


class Stages:
    """Wall time of each stage, printed as it ends and kept for the report."""

    def __init__(self) -> None:
        self.seconds: list[tuple[str, float]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"\n== {name}", flush=True)
        t0 = time.perf_counter()
        yield
        took = time.perf_counter() - t0
        self.seconds.append((name, took))
        print(f"== {name}: {took:.0f} s", flush=True)


def current_detector(a: argparse.Namespace, threads: int | None) -> HazardDetector:
    """The model the app runs now: the flags, else the app's own env pair, else shipped."""
    model = a.current_model or os.environ.get("SITECHECK_HAZARD_MODEL", "").strip() or None
    policy = a.current_policy or os.environ.get("SITECHECK_HAZARD_POLICY", "").strip() or None
    if (model is None) != (policy is None):
        raise PromotionError("the current model and its policy go together")
    if model is None or policy is None:
        return default_detector(threads=threads)
    return HazardDetector.load(model, policy, threads=threads)


def base_names(checkpoint: Path) -> tuple[str, ...]:
    from ultralytics import YOLO

    names = YOLO(str(checkpoint)).names
    return tuple(str(names[i]) for i in range(len(names)))


def evaluate_all(
    detector: HazardDetector,
    sets: list[LabelledSet],
    tilings: list[Tiling | None],
) -> dict[str, Any]:
    runs: list[EvalRun] = []
    for labelled in sets:
        for tiling in tilings:
            run = evaluate_set(detector, labelled, DEFAULT_THRESHOLDS, tiling=tiling)
            runs.append(run)
            print(table(run.as_json()), flush=True)
    return summary(detector, runs)


def run(a: argparse.Namespace) -> int:
    try:
        return _run(a)
    except (TrainingDataError, PromotionError) as exc:
        print(f"error: {exc}", flush=True)
        return SETUP_EXIT


def _run(a: argparse.Namespace) -> int:
    work: Path = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    threads = a.threads or None
    stages = Stages()
    evals: list[tuple[Path, ClassMap]] = a.evals or [parse_set(s) for s in DEFAULT_EVAL]
    current = current_detector(a, threads)
    names = current.info.names
    print(f"current model {current.info.label} ({current.policy.source}), classes {list(names)}")

    with stages.stage("prepare"):
        prepared = prepare_training_set(
            a.data,
            work / "data",
            names,
            parse_map(a.map),
            [path for path, _ in evals] + list(a.exclude),
            val_fraction=a.val_fraction,
            seed=a.seed,
        )
        print(
            f"{len(prepared.train)} train + {len(prepared.val)} val photos, {prepared.boxes} "
            f"boxes ({prepared.boxes_dropped} dropped by the class map {dict(prepared.mapping)});"
            f" {prepared.left_out} photos left out: identical to an evaluation photo"
        )

    if a.trained is None:
        base = base_names(a.base)
        if base != names:
            raise PromotionError(
                f"{a.base} has classes {list(base)}, the running model "
                f"{list(names)}: fine-tune from the running model's lineage"
            )
        with stages.stage("train"):
            checkpoint = train_as_asked(a, a.base, prepared.data_yaml, work / "runs")
    else:
        checkpoint = a.trained

    fp32, int8 = work / "candidate.onnx", work / "candidate.int8qdq.onnx"
    with stages.stage("export"):
        from tools.hazard_model.export import export

        export(checkpoint, fp32, a.imgsz, prepared.train[0])
    with stages.stage("quantize"):
        from tools.hazard_model.quantize import quantize

        photos = list(prepared.train)
        random.Random(a.seed).shuffle(photos)  # noqa: S311  (a sample, not a secret)
        quantize(fp32, int8, photos[: a.calibration_photos])

    # The candidate runs under the current policy's rules, pinned to its own file.
    candidate_policy = work / "candidate.policy.toml"
    candidate_policy.write_text(policy_toml(current.policy, sha256_file(int8)))
    candidate = HazardDetector.load(int8, candidate_policy, threads=threads)
    sets = [LabelledSet.load(path, class_map) for path, class_map in evals]
    tilings = _tilings(current.policy)
    with stages.stage("evaluate current"):
        current_summary = evaluate_all(current, sets, tilings)
    with stages.stage("evaluate candidate"):
        candidate_summary = evaluate_all(candidate, sets, tilings)
    for name, doc in (("current", current_summary), ("candidate", candidate_summary)):
        (work / f"{name}.eval.json").write_text(json.dumps(doc, indent=1) + "\n")

    verdict = compare(current_summary, candidate_summary, tolerance=a.tolerance)
    print(f"\n== gate: candidate {candidate.info.label} vs current {current.info.label}")
    print(format_table(verdict))
    report = gate_report(
        verdict,
        stages.seconds,
        {
            "data": [str(d) for d in a.data],
            "train_photos": len(prepared.train),
            "val_photos": len(prepared.val),
            "left_out_as_eval_photos": prepared.left_out,
            "epochs": a.epochs if a.trained is None else None,
            "current": current.info.label,
            "candidate": candidate.info.label,
        },
    )
    (work / "gate.json").write_text(json.dumps(report, indent=1) + "\n")
    _print_times(stages)
    if not verdict.accepted:
        print(f"\nnot promoted; the candidate stays in {work} (exit {REFUSED_EXIT})")
        return REFUSED_EXIT
    if a.promote_to is None:
        print(f"\ngate passed; promote with --promote-to DIR (candidate: {int8})")
        return 0
    name = a.name or f"finetune-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    promoted = promote(
        int8,
        current.policy,
        candidate_summary,
        a.promote_to,
        name,
        note=f"Fine-tuned from {(a.trained or a.base).name} on "
        f"{', '.join(d.name for d in a.data)}; gate passed against {current.info.label} "
        f"({work / 'gate.json'}).",
    )
    print(f"\npromoted {promoted.model} (sha256 {promoted.sha256})")
    print("switch the API and workers to it (then restart them):")
    for line in promoted.env_lines():
        print(f"  {line}")
    return 0


def _tilings(policy: HazardPolicy) -> list[Tiling | None]:
    # Without tiles always; with the policy's own grid too when it runs with one.
    return [None, policy.tiling] if policy.tiling.enabled else [None]


def _print_times(stages: Stages) -> None:
    total = sum(s for _, s in stages.seconds)
    times = ", ".join(f"{n} {s:.0f} s" for n, s in stages.seconds)
    print(f"\nwall time: {times}; total {total:.0f} s")
