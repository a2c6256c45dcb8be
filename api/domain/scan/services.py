"""One scan, everything a worker needs: the code (or label URL) is resolved across the
equipment ledger and the material batches through each domain's public scan module.

A code of another company, or of a site the person may not see, answers exactly like a
code that does not exist (404 `unknown_code`), so scanning reveals nothing across
tenants.

Decoding photos: the upload goes through the image pipeline first (a killable child
process that bounds pixels and time, and orients the image), then zxing-cpp reads the
normalised JPEG in a worker thread, trying rotations and downscaled copies.
"""

from __future__ import annotations

import anyio.to_thread
import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.domain.equipment.scan import EquipmentScan, scan_equipment
from api.domain.labels.qr import code_from_scan, decode_qr_texts
from api.domain.materials.scan import BatchScan, scan_batch
from api.domain.materials.services import BatchReader
from api.domain.photos.services import decode_image
from api.lib.context import Actor
from api.lib.errors import NotFound
from storage.images import ImageLimits

# Enough pixels for a label a few metres away in a 12 MP photo; bounded work per photo.
DECODE_LIMITS = ImageLimits(max_side=3000, quality=92, thumb_side=16)


class UnknownCode(NotFound):
    code = "unknown_code"
    title = "No item with this code"


class Decoded(msgspec.Struct):
    # SiteCheck item codes found in the photo, ready for GET /api/scan/{code}.
    codes: list[str]
    # Every QR text found, ours or not (a supplier's own QR code, say).
    texts: list[str]


async def scan(
    engine: AsyncEngine, actor: Actor, raw: str, reader: BatchReader
) -> EquipmentScan | BatchScan:
    code = code_from_scan(raw)
    if code is None:
        raise UnknownCode("this is not a SiteCheck code")
    found: EquipmentScan | BatchScan | None = await scan_equipment(engine, actor, code, reader.base)
    if found is None:
        found = await scan_batch(engine, actor, code, reader)
    if found is None:
        raise UnknownCode(f"no item with code {code}")
    return found


async def decode(data: bytes, settings: Settings, actor: Actor) -> Decoded:
    image = await decode_image(settings, actor.id, data, DECODE_LIMITS)
    texts = await anyio.to_thread.run_sync(decode_qr_texts, image.full.data)
    codes: list[str] = []
    for text in texts:
        code = code_from_scan(text)
        if code is not None and code not in codes:
            codes.append(code)
    return Decoded(codes=codes, texts=texts)
