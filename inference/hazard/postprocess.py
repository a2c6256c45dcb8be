"""Decoding a YOLO detect head's raw output and non-maximum suppression, in numpy.

Ultralytics exports without NMS emit `[1, 4 + nc, N]`: per anchor the box centre, width
and height in model-input pixels, then one sigmoid score per class. Decoding follows
Ultralytics' `non_max_suppression` with one label per box (the best class), so that the
same weights give the same detections here as in its PyTorch `predict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

F32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]

# Ultralytics keeps at most this many candidates (best first) before NMS, so a frame full
# of low-confidence noise cannot make NMS quadratic in the anchor count.
MAX_CANDIDATES: Final = 30_000


@dataclass(frozen=True)
class Candidates:
    """Boxes above the confidence floor: x1 y1 x2 y2 (model-input pixels), score, class."""

    boxes: F32Array
    scores: F32Array
    classes: IntArray

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    def take(self, index: IntArray) -> Candidates:
        return Candidates(self.boxes[index], self.scores[index], self.classes[index])

    @staticmethod
    def concat(parts: list[Candidates]) -> Candidates:
        if not parts:
            return Candidates(
                np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.intp)
            )
        return Candidates(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.classes for p in parts]),
        )


def decode(raw: F32Array, conf: float) -> Candidates:
    """[1, 4 + nc, N] -> candidates whose best class score is above `conf`."""
    pred = raw[0]
    scores_all = pred[4:]
    classes = scores_all.argmax(axis=0)
    scores = np.take_along_axis(scores_all, classes[None, :], axis=0)[0]
    keep = np.flatnonzero(scores > conf)
    if keep.size > MAX_CANDIDATES:
        keep = keep[np.argsort(-scores[keep], kind="stable")[:MAX_CANDIDATES]]
    cx, cy, w, h = pred[0, keep], pred[1, keep], pred[2, keep], pred[3, keep]
    half_w, half_h = w / 2, h / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    return Candidates(
        boxes.astype(np.float32, copy=False),
        scores.astype(np.float32)[keep],
        classes[keep].astype(np.intp),
    )


def nms(
    boxes: F32Array, scores: F32Array, iou_threshold: float, *, over_smaller: bool = False
) -> IntArray:
    """Greedy NMS: indices of kept boxes, best first; a box is dropped when its IoU with a
    kept one is above the threshold (Ultralytics and torchvision use the same rule).

    `over_smaller` divides the overlap by the smaller box's area instead of the union: a
    box lying mostly inside a better one goes, however much smaller it is.
    """
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1).clip(0) * (y2 - y1).clip(0)
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    while order.size:
        best = int(order[0])
        kept.append(best)
        rest = order[1:]
        inter_w = (np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest])).clip(0)
        inter_h = (np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest])).clip(0)
        inter = inter_w * inter_h
        if over_smaller:
            iou = inter / (np.minimum(areas[best], areas[rest]) + 1e-9)
        else:
            iou = inter / (areas[best] + areas[rest] - inter + 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(kept, dtype=np.intp)


def suppress(
    cands: Candidates, iou_threshold: float, *, agnostic: bool, max_det: int
) -> Candidates:
    """NMS over candidates, class-aware (as Ultralytics' default) or across classes.

    Class-agnostic suspends the per-class offset: a head the model scores as both
    'With Helmet' and 'Without Helmet' then yields one box with its stronger label,
    not two contradicting ones.
    """
    if not len(cands):
        return cands
    shifted = cands.boxes
    if not agnostic:
        # Shifting each class by more than the span of all boxes keeps classes apart in one
        # NMS pass (Ultralytics' `max_wh` trick, sized to the boxes at hand: source pixels
        # of a large photo can exceed Ultralytics' fixed 7680).
        span = 2.0 * float(np.abs(cands.boxes).max()) + 1.0
        shifted = cands.boxes + (cands.classes.astype(np.float32) * span)[:, None]
    keep = nms(shifted, cands.scores, iou_threshold)[:max_det]
    return cands.take(keep)


# A box from one view at least this much inside a better box from another view is the same
# head cut by a tile edge (measured: zidane.jpg on 2x2 tiles gave a half head, IoU 0.36 with
# the whole one, so plain NMS at 0.45 kept both).
TILE_CONTAINED = 0.8


def merge_views(
    cands: Candidates, iou_threshold: float, *, agnostic: bool, max_det: int
) -> Candidates:
    """NMS for candidates from overlapping views (tiles plus the whole photo): the usual
    NMS, then any box mostly inside a better one is dropped, whatever its class."""
    kept = suppress(cands, iou_threshold, agnostic=agnostic, max_det=max_det)
    if len(kept) < 2:
        return kept
    return kept.take(nms(kept.boxes, kept.scores, TILE_CONTAINED, over_smaller=True))


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """IoU of two x1 y1 x2 y2 boxes (used by tests and the benchmark's parity check)."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
