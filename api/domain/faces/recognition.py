"""Face verification for any domain: is the person in this selfie the enrolled worker?

`verify_face` is the one call attendance (punches) makes; enrolment
(api/domain/faces/services.py) shares `encode_photo`. dlib runs in worker threads
behind a capacity limiter sized to the cores: the detector and Pillow release the GIL
and use the cores; the encoder holds it for ~75 ms, which is why the API runs one
process per core (inference/face.py has the measurements).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.faces.enrolments import enrolment_verified
from api.domain.faces.templates import load_templates
from api.server.metrics import model_timer
from inference.face import (
    FaceEncoding,
    FaceError,
    FaceImageInvalid,
    FaceNotFound,
    MultipleFaces,
    encode_face,
    face_distance,
    warm_up,
)

# Reasons, as punches report them (API.md: `no_face`, not the enrolment's
# `face_not_found`, because a punch is stored with its reasons rather than refused).
FACE_MISMATCH = "face_mismatch"
NO_FACE = "no_face"
MULTIPLE_FACES = "multiple_faces"
NOT_ENROLLED = "not_enrolled"
IMAGE_INVALID = "image_invalid"
# Not a comparison result: the templates compared were enrolled again after an erasure
# and nobody with the authority to has confirmed them yet (api/domain/faces/enrolments.py).
FACE_REENROLLED = "face_reenrolled"

_REASONS: dict[type[FaceError], str] = {
    FaceNotFound: NO_FACE,
    MultipleFaces: MULTIPLE_FACES,
    FaceImageInvalid: IMAGE_INVALID,
}


@dataclass(frozen=True)
class FaceCheck:
    ok: bool
    # Smallest distance to the worker's templates; None when nothing was compared.
    distance: float | None
    # None | "face_mismatch" | "no_face" | "multiple_faces" | "not_enrolled" |
    # "image_invalid"
    reason: str | None
    # Milliseconds: templates (load + decrypt), wait (for a free encoder slot),
    # decode, detect, encode; only the stages that ran.
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The templates compared are an unconfirmed re-enrolment: even a match proves only
    # that the selfie shows whoever enrolled them, so it must not accept the punch.
    unverified_enrolment: bool = False


# One limiter per event loop (a RunVar), created on first use inside that loop.
_limiter: RunVar[CapacityLimiter] = RunVar("sitecheck_face_limiter")


def face_limiter() -> CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        # One decode/detect/encode per core: more threads only queue inside dlib and
        # add memory (each concurrent detector is another ~10 MB pyramid).
        limiter = CapacityLimiter(max(1, os.cpu_count() or 1))
        _limiter.set(limiter)
        return limiter


async def warm_up_faces() -> None:
    """Load dlib's models and one detector per slot before traffic arrives (~1 s).

    Loading holds the GIL, so done lazily it would stall the first requests of every
    process; at start-up it only delays readiness."""
    await anyio.to_thread.run_sync(warm_up, int(face_limiter().total_tokens))


async def encode_photo(image: bytes) -> tuple[FaceEncoding, float]:
    """The photo's one face encoding, computed off the event loop, and the ms spent
    waiting for a free slot. Raises inference.face.FaceError subclasses."""
    queued = time.perf_counter()
    limiter = face_limiter()
    async with limiter:
        waited = (time.perf_counter() - queued) * 1000
        with model_timer("face"):
            encoding = await anyio.to_thread.run_sync(encode_face, image)
    return encoding, waited


async def verify_face(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, image: bytes
) -> FaceCheck:
    """Compare a selfie with the user's enrolled templates (the smallest distance wins).

    Never raises for the photo or the enrolment state: those are `reason`s, so the
    caller can store the punch with them. Raises 503 errors (face_key_missing,
    face_templates_unreadable) when the server cannot read templates: the PWA keeps a
    punch queued on a 5xx, so a misconfigured server loses nothing.
    """
    t0 = time.perf_counter()
    templates = await load_templates(session, settings.faces.key, user_id)
    unverified = bool(templates) and not await enrolment_verified(session, user_id)
    timings = {"templates": (time.perf_counter() - t0) * 1000}
    if not templates:
        return FaceCheck(ok=False, distance=None, reason=NOT_ENROLLED, timings_ms=timings)
    try:
        encoding, waited = await encode_photo(image)
    except FaceError as exc:
        reason = next((r for cls, r in _REASONS.items() if isinstance(exc, cls)), IMAGE_INVALID)
        return FaceCheck(
            ok=False,
            distance=None,
            reason=reason,
            timings_ms=timings,
            unverified_enrolment=unverified,
        )
    timings["wait"] = waited
    timings.update(encoding.timings_ms)
    distance = face_distance(encoding.vector, templates)
    ok = distance <= settings.faces.match_threshold
    return FaceCheck(
        ok=ok,
        distance=round(distance, 4),
        reason=None if ok else FACE_MISMATCH,
        timings_ms=timings,
        unverified_enrolment=unverified,
    )
