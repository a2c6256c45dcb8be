"""How good a hazard model is on a labelled set: per head and per photo, per threshold.

The rules (the same as the measurements in ../shared/models/README.md, so numbers compare):

- A *hazard head* is a labelled head whose class maps to `hazard`; a compliant head maps to
  `compliance`; other labels (a whole person) are ignored.
- A *hazard detection* at threshold t is a detection of a class the policy calls a hazard
  with score >= t. Detections are matched to labelled hazard heads greedily, best score
  first, each to the unmatched head it overlaps most with IoU >= `match_iou` (0.3: a
  head box is small and labellers draw it loosely). Matched: true positive; unmatched:
  false positive (including a bare-head call on a helmeted head); hazard heads left
  unmatched: false negatives.
- A photo *is* a hazard when it holds at least one hazard head and is *flagged* when it
  holds at least one hazard detection. This is what a safety officer feels: a missed
  photo is a bare head nobody reviews.
- *Heads found* counts labelled heads (either kind) matched by any hazard or compliance
  detection at the threshold, whatever its class: does the model see the head at all.

The model runs once per photo, at a confidence floor as low as the lowest threshold;
every threshold is then read from the same detections. That equals running at each
threshold, because NMS keeps the higher score and a lower-scored box never removes it.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from inference.hazard.detector import HazardDetector
from inference.hazard.labelled_set import LabelledPhoto, LabelledSet
from inference.hazard.policy import HazardPolicy, Role, Tiling

FORMAT = "sitecheck-hazard-eval/1"
MATCH_IOU = 0.3
DEFAULT_THRESHOLDS = tuple(round(0.25 + 0.05 * i, 2) for i in range(12))  # 0.25 .. 0.80

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Counts:
    tp: int
    fp: int
    fn: int
    tn: int | None = None  # photos only: a head-level true negative does not exist

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def __add__(self, other: Counts) -> Counts:
        tn = None if self.tn is None or other.tn is None else self.tn + other.tn
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, tn)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tp": self.tp, "fp": self.fp, "fn": self.fn}
        if self.tn is not None:
            out["tn"] = self.tn
        for key in ("precision", "recall", "f1"):
            value = getattr(self, key)
            out[key] = None if value is None else round(value, 4)
        return out


@dataclass(frozen=True)
class Row:
    """Everything measured at one threshold."""

    threshold: float
    heads_found: int
    head: Counts
    photo: Counts

    def as_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "heads_found": self.heads_found,
            "head": self.head.as_json(),
            "photo": self.photo.as_json(),
        }


@dataclass(frozen=True)
class Found:
    """One photo's detections, reduced to what scoring needs."""

    boxes: F32  # [n, 4]
    scores: F32  # [n]
    hazard_class: npt.NDArray[np.bool_]  # [n] class role is hazard
    head_class: npt.NDArray[np.bool_]  # [n] class role is hazard or compliance
    # [n] hazard by the policy's own per-class thresholds
    policy_hazard: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EvalRun:
    labelled: LabelledSet
    tiling: Tiling | None
    rows: tuple[Row, ...]
    policy_row: Row
    latencies_ms: tuple[float, ...]

    def latency_json(self) -> dict[str, float]:
        ms = sorted(self.latencies_ms)
        return {
            "mean": round(statistics.fmean(ms), 1),
            "p50": round(statistics.median(ms), 1),
            "p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        }

    def as_json(self) -> dict[str, Any]:
        s = self.labelled
        return {
            "set": s.name,
            "class_map": s.class_map.as_json(),
            "photos": len(s.photos),
            "hazard_photos": s.hazard_photos,
            "heads": s.heads,
            "hazard_heads": s.hazard_heads,
            "tiling": tiling_json(self.tiling),
            "latency_ms": self.latency_json(),
            "thresholds": [r.as_json() for r in self.rows],
            "policy_row": self.policy_row.as_json(),
        }


def tiling_json(tiling: Tiling | None) -> dict[str, Any] | None:
    # A run without tiles says null, not {"enabled": false}: the summary's format.
    if tiling is None or not tiling.enabled:
        return None
    return tiling.as_mapping()


def iou_matrix(a: F32, b: F32) -> F32:
    """IoU of every box in `a` [n, 4] with every box in `b` [m, 4] (x1 y1 x2 y2)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0).astype(np.float32)


def match(pred: F32, scores: F32, truth: F32, min_iou: float) -> int:
    """How many predictions match a distinct truth box (greedy, best score first)."""
    if len(pred) == 0 or len(truth) == 0:
        return 0
    ious = iou_matrix(pred[np.argsort(-scores, kind="stable")], truth)
    taken = np.zeros(len(truth), bool)
    matched = 0
    for row in ious:
        row = np.where(taken, -1.0, row)
        best = int(row.argmax())
        if row[best] >= min_iou:
            taken[best] = True
            matched += 1
    return matched


def score_photo(
    photo: LabelledPhoto,
    found: Found,
    hazard_mask: npt.NDArray[np.bool_],
    head_mask: npt.NDArray[np.bool_],
    match_iou: float,
) -> tuple[int, Counts, Counts]:
    """(heads found, head counts, photo counts) for one photo, given which detections
    count as hazard calls and which as head sightings."""
    truth = photo.heads[photo.hazard]
    called = found.boxes[hazard_mask]
    tp = match(called, found.scores[hazard_mask], truth, match_iou)
    head = Counts(tp=tp, fp=len(called) - tp, fn=len(truth) - tp)
    seen = match(found.boxes[head_mask], found.scores[head_mask], photo.heads, match_iou)
    flagged, is_hazard = bool(hazard_mask.any()), photo.is_hazard
    photo_counts = Counts(
        tp=int(flagged and is_hazard),
        fp=int(flagged and not is_hazard),
        fn=int(is_hazard and not flagged),
        tn=int(not flagged and not is_hazard),
    )
    return seen, head, photo_counts


def rows_for(
    photos: Sequence[LabelledPhoto],
    found: Sequence[Found],
    thresholds: Sequence[float],
    policy: HazardPolicy,
    match_iou: float,
) -> tuple[tuple[Row, ...], Row]:
    """One row per threshold, and the row at the policy's own thresholds."""
    rows = [_row(t, photos, found, _at(t), match_iou) for t in thresholds]
    policy_row = _row(
        policy_threshold(policy),
        photos,
        found,
        lambda f: (f.policy_hazard, f.head_class & (f.scores >= policy.conf)),
        match_iou,
    )
    return tuple(rows), policy_row


Masks = Callable[[Found], tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]]


def _at(threshold: float) -> Masks:
    def masks(f: Found) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        above = f.scores >= threshold
        return f.hazard_class & above, f.head_class & above

    return masks


def _row(
    threshold: float,
    photos: Sequence[LabelledPhoto],
    found: Sequence[Found],
    masks: Masks,
    match_iou: float,
) -> Row:
    seen, head, photo = 0, Counts(0, 0, 0), Counts(0, 0, 0, 0)
    for p, f in zip(photos, found, strict=True):
        hazard_mask, head_mask = masks(f)
        s, h, ph = score_photo(p, f, hazard_mask, head_mask, match_iou)
        seen, head, photo = seen + s, head + h, photo + ph
    return Row(round(threshold, 4), seen, head, photo)


def policy_threshold(policy: HazardPolicy) -> float:
    """The policy's hazard threshold (the highest, if its hazard classes differ)."""
    return max(policy.hazard_thresholds.values())


def evaluate_set(
    detector: HazardDetector,
    labelled: LabelledSet,
    thresholds: Iterable[float] = DEFAULT_THRESHOLDS,
    *,
    tiling: Tiling | None = None,
    match_iou: float = MATCH_IOU,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Run `detector` on every photo of `labelled` (blocking; minutes on a large set)."""
    thresholds = sorted({round(float(t), 4) for t in thresholds})
    if not thresholds or not all(0.0 < t <= 1.0 for t in thresholds):
        raise ValueError("thresholds must be within (0, 1]")
    policy = detector.policy
    # Run at the lowest floor any row needs, then read every threshold from that.
    floor = min(policy.conf, thresholds[0])
    sweep = detector.with_policy(dataclasses.replace(policy, conf=floor))
    # Without tiling means without: the policy's own [tiling] must not sneak in.
    views = tiling if tiling is not None else Tiling(enabled=False)
    found: list[Found] = []
    latencies: list[float] = []
    for i, photo in enumerate(labelled.photos):
        with Image.open(photo.image) as img:
            rgb = img.convert("RGB")
        t0 = time.perf_counter()
        result = sweep.detect(rgb, tiling=views)
        latencies.append((time.perf_counter() - t0) * 1000)
        found.append(_reduce(result.detections, policy))
        if progress:
            progress(i + 1, len(labelled.photos))
    rows, policy_row = rows_for(labelled.photos, found, thresholds, policy, match_iou)
    return EvalRun(labelled, views if views.enabled else None, rows, policy_row, tuple(latencies))


def _reduce(detections: Sequence[Any], policy: HazardPolicy) -> Found:
    roles = [policy.rule(d.label).role for d in detections]
    return Found(
        boxes=np.array([d.box for d in detections], np.float32).reshape(-1, 4),
        scores=np.array([d.score for d in detections], np.float32),
        hazard_class=np.array([r is Role.HAZARD for r in roles], bool),
        head_class=np.array([r is not Role.INFO for r in roles], bool),
        policy_hazard=np.array([policy.is_hazard(d.label, d.score) for d in detections], bool),
    )


def summary(
    detector: HazardDetector, runs: Sequence[EvalRun], *, match_iou: float = MATCH_IOU
) -> dict[str, Any]:
    """The `*.eval.json` document (format `sitecheck-hazard-eval/1`)."""
    info, policy = detector.info, detector.policy
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": {
            "file": info.path.name,
            "sha256": info.sha256,
            "label": info.label,
            "names": list(info.names),
        },
        "policy": {
            "conf": policy.conf,
            "iou": policy.iou,
            "thresholds": policy.hazard_thresholds,
            "compliance": [n for n, r in policy.classes.items() if r.role is Role.COMPLIANCE],
        },
        "match_iou": match_iou,
        "runs": [run.as_json() for run in runs],
    }


# The calibration rule for a shipped default: a bare-head box should be right at least
# 4 times in 5. Head precision, not photo precision: photo precision moves with how many
# photos of a set hold a bare head at all (48% of hardhat-eval, 20% of Hard Hat Workers),
# head precision much less, so it is the promise that carries over to a customer's site.
MIN_HEAD_PRECISION = 0.8


def suggest_threshold(
    doc: dict[str, Any], min_precision: float = MIN_HEAD_PRECISION
) -> float | None:
    """The threshold with the highest photo recall (summed over runs) at which every
    whole-photo run keeps head precision >= `min_precision`; None if none does."""
    runs = [r for r in doc["runs"] if r["tiling"] is None]
    best: tuple[float, float] | None = None
    for rows in zip(*(r["thresholds"] for r in runs), strict=True):
        precisions = [row["head"]["precision"] for row in rows]
        if any(p is None or p < min_precision for p in precisions):
            continue
        recall = sum(row["photo"]["recall"] or 0.0 for row in rows)
        # Equal recall: the higher threshold (fewer false flags for the same catch).
        if best is None or recall >= best[1]:
            best = (rows[0]["threshold"], recall)
    return None if best is None else best[0]
