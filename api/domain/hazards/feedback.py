"""Feedback for retraining: how often the model's flags were right per site, and the
reviewed photos as a YOLO dataset.

Both read only decided hazards (a reviewer's confirm or dismiss) on the sites the caller
may see, so a site's numbers and images never leak to another site's staff or company.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import anyio
import anyio.to_thread
from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Hazard, Photo, Site
from api.domain.hazards.dataset_export import ExportItem, YoloZipWriter, class_names
from api.domain.hazards.model_files import model_files
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.errors import Invalid
from inference.hazard import HazardError, HazardPolicy, onnx_metadata
from storage.s3 import ObjectStore, StorageUnavailable

log = logging.getLogger(__name__)

DEFAULT_EXPORT_LIMIT = 200
# A zip of 1000 stored photos is a few hundred MB: the most one request should build.
MAX_EXPORT_LIMIT = 1000
# Photos fetched from the store at once: hides its latency, bounds the memory held.
FETCH_BATCH = 8
# Two exports building at once per process at most; a third waits its turn.
_building = anyio.CapacityLimiter(2)
# Small exports stay in memory; a big one spills to a temporary file.
_SPOOL_BYTES = 32 * 1024 * 1024
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ReviewWindow:
    """`since` inclusive, `until` exclusive, both optional."""

    since: datetime | None = None
    until: datetime | None = None

    def clause(self, column: Any) -> ColumnElement[bool]:
        parts = []
        if self.since is not None:
            parts.append(column >= self.since)
        if self.until is not None:
            parts.append(column < self.until)
        return and_(true(), *parts)


def review_window(since: datetime | None, until: datetime | None) -> ReviewWindow:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset", code=f"{name}_invalid")
    if since is not None and until is not None and until <= since:
        raise Invalid("until must be after since", code="range_invalid")
    return ReviewWindow(since, until)


def _ratio(confirmed: int, dismissed: int) -> float | None:
    reviewed = confirmed + dismissed
    return round(confirmed / reviewed, 4) if reviewed else None


def _counts(confirmed: int, dismissed: int, still_open: int) -> dict[str, Any]:
    return {
        "confirmed": confirmed,
        "dismissed": dismissed,
        "open": still_open,
        "precision": _ratio(confirmed, dismissed),
    }


async def precision(
    session: AsyncSession, actor: Actor, site_id: Any, window: ReviewWindow
) -> list[dict[str, Any]]:
    """Per visible site, and per model within it: confirmed, dismissed, still open, and
    precision = confirmed / (confirmed + dismissed). Decisions count by review time;
    open hazards (not reviewed yet) by when the model flagged them."""
    if site_id is not None:
        await get_visible_site(session, actor, site_id)
    reviewed = window.clause(Hazard.reviewed_at)
    confirmed = func.count().filter(Hazard.status == "confirmed", reviewed)
    dismissed = func.count().filter(Hazard.status == "dismissed", reviewed)
    still_open = func.count().filter(Hazard.status == "open", window.clause(Hazard.created_at))
    query = (
        select(Hazard.site_id, Site.name, Hazard.model, confirmed, dismissed, still_open)
        .join(Site, Site.id == Hazard.site_id)
        .where(Hazard.company_id == actor.company_id, visible_sites(actor))
        .group_by(Hazard.site_id, Site.name, Hazard.model)
        .order_by(Site.name, Hazard.site_id, Hazard.model)
    )
    if site_id is not None:
        query = query.where(Hazard.site_id == site_id)
    sites: dict[Any, dict[str, Any]] = {}
    for sid, name, model, n_conf, n_dis, n_open in (await session.execute(query)).tuples():
        if not (n_conf or n_dis or n_open):
            continue  # every hazard of this model fell outside the window
        site = sites.setdefault(
            sid, {"site_id": sid, "site_name": name, "models": [], "c": 0, "d": 0, "o": 0}
        )
        site["models"].append({"model": model, **_counts(n_conf, n_dis, n_open)})
        site["c"] += n_conf
        site["d"] += n_dis
        site["o"] += n_open
    return [
        {
            "site_id": s["site_id"],
            "site_name": s["site_name"],
            **_counts(s["c"], s["d"], s["o"]),
            "models": s["models"],
        }
        for s in sites.values()
    ]


@dataclass
class ExportFile:
    file: IO[bytes]
    size: int
    filename: str
    photos: int
    matched: int

    async def chunks(self) -> AsyncIterator[bytes]:
        """The zip's bytes for a streamed response; closes the file when done or when
        the client goes away."""
        try:
            while chunk := await anyio.to_thread.run_sync(self.file.read, _CHUNK):
                yield chunk
        finally:
            self.file.close()


def _model_classes(settings: Settings) -> tuple[tuple[str, ...], HazardPolicy | None]:
    # The model the workers run (a drop-in one when configured): its class order is what
    # `class k` in a label must mean, and its policy says which classes are hazards. Read
    # from the file's metadata: no onnxruntime session in the API process for an export.
    files = model_files(settings)
    try:
        policy = HazardPolicy.load(files.policy)
        return onnx_metadata.class_names(files.model.read_bytes(), files.model), policy
    except (HazardError, OSError) as exc:
        log.warning("hazard model unavailable for the export's class names: %s", exc)
        return (), None


def _is_missing(exc: StorageUnavailable) -> bool:
    text = str(exc)
    return "NoSuchKey" in text or "404" in text or "Not Found" in text


async def _fetch(
    store: ObjectStore, items: Sequence[ExportItem], keys: Sequence[str]
) -> list[tuple[ExportItem, bytes | None]]:
    found: list[bytes | None] = [None] * len(items)
    # Kept, not raised inside the task group: that would arrive as an ExceptionGroup,
    # which the app's storage_unavailable handler does not recognise.
    failures: list[StorageUnavailable] = []

    async def one(i: int) -> None:
        try:
            found[i] = await store.get_bytes(keys[i])
        except StorageUnavailable as exc:
            if _is_missing(exc):
                log.warning("export: photo %s has no stored object", items[i].photo_id)
            else:
                failures.append(exc)

    async with anyio.create_task_group() as tg:
        for i in range(len(items)):
            tg.start_soon(one, i)
    if failures:
        raise failures[0]
    return list(zip(items, found, strict=True))


def _write_batch(writer: YoloZipWriter, batch: list[tuple[ExportItem, bytes | None]]) -> int:
    missing = 0
    for item, image in batch:
        if image is None:
            missing += 1
        else:
            writer.add(item, image)
    return missing


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_EXPORT_LIMIT:
        raise Invalid(
            f"limit must be between 1 and {MAX_EXPORT_LIMIT}",
            code="validation_error",
            extra={"errors": [{"key": "limit", "source": "query"}]},
        )
    return limit


async def export(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    site_id: Any,
    window: ReviewWindow,
    limit: int,
    settings: Settings,
) -> ExportFile:
    """The newest `limit` reviewed photos as a YOLO zip (see dataset_export.py for the layout)."""
    check_limit(limit)
    if site_id is not None:
        await get_visible_site(session, actor, site_id)
    query = (
        select(Hazard, Photo, Site.name)
        .join(Photo, Photo.id == Hazard.photo_id)
        .join(Site, Site.id == Hazard.site_id)
        .where(
            Hazard.company_id == actor.company_id,
            visible_sites(actor),
            Hazard.status.in_(("confirmed", "dismissed")),
            window.clause(Hazard.reviewed_at),
        )
    )
    if site_id is not None:
        query = query.where(Hazard.site_id == site_id)
    matched = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = (
        await session.execute(query.order_by(Hazard.reviewed_at.desc(), Hazard.id).limit(limit))
    ).tuples()
    items: list[ExportItem] = []
    keys: list[str] = []
    for hazard, photo, site_name in rows:
        items.append(
            ExportItem(
                photo_id=str(photo.id),
                hazard_id=str(hazard.id),
                site_id=str(hazard.site_id),
                site_name=site_name,
                decision=hazard.status,
                model=hazard.model,
                reviewed_at=hazard.reviewed_at,
                review_note=hazard.review_note,
                width=photo.width,
                height=photo.height,
                detections=photo.hazard_detections or [],
            )
        )
        keys.append(photo.key)

    model_names, policy = await anyio.to_thread.run_sync(_model_classes, settings)
    names = class_names(model_names, (str(d["label"]) for i in items for d in i.detections))
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        async with _building:
            writer = YoloZipWriter(out, names, policy)
            missing = 0
            try:
                for start in range(0, len(items), FETCH_BATCH):
                    batch = await _fetch(
                        store,
                        items[start : start + FETCH_BATCH],
                        keys[start : start + FETCH_BATCH],
                    )
                    missing += await anyio.to_thread.run_sync(_write_batch, writer, batch)
                await anyio.to_thread.run_sync(writer.finish, matched, missing)
            except BaseException:
                writer.abort()
                raise
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ExportFile(
        file=out,
        size=size,
        filename=f"hazard_feedback_{stamp}.zip",
        photos=len(items) - missing,
        matched=matched,
    )
