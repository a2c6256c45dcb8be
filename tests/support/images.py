"""Test images built from code: a photo-like 12 MP scene, EXIF blocks, hostile PNGs.

Shared by the image pipeline's unit tests, the photo upload tests and
benchmarks/photos.py; nothing is fetched.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from storage.images import ProcessedImage

RED = (255, 0, 0)
# The orientation marker: a solid block in the stored (unrotated) top-left corner.
MARKER = 0.1


def _noise(rng: random.Random, size: tuple[int, int], mode: str) -> Image.Image:
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def _octaves(
    rng: random.Random, size: tuple[int, int], mode: str, layers: tuple[tuple[int, float], ...]
) -> Image.Image:
    out = Image.new(mode, size, (128,) * len(mode))
    for div, weight in layers:
        coarse = _noise(rng, (max(2, size[0] // div), max(2, size[1] // div)), mode)
        out = Image.blend(out, coarse.resize(size, Image.Resampling.BICUBIC), weight)
    return out


def photo(width: int = 4000, height: int = 3000, seed: int = 7) -> Image.Image:
    """A photo-like RGB image with a red marker in its top-left corner."""
    rng = random.Random(seed)
    size = (width, height)
    # Real scenes vary mostly in brightness at fine scales and in colour at coarse ones.
    lum = _octaves(rng, size, "L", ((150, 0.6), (40, 0.4), (10, 0.3), (3, 0.2)))
    chroma = _octaves(rng, size, "RGB", ((300, 0.5), (60, 0.3)))
    texture = Image.blend(Image.merge("RGB", [lum, lum, lum]), chroma, 0.35)
    ground = Image.blend(Image.new("RGB", size, (125, 110, 90)), texture, 0.7)
    ramp = Image.linear_gradient("L").resize(size)
    img = Image.merge(
        "RGB",
        [
            ramp.point(lambda v: 110 + v // 3),
            ramp.point(lambda v: 150 + v // 4),
            ramp.point(lambda v: 220 + v // 10),
        ],
    )
    horizon = height * 35 // 100
    img.paste(ground.crop((0, horizon, width, height)), (0, horizon))
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = width // 4, height // 6, width * 3 // 4, height * 4 // 5
    draw.rectangle((x0, y0, x1, y1), fill=(170, 160, 150))
    for x in range(x0 + width // 60, x1 - width // 50, width // 25):
        for y in range(y0 + height // 50, y1 - height // 30, height // 15):
            draw.rectangle((x, y, x + width // 44, y + height // 25), fill=(60, 70, 90))
    for x in range(x0 - width // 40, x1 + width // 40, width // 36):
        draw.line((x, y0 - height // 60, x, y1), fill=(200, 120, 30), width=max(1, width // 330))
    for y in range(y0, y1, height // 16):
        draw.line((x0 - width // 40, y, x1 + width // 40, y), fill=(200, 120, 30), width=10)
    img = Image.blend(img, texture, 0.2)
    img = Image.blend(img, _noise(rng, size, "L").convert("RGB"), 0.04)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, int(width * MARKER), int(height * MARKER)), fill=RED)
    return img


def exif_block(
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: dict[int, object] | None = None,
) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = taken
        if offset is not None:
            ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps is not None:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    return exif.tobytes()


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees as EXIF degrees/minutes/seconds rationals, seconds to 1/1000."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 1000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 1000)


def gps_tags(lat: float, lon: float) -> dict[int, object]:
    return {
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: dms(abs(lat)),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: dms(abs(lon)),
    }


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_file(width: int, height: int, depth: int, colour: int, idat: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def zero_png(width: int, height: int) -> bytes:
    """A real, valid all-black RGB PNG: deflate packs it about 1000:1."""
    squash = zlib.compressobj(9)
    row = bytes(1 + width * 3)
    idat = b"".join(squash.compress(row) for _ in range(height)) + squash.flush()
    return png_file(width, height, 8, 2, idat)


def opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def px(img: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    pixel = img.getpixel((x, y))
    assert isinstance(pixel, tuple)
    assert len(pixel) == 3
    return int(pixel[0]), int(pixel[1]), int(pixel[2])


def is_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 200 and g < 60 and b < 60


def assert_clean_jpeg(result: ProcessedImage) -> None:
    """RGB baseline JPEG with no metadata at all, and honest dimensions and hash."""
    for encoded in (result.full, result.thumb):
        out = opened(encoded.data)
        assert out.format == "JPEG"
        assert out.mode == "RGB"
        assert out.size == (encoded.width, encoded.height)
        assert encoded.content_type == "image/jpeg"
        assert len(encoded.sha256) == 64
        assert encoded.sha256 == hashlib.sha256(encoded.data).hexdigest()
        assert not out.getexif()
        for key in ("exif", "icc_profile", "xmp", "comment", "photoshop"):
            assert key not in out.info
        for needle in (b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"GPS"):
            assert needle not in encoded.data
        # Progressive costs 2.4x the encode time for 1% fewer bytes (storage/images.py).
        assert not out.info.get("progressive")
        assert not out.info.get("progression")


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, bytes) of each segment after SOI of a well-formed JPEG from Pillow; a
    scan's segment runs to the next marker, so it holds its entropy-coded data."""
    out: list[tuple[int, bytes]] = []
    pos = 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xD9:
            out.append((marker, data[pos : pos + 2]))
            break
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:
            end = data.find(b"\xff", end)
            while data[end + 1] == 0x00 or 0xD0 <= data[end + 1] <= 0xD7:
                end = data.find(b"\xff", end + 2)
        out.append((marker, data[pos:end]))
        pos = end
    return out


def many_scan_jpeg(width: int, height: int, extra_scans: int) -> bytes:
    """A progressive JPEG of a flat grey picture with one of its AC scans repeated.

    Pillow cannot write a scan script of its own, so this copies a scan (with the DHT
    before it): one end-of-band run per 32,767 blocks, some 50 bytes, which libjpeg
    still applies to every luma block of the picture. It decodes (with a warning about
    the repeated progression) to the same picture, slowly: each copy is one more pass
    over every block.
    """
    grey = Image.new("RGB", (width, height), (120, 130, 140))
    data = encode(grey, "JPEG", progressive=True, quality=90)
    segments = _jpeg_segments(data)
    # The scans in Pillow's (libjpeg's) script: DC, then Y AC 1-5, Cr, Cb, Y 6-63, ...
    scans: list[bytes] = []
    pending = b""
    for marker, segment in segments:
        pending += segment
        if marker == 0xDA:
            scans.append(pending)
            pending = b""
    head = data[: data.index(scans[0])]
    luma_ac = scans[1]
    return head + b"".join(scans) + luma_ac * extra_scans + b"\xff\xd9"
