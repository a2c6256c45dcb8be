"""Photos for face tests and the attendance benchmark, made from the real shared faces.

Only composition happens here (pasting, rotating, tagging); every face is a real photo
from tests/data/faces.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

FACES = Path(__file__).resolve().parent.parent / "data" / "faces"
ORIENTATION_TAG = 0x0112


def face_bytes(name: str) -> bytes:
    return (FACES / f"{name}.jpg").read_bytes()


def _open(name: str) -> Image.Image:
    with Image.open(FACES / f"{name}.jpg") as img:
        return img.convert("RGB")


def jpeg(
    img: Image.Image, *, quality: int = 90, orientation: int | None = None, **kw: object
) -> bytes:
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION_TAG] = orientation
    img.save(buf, format="JPEG", quality=quality, exif=exif.tobytes(), **kw)
    return buf.getvalue()


def sideways_with_exif(name: str) -> bytes:
    """The photo as a phone held sideways stores it: pixels turned 90 degrees
    anticlockwise, with EXIF orientation 6 (turn clockwise to display)."""
    return jpeg(_open(name).transpose(Image.Transpose.ROTATE_90), orientation=6)


def sideways_without_exif(name: str) -> bytes:
    """The same pixels with the tag lost: the face lies on its side."""
    return jpeg(_open(name).transpose(Image.Transpose.ROTATE_90))


def group_photo(*names: str, height: int = 600) -> bytes:
    """Different people side by side in one frame."""
    people = []
    for name in names:
        img = _open(name)
        people.append(img.resize((round(img.width * height / img.height), height)))
    canvas = Image.new("RGB", (sum(p.width for p in people), height), (200, 200, 200))
    x = 0
    for person in people:
        canvas.paste(person, (x, 0))
        x += person.width
    return jpeg(canvas)


def texture(size: tuple[int, int] = (800, 600), seed: int = 7) -> bytes:
    """A concrete-like grey texture with no face in it."""
    rng = random.Random(seed)
    noise = bytes(rng.randrange(90, 170) for _ in range(size[0] * size[1] // 64))
    small = Image.frombytes("L", (size[0] // 8, size[1] // 8), noise)
    return jpeg(small.resize(size, Image.Resampling.BICUBIC).convert("RGB"))


def selfie(name: str, side: int = 640) -> bytes:
    """What the PWA uploads: the photo scaled to `side` px on its long side, baseline JPEG."""
    img = _open(name)
    scale = side / max(img.size)
    return jpeg(img.resize((round(img.width * scale), round(img.height * scale))), quality=85)


def phone_photo_12mp(name: str) -> bytes:
    """A 12 MP (4000x3000) phone photo as the camera stores it: the sensor's landscape
    pixels with the face turned sideways and EXIF orientation 6, face upscaled to about
    half the frame's height, quality 92 like a phone camera."""
    face = _open(name)
    upright = Image.new("RGB", (3000, 4000), (120, 130, 140))
    height = 2000
    scaled = face.resize(
        (round(face.width * height / face.height), height), Image.Resampling.BICUBIC
    )
    upright.paste(scaled, ((3000 - scaled.width) // 2, 1000))
    return jpeg(upright.transpose(Image.Transpose.ROTATE_90), quality=92, orientation=6)
