"""The configured hazard model's measured quality, for the people who act on its flags.

Two sources: the evaluation summary beside the policy (`*.eval.json`, written by
`python -m inference.hazard.evaluate`: recall and precision on labelled photo sets) and
reviewers' decisions in the database (how often this model's flags were right on the
caller's sites, from feedback.precision).

The summary is trusted only for the model it describes: a summary of another file (a
drop-in model beside an old summary) or one written under other thresholds would show
numbers the running model never earned, so it is refused or marked stale instead.
The files are read in a worker thread and kept until their mtime or size changes, and
re-checked at most every few seconds, so a queue page costs no file IO on the loop.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Site
from api.domain.hazards import detection, feedback
from api.domain.hazards.model_files import ModelFiles, model_files
from api.lib.authz import get_visible_site
from api.lib.context import Actor
from api.lib.errors import NotFound
from inference.hazard.errors import PolicyError

# The evaluation tool's own tag: a summary of another format version is not guessed at.
from inference.hazard.evaluation import FORMAT as EVAL_FORMAT
from inference.hazard.model import model_label
from inference.hazard.policy import HazardPolicy, Tiling

log = logging.getLogger(__name__)

# How long a read of the files is reused before their mtimes are looked at again.
RECHECK_S = 5.0
# A summary is a few kB; anything far bigger is not one, and is not read into memory.
MAX_EVAL_BYTES = 4 * 1024 * 1024

# Why no evaluated numbers are shown (the `reason` field; the PWA words each).
NOT_EVALUATED = "not evaluated"
OTHER_MODEL = "evaluated another model"
MALFORMED = "unreadable evaluation"
UNKNOWN_FORMAT = "unknown evaluation format"
NO_POLICY = "unreadable policy"

Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Count = Annotated[int, msgspec.Meta(ge=0)]


# ---- the summary's shape, only the parts shown (unknown keys are allowed) ----------


class _Rates(msgspec.Struct):
    precision: Fraction | None
    recall: Fraction | None


class _Row(msgspec.Struct):
    threshold: Fraction
    head: _Rates
    photo: _Rates


class _Latency(msgspec.Struct):
    p50: Annotated[float, msgspec.Meta(ge=0.0)] | None = None


class _Tiling(msgspec.Struct):
    grid: tuple[Annotated[int, msgspec.Meta(ge=1)], Annotated[int, msgspec.Meta(ge=1)]]
    overlap: Fraction
    include_whole: bool


class _Run(msgspec.Struct):
    set: str
    photos: Count
    hazard_photos: Count
    tiling: _Tiling | None
    policy_row: _Row
    latency_ms: _Latency = field(default_factory=_Latency)


class _Model(msgspec.Struct):
    sha256: str


class _Policy(msgspec.Struct):
    thresholds: dict[str, Fraction]


class _Summary(msgspec.Struct):
    format: str
    model: _Model
    policy: _Policy
    runs: list[_Run]
    created_at: str | None = None


# ---- what the files say ------------------------------------------------------------


@dataclass(frozen=True)
class ModelQuality:
    """The model half of the report (everything but the live counts)."""

    label: str
    file: str
    shipped: bool
    classes: list[dict[str, Any]]
    evaluation: dict[str, Any]
    # The policy's [tiling]: what photos of a site without a grid of its own run with.
    tiling: Tiling = field(default_factory=Tiling)

    def body(self, site_tiling: Tiling | None = None) -> dict[str, Any]:
        """`site_tiling`: a site's own grid, which makes its matching runs `current`."""
        evaluation = self.evaluation
        if site_tiling is not None and evaluation["runs"]:
            runs = [
                {**run, "current": _same_tiling(run["tiling"], site_tiling)}
                for run in evaluation["runs"]
            ]
            evaluation = {**evaluation, "runs": runs}
        return {
            "model": self.label,
            "file": self.file,
            "shipped": self.shipped,
            "classes": self.classes,
            "evaluation": evaluation,
        }


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "stale": False, "reason": reason, "runs": []}


def _same_thresholds(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], abs_tol=1e-9) for k in a)


def _same_tiling(run: dict[str, Any] | None, used: Tiling) -> bool:
    """Whether a run's tiling (its JSON form, None: whole photo only) is `used`."""
    if run is None or not used.enabled:
        return run is None and not used.enabled
    return (
        run["grid"] == [used.columns, used.rows]
        and math.isclose(run["overlap"], used.overlap, abs_tol=1e-9)
        and run["include_whole"] == used.include_whole
    )


def _tiling_body(tiling: _Tiling) -> dict[str, Any]:
    return {
        "grid": list(tiling.grid),
        "overlap": tiling.overlap,
        "include_whole": tiling.include_whole,
    }


def _run_body(run: _Run, policy: HazardPolicy) -> dict[str, Any]:
    row = run.policy_row
    tiling = None if run.tiling is None else _tiling_body(run.tiling)
    return {
        "set": run.set,
        "photos": run.photos,
        "hazard_photos": run.hazard_photos,
        "tiling": tiling,
        # Evaluated the way this deployment runs the model (tiles or not).
        "current": _same_tiling(tiling, policy.tiling),
        "threshold": row.threshold,
        "head": {"precision": row.head.precision, "recall": row.head.recall},
        "photo": {"precision": row.photo.precision, "recall": row.photo.recall},
        "latency_ms_p50": run.latency_ms.p50,
    }


def read_evaluation(path: Path, policy: HazardPolicy) -> dict[str, Any]:
    """The `evaluation` object for `policy`'s model from the summary at `path`
    (blocking: reads the file). Never raises for a bad file: says why instead."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_EVAL_BYTES + 1)
    except FileNotFoundError:
        return _unavailable(NOT_EVALUATED)
    except OSError as exc:
        log.warning("hazard evaluation %s cannot be read: %s", path, exc)
        return _unavailable(MALFORMED)
    if len(raw) > MAX_EVAL_BYTES:
        log.warning("hazard evaluation %s is over %d bytes", path, MAX_EVAL_BYTES)
        return _unavailable(MALFORMED)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        log.warning("hazard evaluation %s is not JSON: %s", path, exc)
        return _unavailable(MALFORMED)
    if not isinstance(data, dict) or data.get("format") != EVAL_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        log.warning("hazard evaluation %s has format %r, expected %s", path, found, EVAL_FORMAT)
        return _unavailable(UNKNOWN_FORMAT)
    try:
        summary = msgspec.convert(data, _Summary)
    except msgspec.ValidationError as exc:
        log.warning("hazard evaluation %s is malformed: %s", path, exc)
        return _unavailable(MALFORMED)
    if summary.model.sha256.lower() != policy.model_sha256:
        log.warning(
            "hazard evaluation %s is of model %s, the policy runs %s",
            path,
            summary.model.sha256[:12],
            policy.model_sha256[:12],
        )
        return _unavailable(OTHER_MODEL)
    body: dict[str, Any] = {
        "available": True,
        # Measured under other thresholds than the policy now applies: the numbers
        # describe the model, not what it flags today.
        "stale": not _same_thresholds(summary.policy.thresholds, policy.hazard_thresholds),
        "runs": [_run_body(run, policy) for run in summary.runs],
    }
    if summary.created_at is not None:
        body["created_at"] = summary.created_at
    return body


def read_quality(files: ModelFiles) -> ModelQuality:
    """Blocking: reads the policy and the evaluation summary."""
    try:
        policy = HazardPolicy.load(files.policy)
    except PolicyError as exc:
        # The workers cannot run this model either; the report says so, it does not fail.
        log.warning("hazard policy unreadable for the quality report: %s", exc)
        return ModelQuality(
            files.model.name, files.model.name, files.shipped, [], _unavailable(NO_POLICY)
        )
    classes = [
        {"name": name, "role": rule.role.value, "threshold": rule.threshold}
        for name, rule in policy.classes.items()
    ]
    return ModelQuality(
        # The same label the detector gives its results (file name @ sha256 prefix): the
        # detector refuses a file whose digest is not the policy's pin.
        label=model_label(files.model, policy.model_sha256),
        file=files.model.name,
        shipped=files.shipped,
        classes=classes,
        evaluation=read_evaluation(files.evaluation, policy),
        tiling=policy.tiling,
    )


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@dataclass
class _Cache:
    key: tuple[Any, ...] | None = None
    value: ModelQuality | None = None
    checked: float = -math.inf
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, files: ModelFiles) -> ModelQuality:
        """Blocking: stats the files and re-reads them only when they changed."""
        key = (files, _signature(files.policy), _signature(files.evaluation))
        with self.lock:
            if self.key != key or self.value is None:
                self.value = read_quality(files)
                self.key = key
            self.checked = time.monotonic()
            return self.value

    def fresh(self, files: ModelFiles) -> ModelQuality | None:
        if self.value is None or self.key is None or self.key[0] != files:
            return None
        return self.value if time.monotonic() - self.checked < RECHECK_S else None


_cache = _Cache()


async def model_quality(settings: Settings) -> ModelQuality:
    files = model_files(settings)
    found = _cache.fresh(files)
    if found is not None:
        return found
    return await anyio.to_thread.run_sync(_cache.get, files)


# ---- with the reviewers' decisions -------------------------------------------------


async def live_counts(
    session: AsyncSession, actor: Actor, label: str, site_id: uuid.UUID | None
) -> dict[str, Any]:
    """Reviewers' decisions on this model's flags: on one site (404 when the caller
    cannot see it), or on every site they can see."""
    rows = await feedback.precision(session, actor, site_id, feedback.ReviewWindow())
    confirmed = dismissed = still_open = 0
    for site in rows:
        for model in site["models"]:
            if model["model"] == label:
                confirmed += model["confirmed"]
                dismissed += model["dismissed"]
                still_open += model["open"]
    return {"site_id": site_id, **feedback._counts(confirmed, dismissed, still_open)}


async def report(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    site_id: uuid.UUID | None,
    *,
    strict_site: bool = True,
) -> dict[str, Any]:
    """GET /api/hazards/model. With `strict_site` off (the queue, which lists nothing
    for a site the caller cannot see), such a site has zero counts instead of a 404."""
    quality = await model_quality(settings)
    if site_id is None:
        return {**quality.body(), "live": await live_counts(session, actor, quality.label, None)}
    try:
        site = await get_visible_site(session, actor, site_id)
    except NotFound:
        if strict_site:
            raise
        return {**quality.body(), "live": {"site_id": site_id, **feedback._counts(0, 0, 0)}}
    live = await live_counts(session, actor, quality.label, site_id)
    return {**quality.body(_own_tiling(site)), "live": live}


def _own_tiling(site: Site) -> Tiling | None:
    try:
        return detection.site_tiling(site.hazard_tiling)
    except PolicyError:
        # Validated when it was set; a hand-edited row is the job's to refuse, not ours.
        log.warning("site %s has an invalid hazard_tiling: %r", site.id, site.hazard_tiling)
        return None
