"""The hazard policy: what a model's classes mean on a site, in a TOML file beside the model.

The model only says "this box is class k with score s". Whether class k is a hazard, and
from which score on, is a site-safety decision that changes without retraining, and a
customer's own PPE model comes with its own class names. So it lives in a file, read with
the standard library's `tomllib`, and validated strictly: an unknown key or a class the
model does not have is an error at load time, never a silently ignored typo.

Format (every key but `model_sha256` and `[classes]` has the default shown)::

    model_sha256 = "e746fc74..."   # the model file this policy was written for; checked
    conf = 0.25                    # candidates below this score are dropped before NMS
    iou = 0.45                     # NMS overlap threshold
    agnostic_nms = true            # one box per object, whichever class scores higher
    max_detections = 300

    [classes."Without Helmet"]
    role = "hazard"                # flags the photo when score >= threshold
    threshold = 0.5
    [classes."With Helmet"]
    role = "compliance"            # reported, never flags ("info" is the same, for
                                   # classes that are neither)

    [tiling]                       # off by default: see `Tiling`
    enabled = false
    grid = [2, 2]                  # columns, rows
    overlap = 0.2                  # fraction of a tile shared with its neighbour
    include_whole = true           # also run on the whole photo

Classes of the model that the policy does not list are reported as "info".
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from inference.hazard.errors import PolicyError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Role(StrEnum):
    HAZARD = "hazard"
    COMPLIANCE = "compliance"
    INFO = "info"


@dataclass(frozen=True)
class ClassRule:
    role: Role
    # Only hazard classes have one: the score from which a detection flags the photo.
    threshold: float | None = None


@dataclass(frozen=True)
class Tiling:
    """Extra passes over overlapping crops, for small, distant heads.

    A 480 px model sees a 38 px head in a 1600 px photo as 11 px, below what it learned.
    Crops enlarge it; boxes from every pass are mapped back to the photo and merged by one
    NMS. Costs one model run per tile. Measured on the 640 reference model (shared models
    README): recall up, precision down, so it is off by default.
    """

    enabled: bool = False
    columns: int = 2
    rows: int = 2
    overlap: float = 0.2
    include_whole: bool = True

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], *, where: str = "[tiling]", enabled: bool = False
    ) -> Tiling:
        """A `[tiling]` table, validated; the one reader for the policy file and for a
        site's own grid (the API), so both accept exactly the same keys and values.

        `enabled` is the default when the table does not say: off in a policy file (the
        table documents an option), on for a site (giving a grid means "use it").
        """
        table = _Table(raw, where)
        on = table.take("enabled", bool, default=enabled)
        grid = table.take("grid", list, default=[2, 2])
        if len(grid) != 2 or not all(type(n) is int and 1 <= n <= 8 for n in grid):
            raise PolicyError(f"{where}: grid must be [columns, rows], each 1..8")
        overlap = table.fraction("overlap", 0.2)
        if overlap >= 0.9:
            raise PolicyError(f"{where}: overlap must be below 0.9")
        include_whole = table.take("include_whole", bool, default=True)
        table.refuse_rest()
        if on and grid == [1, 1] and include_whole:
            raise PolicyError(f"{where}: a 1x1 grid plus the whole photo runs it twice")
        return cls(on, grid[0], grid[1], overlap, include_whole)

    def as_mapping(self) -> dict[str, Any]:
        """The canonical JSON form `from_mapping(..., enabled=True)` reads back."""
        if not self.enabled:
            return {"enabled": False}
        return {
            "grid": [self.columns, self.rows],
            "overlap": self.overlap,
            "include_whole": self.include_whole,
        }


@dataclass(frozen=True)
class HazardPolicy:
    model_sha256: str
    classes: Mapping[str, ClassRule]
    conf: float = 0.25
    iou: float = 0.45
    agnostic_nms: bool = True
    max_detections: int = 300
    tiling: Tiling = field(default_factory=Tiling)
    source: str = "<memory>"

    def rule(self, label: str) -> ClassRule:
        return self.classes.get(label, _INFO)

    @property
    def hazard_thresholds(self) -> dict[str, float]:
        """Each hazard class's threshold (only hazard classes have one)."""
        return {
            name: rule.threshold
            for name, rule in self.classes.items()
            if rule.role is Role.HAZARD and rule.threshold is not None
        }

    def is_hazard(self, label: str, score: float) -> bool:
        rule = self.rule(label)
        return rule.role is Role.HAZARD and rule.threshold is not None and score >= rule.threshold

    def check_model(self, names: tuple[str, ...]) -> None:
        """Refuse a policy written for another model's classes."""
        unknown = sorted(set(self.classes) - set(names))
        if unknown:
            raise PolicyError(
                f"{self.source}: classes {unknown} are not in the model (it has {list(names)})"
            )

    @classmethod
    def load(cls, path: str | Path) -> HazardPolicy:
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise PolicyError(f"cannot read hazard policy {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path} is not valid TOML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<memory>") -> HazardPolicy:
        top = _Table(data, source)
        sha = top.take("model_sha256", str, required=True).lower()
        if not _SHA256.fullmatch(sha):
            raise PolicyError(f"{source}: model_sha256 must be 64 hex digits")
        conf = top.fraction("conf", 0.25)
        iou = top.fraction("iou", 0.45)
        agnostic = top.take("agnostic_nms", bool, default=True)
        max_det = top.take("max_detections", int, default=300)
        if not 1 <= max_det <= 10_000:
            raise PolicyError(f"{source}: max_detections must be between 1 and 10000")
        classes = _parse_classes(top.take("classes", dict, required=True), source)
        tiling = _parse_tiling(top.take("tiling", dict, default={}), source)
        top.refuse_rest()
        for label, rule in classes.items():
            if rule.threshold is not None and rule.threshold < conf:
                raise PolicyError(
                    f"{source}: threshold of {label!r} ({rule.threshold}) is below conf ({conf}),"
                    " so detections between the two could never be seen"
                )
        return cls(
            model_sha256=sha,
            classes=classes,
            conf=conf,
            iou=iou,
            agnostic_nms=agnostic,
            max_detections=max_det,
            tiling=tiling,
            source=source,
        )


_INFO = ClassRule(Role.INFO)


def _parse_classes(raw: Mapping[str, Any], source: str) -> dict[str, ClassRule]:
    classes: dict[str, ClassRule] = {}
    for label, body in raw.items():
        where = f"{source} [classes.{label!r}]"
        if not isinstance(body, Mapping):
            raise PolicyError(f"{where} must be a table")
        table = _Table(body, where)
        role_name = table.take("role", str, required=True)
        try:
            role = Role(role_name)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise PolicyError(f"{where}: role must be one of {allowed}") from None
        threshold: float | None = None
        if role is Role.HAZARD:
            threshold = table.fraction("threshold", None, required=True)
        elif "threshold" in body:
            raise PolicyError(f"{where}: threshold only applies to hazard classes")
        table.refuse_rest()
        classes[label] = ClassRule(role, threshold)
    if not any(r.role is Role.HAZARD for r in classes.values()):
        raise PolicyError(f"{source}: no class has role = 'hazard', so nothing could be flagged")
    return classes


def _parse_tiling(raw: Mapping[str, Any], source: str) -> Tiling:
    return Tiling.from_mapping(raw, where=f"{source} [tiling]")


class _Table:
    """Typed reads from one TOML table that remember which keys were used."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self._data = data
        self._where = where
        self._seen: set[str] = set()

    def take(
        self,
        key: str,
        kind: type[Any] | tuple[type[Any], ...],
        *,
        default: Any = None,
        required: bool = False,
    ) -> Any:
        self._seen.add(key)
        if key not in self._data:
            if required:
                raise PolicyError(f"{self._where}: {key} is required")
            return default
        value = self._data[key]
        # bool is an int in Python; a policy saying `max_detections = true` is a mistake.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            name = kind.__name__ if isinstance(kind, type) else "number"
            raise PolicyError(f"{self._where}: {key} must be a {name}")
        return value

    def fraction(self, key: str, default: float | None, *, required: bool = False) -> float:
        value = self.take(key, (int, float), default=default, required=required)
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise PolicyError(f"{self._where}: {key} must be between 0 and 1")
        return float(value)

    def refuse_rest(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise PolicyError(f"{self._where}: unknown keys {unknown}")
