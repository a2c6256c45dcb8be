"""Running the hazard model on a stored photo and recording what it found.

Shared by the queue job (every new photo) and closing a rectification (the after photo
may be checked before the job gets to it): whichever runs first records the result, the
other finds the photo no longer `pending`.
"""

from __future__ import annotations

import io
import logging
import uuid
from typing import Any

import anyio
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Hazard, Photo, Rectification
from api.db.models.base import utcnow
from api.domain.hazards.model_files import configured_detector
from api.server.metrics import model_timer
from inference.hazard.detector import HazardDetector, HazardResult
from inference.hazard.model import available_cores
from inference.hazard.policy import Tiling
from storage.s3 import ObjectStore

log = logging.getLogger(__name__)

# A photo whose check failed this many times is marked `failed`, with the error kept.
MAX_ATTEMPTS = 3
# Inferences at once per process, by threads per inference: together they use the cores
# this process may run on, never more (a worker running more jobs at once queues here).
_limiters: dict[int, anyio.CapacityLimiter] = {}


def _limiter(threads: int) -> anyio.CapacityLimiter:
    if threads not in _limiters:
        _limiters[threads] = anyio.CapacityLimiter(max(1, available_cores() // threads))
    return _limiters[threads]


def _threads(settings: Settings) -> int:
    return settings.hazards.threads or available_cores()


def detector(settings: Settings) -> HazardDetector:
    """The configured model (shipped or drop-in), loaded once per process; blocking."""
    return configured_detector(settings, threads=_threads(settings))


def _detect_blocking(jpeg: bytes, settings: Settings, tiling: Tiling | None) -> HazardResult:
    # Our own stored JPEG: already decoded once in the sandboxed child, bounded to
    # 2048 px and free of metadata, so decoding it here is safe and quick.
    with Image.open(io.BytesIO(jpeg)) as img:
        rgb = img.convert("RGB")
    model = detector(settings)
    with model_timer("hazard"):
        return model.detect(rgb, tiling=tiling)


async def detect(
    store: ObjectStore, photo: Photo, settings: Settings, tiling: Tiling | None = None
) -> HazardResult:
    """`tiling`: the photo's site's own grid; None runs the policy's [tiling]."""
    jpeg = await store.get_bytes(photo.key)
    return await anyio.to_thread.run_sync(
        _detect_blocking, jpeg, settings, tiling, limiter=_limiter(_threads(settings))
    )


def site_tiling(stored: dict[str, Any] | None) -> Tiling | None:
    """A site's `hazard_tiling` column as the detector takes it (validated when set)."""
    if stored is None:
        return None
    return Tiling.from_mapping(stored, where="sites.hazard_tiling", enabled=True)


def detections_json(result: HazardResult) -> list[dict[str, Any]]:
    return [
        {
            "label": d.label,
            "score": round(d.score, 4),
            "box": [round(v, 1) for v in d.box],
            "hazard": d.hazard,
        }
        for d in result.detections
    ]


async def record_result(session: AsyncSession, photo: Photo, result: HazardResult) -> None:
    """Store the verdict on the photo; a flagged photo joins the review queue, unless it
    is the after photo of a rectification (that is judged by the close, not queued)."""
    status = "flagged" if result.flagged else "clear"
    await session.execute(
        update(Photo)
        .where(Photo.id == photo.id)
        .values(
            hazard_status=status,
            hazard_model=result.model,
            hazard_detections=detections_json(result),
            hazard_checked_at=utcnow(),
            hazard_error=None,
        )
    )
    is_after_photo = await session.scalar(
        select(Rectification.id).where(Rectification.after_photo_id == photo.id).limit(1)
    )
    if result.flagged and is_after_photo is None:
        top = max((d.score for d in result.detections if d.hazard), default=0.0)
        await session.execute(
            insert(Hazard)
            .values(
                id=uuid.uuid4(),
                company_id=photo.company_id,
                site_id=photo.site_id,
                photo_id=photo.id,
                status="open",
                model=result.model,
                top_score=top,
            )
            .on_conflict_do_nothing(index_elements=[Hazard.photo_id])
        )


async def record_failure(session: AsyncSession, photo_id: uuid.UUID, error: str) -> None:
    await session.execute(
        update(Photo)
        .where(Photo.id == photo_id)
        .values(hazard_status="failed", hazard_error=error[:2000], hazard_checked_at=utcnow())
    )
