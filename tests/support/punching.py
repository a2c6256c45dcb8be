"""Punch uploads for tests: a valid meta for a site, a multipart body, and a small JPEG.

The default position is the middle of the factories' square geofence, the default
time now, so a punch with no overrides passes every check but the face.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from api.db.models import Site

FACES = Path(__file__).resolve().parent.parent / "data" / "faces"


def _tiny_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (180, 140, 90)).save(buf, format="JPEG")
    return buf.getvalue()


# Not a face: enough for workers without templates, whose selfie is never decoded.
TINY_JPEG = _tiny_jpeg()


def inside(site_lon: float = 116.30, site_lat: float = 39.90) -> tuple[float, float]:
    """(lat, lon) in the middle of `tests.support.factories.square` at that corner."""
    return site_lat + 0.001, site_lon + 0.001


def meta(site: Site | uuid.UUID, **overrides: Any) -> dict[str, Any]:
    lat, lon = inside()
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "site_id": str(site.id if isinstance(site, Site) else site),
        "kind": "in",
        "lat": lat,
        "lon": lon,
        "accuracy_m": 12.0,
        "captured_at": datetime.now(UTC).isoformat(),
        "device_id": "phone-1",
    }
    body.update(overrides)
    return body


def parts(body: dict[str, Any], selfie: bytes = TINY_JPEG) -> dict[str, Any]:
    """Multipart parts in the shape tests/authz/case.py's `files=` takes."""
    return {"selfie": ("selfie.jpg", selfie, "image/jpeg"), "meta": json.dumps(body)}


async def post_punch(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any],
    selfie: bytes = TINY_JPEG,
) -> httpx.Response:
    return await api.post(
        "/api/attendance/punches",
        files={"selfie": ("selfie.jpg", selfie, "image/jpeg")},
        data={"meta": json.dumps(body)},
        headers={**headers, "X-Device-Id": str(body.get("device_id", ""))},
    )
