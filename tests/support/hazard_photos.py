"""Photos for the hazard model's tests: bus.jpg (two bare heads) as uploaded, or pasted
small into a plain photo as if taken from far away, and the upload through the API."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import httpx
from PIL import Image

from api.config import REPO_ROOT
from api.db.models import Role
from tests.support.factories import World

BUS = REPO_ROOT / "tests" / "data" / "hazard" / "bus.jpg"
# Within the stored photo bound (2048 px), so upload keeps every pixel.
FAR_CANVAS = (2048, 1536)
# At half size the shipped model finds no head on the whole photo, and both bare heads
# on a 3x3 grid with a margin (measured: scores 0.67/0.66 against a 0.5 threshold;
# at 1/4 scale the 3x3 grid's best is 0.50, too close to call).
FAR_SCALE = 0.5


def far_bus(scale: float = FAR_SCALE) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """bus.jpg shrunk by `scale` in the middle of a plain gray photo (decoded from a
    JPEG, as stored), and where it lies (x0, y0, x1, y1)."""
    with Image.open(BUS) as im:
        bus = im.convert("RGB")
    small = bus.resize(
        (round(bus.width * scale), round(bus.height * scale)), Image.Resampling.LANCZOS
    )
    canvas = Image.new("RGB", FAR_CANVAS, (128, 128, 128))
    x0, y0 = (FAR_CANVAS[0] - small.width) // 2, (FAR_CANVAS[1] - small.height) // 2
    canvas.paste(small, (x0, y0))
    jpeg = jpeg_bytes(canvas)
    with Image.open(io.BytesIO(jpeg)) as im:
        return im.convert("RGB"), (x0, y0, x0 + small.width, y0 + small.height)


def jpeg_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


async def upload(
    api: httpx.AsyncClient, world: World, data: bytes, site_id: uuid.UUID | str
) -> str:
    """Upload a photo to a site of company A (as its admin, who may use every site);
    returns the photo id. Its hazard check is queued, not yet run."""
    meta = {"id": str(uuid.uuid4()), "site_id": str(site_id)}
    response = await api.post(
        "/api/photos",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=world.headers(world.a.users[Role.ADMIN]),
        timeout=60,
    )
    assert response.status_code == 201, response.text
    assert response.json()["hazard"]["status"] == "pending"
    return str(response.json()["id"])


async def hazard_of(api: httpx.AsyncClient, world: World, photo_id: str) -> dict[str, Any]:
    """The photo's `hazard` object (read by company A's admin, who sees every site)."""
    response = await api.get(
        f"/api/photos/{photo_id}", headers=world.headers(world.a.users[Role.ADMIN])
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["hazard"]
    return body
