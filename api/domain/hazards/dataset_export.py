"""Reviewed photos as a YOLO detect dataset: the blocking, pure part of the export.

Layout (what Ultralytics' trainer reads: a label file sits at the image's path with
`images` swapped for `labels`)::

    data.yaml                 class names in the model's order, nc, train/val
    README.txt                what this is and how the labels were decided
    manifest.csv              one row per image: the hazard decision it carries
    images/<photo_id>.jpg     the stored photo, byte for byte
    labels/<photo_id>.txt     `class cx cy w h`, normalised to the stored image size

A confirmed hazard means the model was right: every box it drew becomes a label. A
dismissed one means its hazard boxes were false positives, so those are dropped and the
image teaches "no hazard here"; compliance boxes (a worn helmet) stay, the reviewer did
not dispute them.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from api.lib.spreadsheets import write_csv
from inference.hazard.policy import HazardPolicy, Role

MANIFEST_HEADER = (
    "photo_id",
    "image",
    "labels",
    "decision",
    "hazard_id",
    "site_id",
    "site_name",
    "model",
    "reviewed_at",
    "review_note",
    "boxes",
    "hazard_boxes_dropped",
)


@dataclass(frozen=True)
class ExportItem:
    """One reviewed photo, everything the writer needs but its bytes."""

    photo_id: str
    hazard_id: str
    site_id: str
    site_name: str
    decision: str  # confirmed | dismissed
    model: str
    reviewed_at: datetime | None
    review_note: str | None
    width: int
    height: int
    detections: Sequence[Mapping[str, Any]]
    extension: str = "jpg"


def class_names(model_names: Sequence[str], seen: Iterable[str]) -> list[str]:
    """The model's classes in its own index order, so `class k` means what it meant to
    the model; labels from another model that this one lacks go after them, sorted."""
    names = list(model_names)
    known = set(names)
    names += sorted({label for label in seen if label not in known})
    return names


def is_hazard_box(detection: Mapping[str, Any], policy: HazardPolicy | None) -> bool:
    # By class role, not score: a below-threshold 'Without Helmet' box on a dismissed
    # photo is the same mistake, only less sure. A label the policy does not know (an
    # older model's) falls back to what was recorded when it flagged.
    if policy is not None and policy.rule(str(detection["label"])).role is Role.HAZARD:
        return True
    return bool(detection.get("hazard"))


def label_lines(
    item: ExportItem, index: Mapping[str, int], policy: HazardPolicy | None
) -> tuple[list[str], int]:
    """YOLO lines for one photo and how many hazard boxes a dismissal dropped."""
    lines: list[str] = []
    dropped = 0
    w, h = float(item.width), float(item.height)
    for det in item.detections:
        if item.decision == "dismissed" and is_hazard_box(det, policy):
            dropped += 1
            continue
        x1, y1, x2, y2 = (float(v) for v in det["box"])
        x1, x2 = min(max(x1, 0.0), w), min(max(x2, 0.0), w)
        y1, y2 = min(max(y1, 0.0), h), min(max(y2, 0.0), h)
        if x2 <= x1 or y2 <= y1:
            continue  # nothing left inside the image
        cx, cy = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h
        lines.append(
            f"{index[str(det['label'])]} {cx:.6f} {cy:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}"
        )
    return lines, dropped


def data_yaml(names: Sequence[str]) -> str:
    # JSON strings are valid YAML scalars and quote names with spaces or colons safely.
    listed = "".join(f"\n  {i}: {json.dumps(name)}" for i, name in enumerate(names))
    return (
        "# Reviewed SiteCheck hazard photos. train and val are the same folder: split\n"
        "# before a serious run (see README.txt).\n"
        "path: .\n"
        "train: images\n"
        "val: images\n"
        f"nc: {len(names)}\n"
        f"names:{listed or ' {}'}\n"
    )


def readme(names: Sequence[str], count: int, matched: int, missing: int) -> str:
    lines = [
        "SiteCheck hazard review export (YOLO detect format)",
        "",
        f"Images: {count} reviewed photos ({matched} matched the filters"
        + (f"; {missing} stored photos could not be found" if missing else "")
        + ").",
        f"Classes ({len(names)}, in the model's index order): " + ", ".join(names),
        "",
        "Labels come from the model's own boxes and the safety officer's decision:",
        "- confirmed: the flag was right; every box the model drew is a label.",
        "- dismissed: the flag was a false positive; its hazard-class boxes are left out,",
        "  compliance boxes are kept, so the image teaches 'no hazard here'.",
        "Boxes the model missed are not in the labels: check them before training.",
        "",
        "manifest.csv says which decision, site, model and reviewer note each image carries.",
        "data.yaml points train and val at the same images; split them (for example by",
        "site or by date) before measuring a retrained model.",
        "",
    ]
    return "\n".join(lines)


class YoloZipWriter:
    """Writes the dataset into a file object, one photo at a time (blocking: run it in a
    worker thread). JPEGs are stored as they are; text is deflated."""

    def __init__(self, out: IO[bytes], names: Sequence[str], policy: HazardPolicy | None) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.names = list(names)
        self._index = {name: i for i, name in enumerate(self.names)}
        self._policy = policy
        self._rows: list[list[Any]] = []

    def add(self, item: ExportItem, image: bytes) -> None:
        image_path = f"images/{item.photo_id}.{item.extension}"
        label_path = f"labels/{item.photo_id}.txt"
        lines, dropped = label_lines(item, self._index, self._policy)
        self._zip.writestr(image_path, image, compress_type=zipfile.ZIP_STORED)
        self._zip.writestr(label_path, "".join(f"{line}\n" for line in lines))
        self._rows.append(
            [
                item.photo_id,
                image_path,
                label_path,
                item.decision,
                item.hazard_id,
                item.site_id,
                item.site_name,
                item.model,
                item.reviewed_at,
                item.review_note,
                len(lines),
                dropped,
            ]
        )

    def finish(self, matched: int, missing: int) -> None:
        self._zip.writestr("data.yaml", data_yaml(self.names))
        self._zip.writestr("README.txt", readme(self.names, len(self._rows), matched, missing))
        if self._rows:
            self._zip.writestr("manifest.csv", write_csv(MANIFEST_HEADER, self._rows))
        self._zip.close()

    def abort(self) -> None:
        self._zip.close()
