"""A labelled photo set in YOLO format, read for evaluating a hazard model.

Layout (what Roboflow, Ultralytics and SiteCheck's own review export write)::

    <set>/data.yaml        names: [...]  (a list, or a mapping id -> name)
    <set>/images/*.jpg
    <set>/labels/*.txt     one object per line: class cx cy w h (0..1 of the photo), or
                           class x1 y1 x2 y2 ... (a polygon; its bounding box is used)

A photo without a label file holds no objects (YOLO's own convention).

The label classes are the set's, not the model's: a class map says which of them is a
head that is a hazard, a head that is compliant, or something to ignore (a "person" box).
Every class of the set must be mapped, so a typo cannot silently drop half the heads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml
from PIL import Image

from inference.hazard.errors import HazardError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})


class LabelledSetError(HazardError):
    """The set cannot be read as described (missing folder, bad line, unmapped class)."""


class LabelRole(StrEnum):
    HAZARD = "hazard"
    COMPLIANCE = "compliance"
    IGNORE = "ignore"


@dataclass(frozen=True)
class ClassMap:
    """Label class name (or id, as text) -> role."""

    roles: Mapping[str, LabelRole]

    @classmethod
    def parse(cls, spec: str) -> ClassMap:
        """`"hard_hat=compliance,no_hard_hat=hazard,person=ignore"`."""
        roles: dict[str, LabelRole] = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            name, sep, role = part.rpartition("=")
            if not sep or not name.strip():
                raise LabelledSetError(f"class map entry {part!r} must be name=role")
            try:
                roles[name.strip()] = LabelRole(role.strip())
            except ValueError:
                allowed = ", ".join(r.value for r in LabelRole)
                raise LabelledSetError(
                    f"class map: role of {name!r} must be one of {allowed}"
                ) from None
        if LabelRole.HAZARD not in roles.values():
            raise LabelledSetError("class map: no class is a hazard, so recall means nothing")
        return cls(roles)

    def resolve(self, names: tuple[str, ...]) -> tuple[LabelRole, ...]:
        """The role of each class id of a set with these names."""
        known = {str(i) for i in range(len(names))} | set(names)
        unknown = sorted(set(self.roles) - known)
        if unknown:
            raise LabelledSetError(f"class map names {unknown}, the set has {list(names)}")
        resolved = []
        for i, name in enumerate(names):
            role = self.roles.get(name, self.roles.get(str(i)))
            if role is None:
                raise LabelledSetError(
                    f"class {i} {name!r} of the set is not in the class map: say whether it is"
                    " a hazard, compliance or ignore"
                )
            resolved.append(role)
        return tuple(resolved)

    def as_json(self) -> dict[str, str]:
        return {name: role.value for name, role in self.roles.items()}


@dataclass(frozen=True)
class LabelledPhoto:
    image: Path
    width: int
    height: int
    heads: npt.NDArray[np.float32]  # [n, 4] x1 y1 x2 y2 in pixels; hazard and compliance
    hazard: npt.NDArray[np.bool_]  # [n] whether each head is a hazard

    @property
    def is_hazard(self) -> bool:
        return bool(self.hazard.any())


@dataclass(frozen=True)
class LabelledSet:
    name: str
    root: Path
    names: tuple[str, ...]
    class_map: ClassMap
    photos: tuple[LabelledPhoto, ...]

    @property
    def heads(self) -> int:
        return sum(len(p.hazard) for p in self.photos)

    @property
    def hazard_heads(self) -> int:
        return sum(int(p.hazard.sum()) for p in self.photos)

    @property
    def hazard_photos(self) -> int:
        return sum(p.is_hazard for p in self.photos)

    @classmethod
    def load(
        cls, root: str | Path, class_map: ClassMap, *, limit: int | None = None
    ) -> LabelledSet:
        root = Path(root)
        names = read_names(root / "data.yaml")
        roles = class_map.resolve(names)
        images_dir, labels_dir = root / "images", root / "labels"
        if not images_dir.is_dir():
            raise LabelledSetError(f"{images_dir} is not a folder")
        images = sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise LabelledSetError(f"{images_dir} holds no photos")
        photos = tuple(
            _read_photo(image, labels_dir / f"{image.stem}.txt", roles) for image in images[:limit]
        )
        return cls(root.name, root, names, class_map, photos)


def read_names(data_yaml: Path) -> tuple[str, ...]:
    try:
        data = yaml.safe_load(data_yaml.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelledSetError(f"cannot read {data_yaml}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise LabelledSetError(f"{data_yaml} is not valid YAML: {exc}") from exc
    raw = data.get("names") if isinstance(data, dict) else None
    if isinstance(raw, list) and raw:
        return tuple(str(n) for n in raw)
    if isinstance(raw, dict) and raw:
        ids = sorted(int(k) for k in raw)
        if ids != list(range(len(ids))):
            raise LabelledSetError(f"{data_yaml}: names ids must be 0..{len(ids) - 1}")
        return tuple(str(raw[k] if k in raw else raw[str(k)]) for k in ids)
    raise LabelledSetError(f"{data_yaml} has no `names` list")


def _read_photo(image: Path, labels: Path, roles: tuple[LabelRole, ...]) -> LabelledPhoto:
    try:
        with Image.open(image) as img:  # reads the header only
            width, height = img.size
    except OSError as exc:
        raise LabelledSetError(f"{image} is not a readable image: {exc}") from exc
    boxes: list[tuple[float, float, float, float]] = []
    hazard: list[bool] = []
    text = labels.read_text(encoding="utf-8") if labels.exists() else ""
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        where = f"{labels}:{number}"
        cls_id, coords = _parse_line(fields, where)
        if cls_id >= len(roles):
            raise LabelledSetError(f"{where}: class {cls_id} is not in data.yaml's names")
        if roles[cls_id] is LabelRole.IGNORE:
            continue
        if len(coords) == 4:
            cx, cy, w, h = coords
            x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        else:
            xs, ys = coords[0::2], coords[1::2]
            x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
        boxes.append((x1 * width, y1 * height, x2 * width, y2 * height))
        hazard.append(roles[cls_id] is LabelRole.HAZARD)
    return LabelledPhoto(
        image=image,
        width=width,
        height=height,
        heads=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        hazard=np.array(hazard, dtype=bool),
    )


def _parse_line(fields: list[str], where: str) -> tuple[int, list[float]]:
    try:
        cls_id = int(fields[0])
        coords = [float(v) for v in fields[1:]]
    except ValueError:
        raise LabelledSetError(f"{where}: expected `class cx cy w h` numbers") from None
    polygon = len(coords) >= 6 and len(coords) % 2 == 0
    if cls_id < 0 or not (len(coords) == 4 or polygon):
        raise LabelledSetError(f"{where}: expected `class cx cy w h` or a polygon")
    if not all(math.isfinite(v) for v in coords):
        raise LabelledSetError(f"{where}: coordinates must be finite")
    return cls_id, coords
