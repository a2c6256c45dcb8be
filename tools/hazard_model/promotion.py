"""The gate between a fine-tuned candidate and production, and the promotion it allows.

No torch here: the gate reads two evaluation summaries (`sitecheck-hazard-eval/1`,
inference/hazard/evaluation.py), one for the model running now and one for the candidate,
both measured on the same labelled sets with each model's own policy thresholds.

"Worse", precisely: on any run (a labelled set with one tiling setting) present in the
current model's summary, the candidate's `policy_row` has

- a lower **photo recall** (photos with a bare head that it flags: what a safety officer
  loses when a flag is missed), or
- a lower **head F1** (bare heads found and calls that are right, together: a model that
  flags every photo keeps photo recall but loses head precision, so F1 catches it),

by more than `tolerance` (default 0: any drop refuses). A metric the current model has
but the candidate does not (null: it predicted nothing) counts as worse; a metric that is
undefined for the current model (a set without hazards) is not compared. A run missing
from the candidate's summary, or measured on a different number of photos or class map,
refuses too: it was not measured the same way.

Promotion writes `<name>.onnx`, `<name>.policy.toml` (the current policy's classes,
thresholds, NMS and tiling, pinned to the new file's sha256) and `<name>.eval.json` into a
folder of the operator's choosing, never into inference/models (the shipped model and its
pin in code stay as they are), and loads the result once to prove it runs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.hazard.detector import MODELS_DIR, HazardDetector
from inference.hazard.model import model_label
from inference.hazard.policy import HazardPolicy

# (level, metric) of a `policy_row` that must not get worse.
GATED: tuple[tuple[str, str], ...] = (("photo", "recall"), ("head", "f1"))
# Shown beside the gated ones so the table explains a refusal; never decide it.
SHOWN: tuple[tuple[str, str], ...] = (
    ("photo", "precision"),
    ("head", "precision"),
    ("head", "recall"),
)
REFUSED_EXIT = 3


class PromotionError(Exception):
    """The candidate cannot be promoted as asked (not the gate: a setup problem)."""


@dataclass(frozen=True)
class Check:
    run: str  # set name, plus its tiling when tiled
    metric: str  # "photo recall"
    current: float | None
    candidate: float | None
    gated: bool
    worse: bool

    @property
    def delta(self) -> float | None:
        if self.current is None or self.candidate is None:
            return None
        return self.candidate - self.current


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    problems: tuple[str, ...]  # runs that could not be compared

    @property
    def accepted(self) -> bool:
        return not self.problems and not any(c.worse for c in self.checks)

    @property
    def worse(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.worse)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "gated": [f"{level} {metric}" for level, metric in GATED],
            "problems": list(self.problems),
            "checks": [
                {
                    "run": c.run,
                    "metric": c.metric,
                    "current": c.current,
                    "candidate": c.candidate,
                    "gated": c.gated,
                    "worse": c.worse,
                }
                for c in self.checks
            ],
        }


def run_key(run: Mapping[str, Any]) -> str:
    tiling = run.get("tiling")
    if not tiling:
        return str(run["set"])
    cols, rows = tiling["grid"]
    return f"{run['set']} (tiles {cols}x{rows})"


def _value(run: Mapping[str, Any], level: str, metric: str) -> float | None:
    value = run["policy_row"][level][metric]
    return None if value is None else float(value)


def _is_worse(current: float | None, candidate: float | None, tolerance: float) -> bool:
    if current is None:
        return False  # undefined for the running model: nothing to protect
    if candidate is None:
        return True
    # Summaries round to 4 decimals; compare at that precision so equal stays equal.
    return round(current - candidate, 4) > tolerance


def compare(
    current: Mapping[str, Any], candidate: Mapping[str, Any], *, tolerance: float = 0.0
) -> Verdict:
    if not (math.isfinite(tolerance) and 0.0 <= tolerance < 1.0):
        raise ValueError("tolerance must be within [0, 1)")
    theirs = {run_key(r): r for r in candidate["runs"]}
    checks: list[Check] = []
    problems: list[str] = []
    for now in current["runs"]:
        key = run_key(now)
        new = theirs.get(key)
        if new is None:
            problems.append(f"{key}: the candidate was not evaluated on it")
            continue
        if (new["photos"], new["class_map"]) != (now["photos"], now["class_map"]):
            problems.append(
                f"{key}: measured differently ({new['photos']} photos vs {now['photos']}, "
                "or another class map)"
            )
            continue
        for gated, metrics in ((True, GATED), (False, SHOWN)):
            for level, metric in metrics:
                a, b = _value(now, level, metric), _value(new, level, metric)
                worse = gated and _is_worse(a, b, tolerance)
                checks.append(Check(key, f"{level} {metric}", a, b, gated, worse))
    if not current["runs"]:
        problems.append("the current model's summary holds no runs: nothing to compare")
    return Verdict(tuple(checks), tuple(problems))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_table(verdict: Verdict) -> str:
    lines = [
        "| set | metric | current | candidate | change | |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for c in verdict.checks:
        delta = "n/a" if c.delta is None else f"{c.delta:+.3f}"
        mark = "WORSE" if c.worse else ("ok" if c.gated else "(not gated)")
        lines.append(
            f"| {c.run} | {c.metric} | {_fmt(c.current)} | {_fmt(c.candidate)} | {delta} | {mark} |"
        )
    lines += [f"problem: {p}" for p in verdict.problems]
    if verdict.accepted:
        lines.append("gate: ACCEPTED (no gated metric is lower on any set)")
    else:
        worse = sorted({f"{c.run}: {c.metric}" for c in verdict.worse})
        lines.append(
            "gate: REFUSED, worse than the current model on " + "; ".join(worse or ["see problems"])
        )
    return "\n".join(lines)


def policy_toml(policy: HazardPolicy, model_sha256: str, *, note: str = "") -> str:
    """The policy as TOML (inference/hazard/policy.py's format), pinned to another file."""
    lines = [f"# {line}" for line in note.splitlines()]
    lines += [
        f'model_sha256 = "{model_sha256}"',
        f"conf = {policy.conf!r}",
        f"iou = {policy.iou!r}",
        f"agnostic_nms = {str(policy.agnostic_nms).lower()}",
        f"max_detections = {policy.max_detections}",
    ]
    for label, rule in policy.classes.items():
        # JSON string escapes are TOML basic-string escapes: any class name round-trips.
        lines += ["", f"[classes.{json.dumps(label)}]", f'role = "{rule.role.value}"']
        if rule.threshold is not None:
            lines.append(f"threshold = {rule.threshold!r}")
    t = policy.tiling
    lines += [
        "",
        "[tiling]",
        f"enabled = {str(t.enabled).lower()}",
        f"grid = [{t.columns}, {t.rows}]",
        f"overlap = {t.overlap!r}",
        f"include_whole = {str(t.include_whole).lower()}",
    ]
    return "\n".join(lines) + "\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Promoted:
    model: Path
    policy: Path
    evaluation: Path
    sha256: str

    def env_lines(self) -> list[str]:
        return [
            f"SITECHECK_HAZARD_MODEL={self.model}",
            f"SITECHECK_HAZARD_POLICY={self.policy}",
        ]


def promote(
    candidate_model: Path,
    current_policy: HazardPolicy,
    candidate_summary: Mapping[str, Any],
    into: Path,
    name: str,
    *,
    note: str = "",
) -> Promoted:
    """Write the three files of a promoted model; refuses to overwrite anything."""
    into = into.resolve()
    if into == MODELS_DIR.resolve():
        raise PromotionError(
            f"{into} holds the shipped model: promote into a folder of your own and switch "
            "with SITECHECK_HAZARD_MODEL / SITECHECK_HAZARD_POLICY"
        )
    if not name or "/" in name or name.startswith("."):
        raise PromotionError(f"model name {name!r} must be a plain file name")
    target = Promoted(
        into / f"{name}.onnx",
        into / f"{name}.policy.toml",
        into / f"{name}.eval.json",
        sha256_file(candidate_model),
    )
    taken = [p for p in (target.model, target.policy, target.evaluation) if p.exists()]
    if taken:
        raise PromotionError(f"{', '.join(map(str, taken))} exist: choose another --name")
    if candidate_summary["model"]["sha256"] != target.sha256:
        raise PromotionError("the evaluation summary is of another file than the candidate")
    into.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        shutil.copyfile(candidate_model, target.model)
        written.append(target.model)
        target.policy.write_text(policy_toml(current_policy, target.sha256, note=note))
        written.append(target.policy)
        # The summary names the file it measured; after the copy that is the promoted name.
        evaluation = copy.deepcopy(dict(candidate_summary))
        evaluation["model"]["file"] = target.model.name
        evaluation["model"]["label"] = model_label(target.model, target.sha256)
        target.evaluation.write_text(json.dumps(evaluation, indent=1) + "\n")
        written.append(target.evaluation)
        # Proof that the app will accept the pair: the sha256 pin and the class names.
        HazardDetector.load(target.model, target.policy, threads=1)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return target


def gate_report(
    verdict: Verdict, stages: Sequence[tuple[str, float]], extra: Mapping[str, Any]
) -> dict[str, Any]:
    """What the finetune run leaves in its work folder, whichever way the gate went."""
    return {
        "verdict": verdict.as_json(),
        "stages_s": {stage: round(seconds, 1) for stage, seconds in stages},
        **extra,
    }
