"""A batch's certificate: a PDF, or a photo of the paper, kept private in S3.

The type is read from the bytes, never from the name or the declared type: a PDF starts
with `%PDF-` (and a complete one ends with `%%EOF`); anything else must be a photo the
image pipeline accepts, which also strips its metadata (a phone photo's GPS position)
and bounds its size, at a resolution that keeps the small print legible. Other files
are 415 `file_invalid`. Objects are keyed by their content hash, so uploading the same
file again stores nothing new; a replaced certificate stays in the store, referenced
from the audit trail.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models.base import utcnow
from api.domain.materials.schemas import BatchOut
from api.domain.materials.services import CERTIFIERS, BatchReader, locked_batch
from api.domain.photos.services import decode_image
from api.lib import audit
from api.lib.context import Actor
from api.lib.dates import in_range
from api.lib.errors import AppError, Forbidden, Invalid
from storage.images import ImageInvalid, ImageLimits, ImageTimeout, sniff_format
from storage.s3 import ObjectStore

# Scanned multi-page mill certificates run to a few MB; 20 MB holds any real one.
MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024
# Photos of paper certificates: enough pixels for 8-point print, no more.
CERTIFICATE_IMAGE_LIMITS = ImageLimits(max_side=3200, quality=80, thumb_side=64)
_PDF_MAGIC = b"%PDF-"


class FileTypeRefused(AppError):
    status_code = 415
    code = "file_invalid"
    title = "Not a PDF or a photo"


def parse_expires_on(raw: str | None) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid("expires_on must be a date (YYYY-MM-DD)", code="expires_on_invalid") from None
    return in_range(day, "expires_on")


async def _normalise(data: bytes, settings: Settings, actor: Actor) -> tuple[bytes, str, str]:
    """(stored bytes, content type, file extension) for an upload."""
    if data.startswith(_PDF_MAGIC):
        # The trailer is within the last KB; without it the upload was cut off.
        if b"%%EOF" not in data[-2048:]:
            raise Invalid("the PDF is incomplete (no %%EOF trailer)", code="file_invalid")
        return data, "application/pdf", "pdf"
    if sniff_format(data[:64]) is None:
        raise FileTypeRefused("the certificate must be a PDF or a photo (JPEG, PNG, WebP, HEIC)")
    try:
        image = await decode_image(settings, actor.id, data, CERTIFICATE_IMAGE_LIMITS)
    except (ImageInvalid, ImageTimeout) as exc:
        raise Invalid(f"the photo cannot be read: {exc}", code="file_invalid") from exc
    return image.full.data, image.full.content_type, "jpg"


async def put_certificate(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    reader: BatchReader,
    batch_id: uuid.UUID,
    data: bytes,
    expires_on: date | None,
) -> BatchOut:
    if actor.role not in CERTIFIERS:
        raise Forbidden()
    batch = await locked_batch(session, actor, batch_id)
    body, content_type, ext = await _normalise(data, settings, actor)
    digest = hashlib.sha256(body).hexdigest()
    key = f"certificates/{actor.company_id}/{batch.id}/{digest}.{ext}"
    await store.put_bytes(key, body, content_type)
    before = audit.snapshot(batch)
    batch.certificate_key = key
    batch.certificate_content_type = content_type
    batch.certificate_bytes = len(body)
    batch.certificate_sha256 = digest
    batch.certificate_uploaded_at = utcnow()
    if expires_on is not None:
        batch.certificate_expires_on = expires_on
    await session.flush()
    await audit.record(
        session,
        actor,
        action="certificate",
        entity="material_batch",
        entity_id=batch.id,
        before=before,
        after=audit.snapshot(batch),
    )
    return await reader.one(session, actor, batch.id)
