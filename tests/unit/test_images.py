"""The upload image pipeline against real encoders' output and hand-made hostile files.

Every image is generated here; nothing is fetched. The 12 MP photo is built from
multi-scale noise, a sky gradient and hard-edged structures so that its JPEG size is that
of a real phone photo (about 2.9 MB at quality 92), not of a flat colour.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageFilter, ImageOps, ImageStat
from PIL.TiffImagePlugin import IFDRational

import storage.image_render as render_module
import storage.images as images_module
from storage import image_child
from storage.child_pool import Child
from storage.images import (
    ImageError,
    ImageInvalid,
    ImageLimits,
    ImageMeta,
    ImageTimeout,
    ImageTooLarge,
    ImageWorkers,
    process_image,
    sniff_format,
)
from tests.support.images import (
    RED,
    assert_clean_jpeg,
    dms,
    encode,
    exif_block,
    gps_tags,
    is_red,
    many_scan_jpeg,
    opened,
    photo,
    png_file,
    px,
    zero_png,
)

# Lets the tests write HEIC; process_image registers its own opener in its worker.
pillow_heif.register_heif_opener()

# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def big_photo() -> Image.Image:
    return photo()


@pytest.fixture(scope="module")
def phone_jpeg(big_photo: Image.Image) -> bytes:
    """A 12 MP phone JPEG held sideways: orientation 6, GPS, capture time with offset."""
    return encode(
        big_photo,
        "JPEG",
        quality=92,
        exif=exif_block(
            orientation=6,
            taken="2025:03:14 09:26:53",
            offset="+08:00",
            gps=gps_tags(31.230416, 121.473701),
        ),
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        comment=b"taken on site 7",
    )


@pytest.fixture(scope="module")
def small_photo() -> Image.Image:
    return photo(800, 600, seed=3)


# ------------------------------------------------------------------------ sniffing


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08meta"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"\xff\xd8\xff\xe1\x12\x34Exif\x00\x00", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (_ftyp(b"heic", b"mif1", b"heic"), "heif"),
        (_ftyp(b"heix", b"mif1"), "heif"),
        (_ftyp(b"mif1", b"heic"), "heif"),
        (_ftyp(b"msf1", b"hevc"), "heif"),
        (_ftyp(b"avif", b"mif1", b"miaf"), "avif"),
        (_ftyp(b"avis", b"msf1"), "avif"),
        (_ftyp(b"mif1", b"avif", b"miaf"), "avif"),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", None),
        (b"II*\x00\x08\x00\x00\x00", None),
        (b"MM\x00*\x00\x00\x00\x08", None),
        (b"%PDF-1.7\n", None),
        (b"BM\x36\x00\x00\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (_ftyp(b"isom", b"iso2", b"mp41"), None),
        (_ftyp(b"qt  "), None),
        (b"\x00\x00\x00\x04ftypheic", None),
        (b"\xff\xd8", None),
        (b"", None),
    ],
)
def test_sniff_format(head: bytes, expected: str | None) -> None:
    assert sniff_format(head) == expected


def test_sniff_real_encoder_output(small_photo: Image.Image) -> None:
    assert sniff_format(encode(small_photo, "JPEG")[:64]) == "jpeg"
    assert sniff_format(encode(small_photo, "PNG")[:64]) == "png"
    assert sniff_format(encode(small_photo, "WEBP")[:64]) == "webp"
    assert sniff_format(encode(small_photo, "AVIF", quality=50)[:64]) == "avif"
    assert sniff_format(encode(small_photo, "HEIF", quality=50)[:64]) == "heif"


# ------------------------------------------------------------------ the phone photo


def test_phone_photo_is_upright_small_and_stripped(phone_jpeg: bytes) -> None:
    started = time.perf_counter()
    result = process_image(phone_jpeg)
    elapsed = time.perf_counter() - started
    print(
        f"\n12 MP JPEG ({len(phone_jpeg) / 1e6:.2f} MB) -> {result.full.width}x"
        f"{result.full.height} {len(result.full.data) / 1000:.0f} kB, thumb "
        f"{len(result.thumb.data) / 1000:.1f} kB, {elapsed * 1000:.0f} ms"
    )

    # Orientation 6 turns the 4000x3000 sensor image into a portrait; libjpeg's 1/2
    # reduction (2000 px, within 85% of the 2048 limit) is the final size.
    assert (result.full.width, result.full.height) == (1500, 2000)
    assert (result.thumb.width, result.thumb.height) == (240, 320)
    assert len(result.full.data) < 300_000
    assert_clean_jpeg(result)

    # Rotating 90 degrees clockwise puts the stored top-left corner at the top right.
    out = opened(result.full.data)
    inset = 20
    assert is_red(px(out, out.width - inset, inset))
    for x, y in ((inset, inset), (inset, out.height - inset)):
        assert not is_red(px(out, x, y))
    assert not is_red(px(out, out.width - inset, out.height - inset))
    assert is_red(px(opened(result.thumb.data), 240 - 3, 3))

    meta = result.meta
    assert meta.orientation == 6
    assert meta.source_format == "jpeg"
    assert (meta.source_width, meta.source_height) == (3000, 4000)
    assert meta.captured_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=8)))
    assert meta.lat == pytest.approx(31.230416, abs=1e-5)
    assert meta.lon == pytest.approx(121.473701, abs=1e-5)


def test_same_input_same_output(small_photo: Image.Image) -> None:
    data = encode(small_photo, "JPEG", quality=90)
    assert process_image(data).full.sha256 == process_image(data).full.sha256


def test_draft_decoding_keeps_orientation() -> None:
    """A big JPEG decoded at 1/4 scale by libjpeg must still be rotated correctly."""
    # 4800x3600 into a 1000 px box lets draft pick 1/4 (1200x900) before LANCZOS.
    data = encode(photo(4800, 3600, seed=5), "JPEG", quality=85, exif=exif_block(orientation=8))
    result = process_image(data, ImageLimits(max_side=1000))
    assert (result.full.width, result.full.height) == (750, 1000)
    out = opened(result.full.data)
    # Orientation 8 is a 90 degree counter-clockwise turn: top-left goes bottom-left.
    assert is_red(px(out, 10, out.height - 10))
    assert not is_red(px(out, 10, 10))
    assert not is_red(px(out, out.width - 10, out.height - 10))
    assert result.meta.orientation == 8
    assert (result.meta.source_width, result.meta.source_height) == (3600, 4800)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ((1200, 900), (600, 450)),  # halved: the box shrink is the whole resize
        ((1500, 1000), (500, 334)),  # a third; the last partial block rounds up
        ((1100, 800), (500, 364)),  # 1/3 would be 367 px, too far below: LANCZOS
        ((560, 400), (500, 357)),  # no whole number fits: LANCZOS
    ],
)
def test_whole_number_shrink_near_the_limit_is_the_final_size(
    source: tuple[int, int], expected: tuple[int, int]
) -> None:
    img = photo(*source, seed=9)
    side = max(expected)
    # Quality 95, so what is compared below is the shrink, not JPEG's loss.
    result = process_image(encode(img, "PNG"), ImageLimits(max_side=side, quality=95))
    assert (result.full.width, result.full.height) == expected
    out = opened(result.full.data)
    assert is_red(px(out, 5, 5))
    # Whichever way it was shrunk, it shows what LANCZOS would have shown, down to the
    # pixel grid: no shift, no stretch. (The blur takes out the pixel-level noise of
    # the test photo, on which box and LANCZOS filters differ.)
    reference = img.resize(expected, Image.Resampling.LANCZOS)

    def distance(a: Image.Image, b: Image.Image) -> float:
        blur = ImageFilter.GaussianBlur(2)
        return max(ImageStat.Stat(ImageChops.difference(a.filter(blur), b.filter(blur))).mean)

    # Measured: 0.9 (LANCZOS), 0.9 (halved), 1.3 (a third); shifted by 2 px: over 6.
    assert distance(reference, out) < 2 < distance(ImageChops.offset(reference, 2, 2), out)


@pytest.mark.parametrize(
    ("orientation", "corner"),
    [(1, "tl"), (2, "tr"), (3, "br"), (4, "bl"), (5, "tl"), (6, "tr"), (7, "br"), (8, "bl")],
)
def test_every_orientation(small_photo: Image.Image, orientation: int, corner: str) -> None:
    data = encode(small_photo, "JPEG", quality=90, exif=exif_block(orientation=orientation))
    out = opened(process_image(data).full.data)
    assert out.size == ((600, 800) if orientation >= 5 else (800, 600))
    x = 8 if corner[1] == "l" else out.width - 8
    y = 8 if corner[0] == "t" else out.height - 8
    assert is_red(px(out, x, y))
    # The whole picture, not just the marker, matches Pillow's reference transpose.
    reference = ImageOps.exif_transpose(opened(data))
    assert reference.size == out.size
    difference = ImageStat.Stat(ImageChops.difference(reference, out)).mean
    assert max(difference) < 7
    # ...and is far from the three other layouts that have the same shape.
    for other in (
        Image.Transpose.FLIP_LEFT_RIGHT,
        Image.Transpose.FLIP_TOP_BOTTOM,
        Image.Transpose.ROTATE_180,
    ):
        wrong = reference.transpose(other)
        assert max(ImageStat.Stat(ImageChops.difference(wrong, out)).mean) > 10


def test_small_image_is_never_upscaled(small_photo: Image.Image) -> None:
    tiny = small_photo.resize((300, 200))
    result = process_image(encode(tiny, "PNG"))
    assert (result.full.width, result.full.height) == (300, 200)
    assert (result.thumb.width, result.thumb.height) == (300, 200)
    assert result.meta == ImageMeta(
        captured_at=None,
        lat=None,
        lon=None,
        orientation=1,
        source_format="png",
        source_width=300,
        source_height=200,
    )


# ------------------------------------------------------------------- other sources


def test_heic_like_an_iphone_sends() -> None:
    """Held sideways (libheif stores it as an irot box), with EXIF time and a SW position."""
    img = photo(2400, 1800, seed=11)
    data = encode(
        img,
        "HEIF",
        quality=60,
        enc_params={"preset": "ultrafast"},
        exif=exif_block(
            orientation=6,
            taken="2024:12:01 16:05:00",
            gps=gps_tags(-33.868800, -70.650000),
        ),
    )
    assert sniff_format(data[:64]) == "heif"
    result = process_image(data)
    assert_clean_jpeg(result)
    assert (result.full.width, result.full.height) == (1536, 2048)
    out = opened(result.full.data)
    assert is_red(px(out, out.width - 20, 20))
    assert not is_red(px(out, 20, 20))
    assert result.meta.source_format == "heif"
    assert result.meta.orientation == 6
    assert (result.meta.source_width, result.meta.source_height) == (1800, 2400)
    assert result.meta.captured_at == datetime(2024, 12, 1, 16, 5)
    assert result.meta.lat == pytest.approx(-33.8688, abs=1e-5)
    assert result.meta.lon == pytest.approx(-70.65, abs=1e-5)


def test_avif(small_photo: Image.Image) -> None:
    data = encode(small_photo, "AVIF", quality=60, exif=exif_block(orientation=3))
    result = process_image(data)
    assert_clean_jpeg(result)
    out = opened(result.full.data)
    assert out.size == (800, 600)
    assert is_red(px(out, out.width - 8, out.height - 8))
    assert result.meta.source_format == "avif"
    assert result.meta.orientation == 3


def test_webp_with_alpha_is_flattened_onto_white(small_photo: Image.Image) -> None:
    rgba = small_photo.convert("RGBA")
    rgba.paste((0, 0, 0, 0), (400, 300, 800, 600))
    result = process_image(encode(rgba, "WEBP", lossless=True))
    assert_clean_jpeg(result)
    out = opened(result.full.data)
    assert min(px(out, 700, 500)) > 245  # transparent black became white
    assert is_red(px(out, 8, 8))
    assert result.meta.source_format == "webp"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "1", "I;16", "RGB"])
def test_png_modes_become_rgb(small_photo: Image.Image, mode: str) -> None:
    if mode == "I;16":
        # A 16-bit grey ramp; a naive conversion would clip almost all of it to white.
        ramp = Image.linear_gradient("L").resize((800, 600)).convert("I")
        img = ramp.point(lambda v: v * 257).convert("I;16")
    elif mode == "P":
        img = small_photo.quantize(64)
        img.info["transparency"] = 0
    else:
        img = small_photo.convert(mode)
    data = encode(img, "PNG")
    assert opened(data).mode == mode
    result = process_image(data)
    assert_clean_jpeg(result)
    out = opened(result.full.data)
    if mode == "I;16":
        assert px(out, 400, 10)[0] < 20
        assert px(out, 400, 590)[0] > 235
        assert 100 < px(out, 400, 300)[0] < 155


def test_png_16_bit_rgb_keeps_its_tones() -> None:
    width, height = 256, 64
    rows = b"".join(
        b"\x00" + b"".join(struct.pack(">HHH", x * 257, 65535 - x * 257, 32768) for x in range(256))
        for _ in range(height)
    )
    data = png_file(width, height, 16, 2, zlib.compress(rows))
    result = process_image(data)
    assert_clean_jpeg(result)
    out = opened(result.full.data)
    left, middle, right = (px(out, x, 32) for x in (2, 128, 253))
    assert left[0] < 15
    assert left[1] > 240
    assert right[0] > 240
    assert right[1] < 15
    assert 110 < middle[0] < 145
    assert 115 < middle[2] < 140


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (640, 480), (0, 0, 0, 0))  # white paper
    cmyk.paste((0, 255, 255, 0), (0, 0, 320, 240))  # magenta + yellow ink = red
    result = process_image(encode(cmyk, "JPEG", quality=95))
    assert_clean_jpeg(result)
    out = opened(result.full.data)
    assert is_red(px(out, 100, 100))
    assert min(px(out, 500, 400)) > 240


def _primaries_swapped_profile() -> bytes:
    """An RGB profile whose red primary is sRGB's green and vice versa."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = int.from_bytes(icc[128:132], "big")
    entries = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    icc[red + 4 : red + 12], icc[green + 4 : green + 12] = (
        icc[green + 4 : green + 12],
        icc[red + 4 : red + 12],
    )
    # Its description must not claim sRGB, or it would be taken for sRGB.
    at = icc.find("sRGB".encode("utf-16-be"))
    icc[at : at + 8] = "xRGB".encode("utf-16-be")
    return bytes(icc)


def test_non_srgb_profile_is_converted_then_dropped() -> None:
    img = Image.new("RGB", (200, 100), RED)
    data = encode(img, "JPEG", quality=95, icc_profile=_primaries_swapped_profile())
    result = process_image(data)
    assert_clean_jpeg(result)
    pixel = px(opened(result.full.data), 100, 50)
    assert pixel[1] > 200
    assert pixel[0] < 60


def test_broken_profile_is_ignored() -> None:
    img = Image.new("RGB", (200, 100), RED)
    data = encode(img, "JPEG", quality=95, icc_profile=b"not really an ICC profile" * 8)
    out = opened(process_image(data).full.data)
    assert is_red(px(out, 100, 50))


# --------------------------------------------------------------------- bad metadata


@pytest.mark.parametrize(
    "gps",
    [
        {  # zero denominators: NaN degrees
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (IFDRational(1, 0), IFDRational(0, 0), IFDRational(0, 0)),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: dms(10.0),
        },
        {  # impossible latitude
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: dms(95.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: dms(10.0),
        },
        {  # no hemisphere
            ExifTags.GPS.GPSLatitude: dms(45.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: dms(10.0),
        },
        {  # 75 minutes
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (IFDRational(45, 1), IFDRational(75, 1), IFDRational(0, 1)),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: dms(10.0),
        },
        {  # only a longitude
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: dms(10.0),
        },
    ],
)
def test_malformed_gps_is_none(small_photo: Image.Image, gps: dict[int, object]) -> None:
    data = encode(small_photo, "JPEG", exif=exif_block(taken="2025:01:02 03:04:05", gps=gps))
    meta = process_image(data).meta
    assert meta.lat is None
    assert meta.lon is None
    assert meta.captured_at == datetime(2025, 1, 2, 3, 4, 5)


def raw_gps_exif(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """An EXIF block whose GPS IFD holds exactly these (tag, type, count, payload) entries.

    Pillow's writer insists on each tag's proper type; cameras with bugs do not.
    """
    gps_at = 8 + 2 + 12 + 4
    data_at = gps_at + 2 + 12 * len(entries) + 4
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, gps_at) + bytes(4)
    table, blobs = b"", b""
    for tag, kind, count, payload in entries:
        if len(payload) <= 4:
            table += struct.pack(">HHI", tag, kind, count) + payload.ljust(4, b"\x00")
        else:
            table += struct.pack(">HHII", tag, kind, count, data_at + len(blobs))
            blobs += payload
    gps = struct.pack(">H", len(entries)) + table + bytes(4)
    return b"Exif\x00\x00MM\x00*" + struct.pack(">I", 8) + ifd0 + gps + blobs


ASCII, RATIONAL, SHORT = 2, 5, 3


@pytest.mark.parametrize(
    "entries",
    [
        [  # text where numbers belong
            (1, ASCII, 2, b"N\x00"),
            (2, ASCII, 11, b"forty five\x00"),
            (3, ASCII, 2, b"E\x00"),
            (4, RATIONAL, 3, struct.pack(">6I", 10, 1, 0, 1, 0, 1)),
        ],
        [  # five "rationals" for a latitude, and a SHORT hemisphere
            (1, SHORT, 1, struct.pack(">H", 78)),
            (2, RATIONAL, 5, struct.pack(">10I", *([1, 1] * 5))),
            (3, ASCII, 2, b"E\x00"),
            (4, RATIONAL, 3, struct.pack(">6I", 10, 1, 0, 1, 0, 1)),
        ],
        [  # entries whose data lies past the end of the block
            (1, ASCII, 2, b"N\x00"),
            (2, RATIONAL, 3, struct.pack(">HHI", 0, 0, 0xFFFF0000)[:4]),
            (3, ASCII, 2, b"E\x00"),
            (4, RATIONAL, 3000, struct.pack(">I", 0x7FFFFFF0)),
        ],
    ],
)
def test_gps_of_the_wrong_type_is_none(
    small_photo: Image.Image, entries: list[tuple[int, int, int, bytes]]
) -> None:
    result = process_image(encode(small_photo, "JPEG", exif=raw_gps_exif(entries)))
    assert result.meta.lat is None
    assert result.meta.lon is None
    assert result.full.width == 800


def test_raw_gps_builder_makes_readable_gps(small_photo: Image.Image) -> None:
    """The hand-made block above is only evidence if a well-formed one does read back."""
    entries = [
        (1, ASCII, 2, b"S\x00"),
        (2, RATIONAL, 3, struct.pack(">6I", 12, 1, 30, 1, 0, 1)),
        (3, ASCII, 2, b"W\x00"),
        (4, RATIONAL, 3, struct.pack(">6I", 45, 1, 15, 1, 36, 1)),
    ]
    meta = process_image(encode(small_photo, "JPEG", exif=raw_gps_exif(entries))).meta
    assert meta.lat == pytest.approx(-12.5)
    assert meta.lon == pytest.approx(-45.26)


@pytest.mark.parametrize(
    "taken", ["0000:00:00 00:00:00", "    :  :     :  :  ", "yesterday", "2025:13:45 99:00:00"]
)
def test_malformed_capture_time_is_none(small_photo: Image.Image, taken: str) -> None:
    data = encode(small_photo, "JPEG", exif=exif_block(orientation=9, taken=taken, offset="+99:00"))
    result = process_image(data)
    assert result.meta.captured_at is None
    assert result.meta.orientation == 1
    assert result.full.width == 800


def test_garbage_exif_block_is_tolerated(small_photo: Image.Image) -> None:
    data = encode(small_photo, "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\xff\xff" + bytes(40))
    result = process_image(data)
    assert result.meta.captured_at is None
    assert result.meta.lat is None
    assert_clean_jpeg(result)


# -------------------------------------------------------------------- hostile files


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (16, 16), "gray"), "JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


BOMBS: dict[str, Callable[[], bytes]] = {
    "png-header-100000x100000": lambda: png_file(
        100_000, 100_000, 8, 2, zlib.compress(b"\x00" * 64)
    ),
    "jpeg-header-65000x65000": lambda: _jpeg_claiming(65_000, 65_000),
    # A complete, valid 51 MP PNG of 150 kB: the classic zip-bomb shape.
    "png-real-51mp": lambda: zero_png(8200, 6200),
}


@pytest.mark.parametrize("name", BOMBS)
def test_decompression_bomb_is_refused_fast(name: str) -> None:
    data = BOMBS[name]()
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge) as caught:
        process_image(data)
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "image_too_large"
    assert caught.value.status == 413


def test_pixel_limit_is_configurable(small_photo: Image.Image) -> None:
    with pytest.raises(ImageTooLarge):
        process_image(encode(small_photo, "JPEG"), ImageLimits(max_pixels=800 * 600 - 1))
    assert process_image(encode(small_photo, "JPEG"), ImageLimits(max_pixels=800 * 600))


def _corrupt(data: bytes, at: float, junk: bytes) -> bytes:
    start = int(len(data) * at)
    return data[:start] + junk + data[start + len(junk) :]


@pytest.fixture(scope="module")
def site_photo_files() -> dict[str, bytes]:
    img = photo(1200, 900, seed=2)
    return {
        "JPEG": encode(img, "JPEG", quality=85),
        "WEBP": encode(img, "WEBP", quality=85),
        **{fmt: encode(img, fmt) for fmt in ("PNG", "GIF", "TIFF")},
    }


def _noise_bytes(n: int) -> bytes:
    return random.Random(n).randbytes(n)


BAD_FILES: dict[str, Callable[[dict[str, bytes]], bytes]] = {
    "jpeg-cut-in-half": lambda f: f["JPEG"][: len(f["JPEG"]) // 2],
    "jpeg-headers-only": lambda f: f["JPEG"][:600],
    "jpeg-markers-mid-scan": lambda f: _corrupt(f["JPEG"], 0.5, b"\xff\xc0\x00\x11" * 16),
    "jpeg-bad-tables": lambda f: _corrupt(f["JPEG"], 0.0, b"\xff\xd8\xff" + _noise_bytes(300)),
    "png-cut-in-half": lambda f: f["PNG"][: len(f["PNG"]) // 2],
    "png-corrupt-middle": lambda f: _corrupt(f["PNG"], 0.5, _noise_bytes(64)),
    "webp-cut-in-half": lambda f: f["WEBP"][: len(f["WEBP"]) // 2],
    "jpeg-magic-then-noise": lambda f: b"\xff\xd8\xff" + _noise_bytes(5000),
    "png-magic-then-noise": lambda f: b"\x89PNG\r\n\x1a\n" + _noise_bytes(5000),
    "heif-magic-then-noise": lambda f: _ftyp(b"heic", b"mif1") + _noise_bytes(5000),
    "avif-magic-then-noise": lambda f: _ftyp(b"avif", b"mif1") + _noise_bytes(5000),
    "random-bytes": lambda f: _noise_bytes(100_000),
    "empty": lambda f: b"",
    "gif": lambda f: f["GIF"],
    "tiff": lambda f: f["TIFF"],
    "svg": lambda f: (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10"/></svg>'
    ),
    "pdf": lambda f: b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF",
    "bmp": lambda f: b"BM" + struct.pack("<I", 70) + bytes(64),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_invalid_fast(name: str, site_photo_files: dict[str, bytes]) -> None:
    data = BAD_FILES[name](site_photo_files)
    started = time.perf_counter()
    with pytest.raises(ImageInvalid) as caught:
        process_image(data)
    assert time.perf_counter() - started < 2.0
    assert caught.value.code == "image_invalid"
    assert caught.value.status == 422


# ----------------------------------------------------------- progressive scan count


def test_a_jpeg_with_thousands_of_scans_is_refused_before_any_decoder(
    workers: ImageWorkers,
) -> None:
    """215 KB, 3,010 scans: Pillow takes ~5 s on this 12 MP picture (35 s for the
    review's 48 MP one), holding a decode slot all along; it is refused from its
    markers, without a child."""
    hostile = many_scan_jpeg(4000, 3000, extra_scans=3000)
    assert len(hostile) < 250_000
    started = time.perf_counter()
    with pytest.raises(ImageInvalid, match="more than 100 scans") as caught:
        workers.process(hostile)
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "image_invalid"
    assert caught.value.status == 422
    assert workers.idle_pids() == []  # no child was started for it


def test_scans_are_counted_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """libjpeg's progressive script is 10 scans for colour, baseline is 1; what follows
    the first EOI (a phone's MPF preview, here a hostile file) is not counted."""
    img = photo(640, 480, seed=5)
    progressive = encode(img, "JPEG", progressive=True)
    baseline = encode(img, "JPEG")
    monkeypatch.setattr(render_module, "MAX_JPEG_SCANS", 10)
    assert render_module.jpeg_refusal(progressive) is None
    assert render_module.jpeg_refusal(baseline + many_scan_jpeg(64, 64, extra_scans=200)) is None
    monkeypatch.setattr(render_module, "MAX_JPEG_SCANS", 9)
    assert render_module.jpeg_refusal(progressive) == (
        "the JPEG has more than 9 scans; cameras and encoders write a few dozen at most"
    )
    monkeypatch.setattr(render_module, "MAX_JPEG_SCANS", 1)
    assert render_module.jpeg_refusal(baseline) is None


def test_a_flood_of_empty_markers_is_refused() -> None:
    comments = b"\xff\xfe\x00\x02" * 5000
    data = encode(photo(64, 64, seed=1), "JPEG")
    flooded = data[:2] + comments + data[2:]
    started = time.perf_counter()
    with pytest.raises(ImageInvalid, match="more than 4096 markers"):
        process_image(flooded)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "name", ["progressive", "progressive-optimised", "progressive-cmyk", "restart-markers"]
)
def test_progressive_jpegs_from_encoders_pass(name: str) -> None:
    img = photo(1200, 900, seed=6)
    data = {
        "progressive": lambda: encode(img, "JPEG", progressive=True, quality=85),
        "progressive-optimised": lambda: encode(img, "JPEG", progressive=True, optimize=True),
        # libjpeg writes 6 scans per component for colour spaces other than YCbCr.
        "progressive-cmyk": lambda: encode(img.convert("CMYK"), "JPEG", progressive=True),
        # A restart marker every MCU row, as many phone cameras write: RSTn inside the
        # scans' data must not be read as segments.
        "restart-markers": lambda: encode(img, "JPEG", progressive=True, restart_marker_rows=1),
    }[name]()
    assert render_module.jpeg_refusal(data) is None
    result = process_image(data)
    assert (result.full.width, result.full.height) == (1200, 900)


@pytest.mark.parametrize(
    "path", sorted(Path(__file__).parents[1].joinpath("data").rglob("*.jpg")), ids=lambda p: p.name
)
def test_real_photos_pass_the_scan_count(path: Path) -> None:
    data = path.read_bytes()
    assert render_module.jpeg_refusal(data) is None
    assert process_image(data).full.width > 0


def test_entropy_damage_in_a_jpeg_decodes_like_a_browser_would() -> None:
    """JPEG scan data has no checksum: libjpeg resyncs and the photo keeps its shape.

    This pins down the documented behaviour rather than a wish: such a file is stored
    (with a smeared band), as a phone gallery or browser would show it.
    """
    jpeg = encode(photo(1200, 900, seed=2), "JPEG", quality=85)
    result = process_image(_corrupt(jpeg, 0.5, bytes(4096)))
    assert (result.full.width, result.full.height) == (1200, 900)


# ------------------------------------------------------------- the decoder children

needs_proc = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")


@pytest.fixture
def workers() -> Iterator[ImageWorkers]:
    """A pool of its own, so a test sees exactly the children it caused."""
    pool = ImageWorkers(2)
    yield pool
    pool.close()


def _children(needle: bytes) -> list[int]:
    """Live child processes of this test process whose command line contains needle."""
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        children = (task / "children").read_text().split()
        for pid in children:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if needle in cmdline:
                pids.append(int(pid))
    return pids


def _gone(pid: int) -> bool:
    """Exited and reaped: a zombie would still have its /proc entry."""
    return not Path(f"/proc/{pid}").exists()


def _fake_python(tmp_path: Path, script: str) -> str:
    path = tmp_path / "python"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# A stand-in child that speaks the protocol: it reads one request and answers with the
# reply the test wrote into REPLY (Python source for a bytes value).
_SCRIPTED_CHILD = """
import json, sys
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
def frame(header, *blobs):
    head = json.dumps(header).encode()
    return len(head).to_bytes(4, "big") + head + b"".join(blobs)
def wrap(payload):
    return len(payload).to_bytes(4, "big") + payload
READ_FIRST = {read_first}
if READ_FIRST:
    size = int.from_bytes(stdin.read(4), "big")
    stdin.read(json.loads(stdin.read(size))["length"])
stdout.write({reply})
stdout.flush()
stdin.read()
"""


def _scripted(tmp_path: Path, reply: str, *, read_first: bool = True) -> ImageWorkers:
    child = tmp_path / "child.py"
    child.write_text(_SCRIPTED_CHILD.format(reply=reply, read_first=read_first))
    return ImageWorkers(1, executable=_fake_python(tmp_path, f"exec {sys.executable} {child}"))


@needs_proc
def test_slow_decode_times_out_and_that_child_is_replaced(
    workers: ImageWorkers, phone_jpeg: bytes, small_photo: Image.Image
) -> None:
    small = encode(small_photo, "JPEG")
    workers.process(small)
    [warm] = workers.idle_pids()
    started = time.perf_counter()
    with pytest.raises(ImageTimeout) as caught:
        # No machine decodes 12 MP in 10 ms; the warm child is the one that gets it.
        workers.process(phone_jpeg, ImageLimits(decode_timeout_s=0.01))
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "image_timeout"
    assert caught.value.status == 422
    assert _gone(warm)
    assert workers.idle_pids() == []
    assert workers.process(small).full.width == 800
    [fresh] = workers.idle_pids()
    assert fresh != warm


@needs_proc
def test_a_stuck_decoder_is_killed(tmp_path: Path, small_photo: Image.Image) -> None:
    """A child that never answers (a decoder spinning on a hostile file) is killed.

    `sleep` never reads its stdin either, so this also covers a request too big for
    the pipe, which must not block the caller past the deadline.
    """
    pool = ImageWorkers(1, executable=_fake_python(tmp_path, "exec sleep 37"))
    data = encode(small_photo, "PNG")
    assert len(data) > 500_000  # many times a pipe's buffer
    started = time.perf_counter()
    with pytest.raises(ImageTimeout):
        pool.process(data, ImageLimits(decode_timeout_s=0.5))
    assert 0.5 <= time.perf_counter() - started < 2.0
    assert _children(b"sleep\x0037") == []
    assert pool.idle_pids() == []


@pytest.mark.parametrize(
    ("signal_name", "error"),
    [
        ("SEGV", ImageInvalid),
        ("ABRT", ImageInvalid),
        ("KILL", ImageInvalid),
        ("XCPU", ImageTimeout),
    ],
)
def test_decoder_killed_by_a_signal(
    tmp_path: Path, small_photo: Image.Image, signal_name: str, error: type[ImageError]
) -> None:
    pool = ImageWorkers(1, executable=_fake_python(tmp_path, f"kill -{signal_name} $$"))
    with pytest.raises(error):
        pool.process(encode(small_photo, "JPEG"))
    assert pool.idle_pids() == []


@needs_proc
def test_a_crashed_child_is_replaced(tmp_path: Path, small_photo: Image.Image) -> None:
    """The first child segfaults mid-request; the next request gets a working one."""
    flag = tmp_path / "crash-once"
    flag.touch()
    pool = ImageWorkers(
        1,
        executable=_fake_python(
            tmp_path,
            f'if [ -e {flag} ]; then rm {flag}; kill -SEGV $$; fi\nexec {sys.executable} "$@"',
        ),
    )
    data = encode(small_photo, "JPEG")
    with pytest.raises(ImageInvalid):
        pool.process(data)
    assert not flag.exists()
    assert pool.process(data).full.width == 800
    assert len(pool.idle_pids()) == 1
    pool.close()


@needs_proc
def test_an_idle_child_that_died_is_not_handed_out(
    workers: ImageWorkers, small_photo: Image.Image
) -> None:
    data = encode(small_photo, "JPEG")
    workers.process(data)
    [first] = workers.idle_pids()
    os.kill(first, signal.SIGKILL)
    # Dead but not yet reaped (a zombie), as an idle child the OOM killer chose would be.
    deadline = time.monotonic() + 5
    while Path(f"/proc/{first}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert workers.process(data).full.width == 800
    [second] = workers.idle_pids()
    assert second != first
    assert _gone(first)


@needs_proc
def test_children_are_recycled_after_n_requests(small_photo: Image.Image) -> None:
    pool = ImageWorkers(1, requests_per_child=2)
    data = encode(small_photo, "JPEG")
    pool.process(data)
    [first] = pool.idle_pids()
    pool.process(data)
    assert pool.idle_pids() == []
    assert _gone(first)
    pool.process(data)
    assert pool.idle_pids() not in ([], [first])
    pool.close()


@needs_proc
def test_children_are_recycled_when_they_hold_too_much_memory(small_photo: Image.Image) -> None:
    data = encode(small_photo, "JPEG")
    lean = ImageWorkers(1, max_rss=1)
    lean.process(data)
    assert lean.idle_pids() == []
    roomy = ImageWorkers(1, max_rss=10**12)
    roomy.process(data)
    assert len(roomy.idle_pids()) == 1
    roomy.close()


def test_concurrent_calls_each_get_a_child_of_their_own(
    workers: ImageWorkers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More callers than idle children: every one gets its own image back, no child
    ever holds two requests at once, and only `size` children stay."""
    spans: list[tuple[int, float, float]] = []
    lock = threading.Lock()
    exchange = Child.exchange

    def timed(child: Child, request: Sequence[bytes], deadline: float) -> bytes:
        started = time.monotonic()
        try:
            return exchange(child, request, deadline)
        finally:
            with lock:
                spans.append((child.pid, started, time.monotonic()))

    monkeypatch.setattr(Child, "exchange", timed)
    sizes = [(640 + 32 * i, 480 - 16 * i) for i in range(6)]
    uploads = {size: encode(photo(*size, seed=i), "JPEG") for i, size in enumerate(sizes)}
    jobs = [size for size in sizes for _ in range(3)]
    random.Random(4).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda size: workers.process(uploads[size]), jobs))
    assert [(r.full.width, r.full.height) for r in results] == jobs
    assert len(spans) == len(jobs)
    for pid in {pid for pid, _, _ in spans}:
        mine = sorted((start, end) for p, start, end in spans if p == pid)
        assert all(prev[1] <= nxt[0] for prev, nxt in pairwise(mine))
    assert len(workers.idle_pids()) <= 2


@needs_proc
def test_cpu_limit_is_armed_per_request(workers: ImageWorkers, small_photo: Image.Image) -> None:
    """The RLIMIT_CPU backstop is CPU used so far plus this request's budget."""
    data = encode(small_photo, "JPEG")
    cores = os.cpu_count() or 1

    def soft_cpu_limit() -> int:
        [pid] = workers.idle_pids()
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max cpu time"):
                return int(line.split()[3])
        raise AssertionError("no cpu limit line")

    workers.process(data, ImageLimits(decode_timeout_s=2))
    first = soft_cpu_limit() - (2 * cores + 1)
    workers.process(data, ImageLimits(decode_timeout_s=7))
    second = soft_cpu_limit() - (7 * cores + 1)
    # What is left is the CPU time the child had used when each request came in.
    assert 1 <= first <= second < 60


def test_a_child_exits_when_its_stdin_closes() -> None:
    """Which is also what happens to idle children when the API process dies."""
    child = subprocess.Popen(
        [sys.executable, "-I", image_child.__file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.close()
    assert child.wait(timeout=10) == 0
    assert child.stdout.read() == b""
    child.stdout.close()


def test_the_child_loads_the_render_code_and_nothing_of_the_parent() -> None:
    """Of the project, the isolated child imports only the render code: not the pool,
    not the client, nothing of the API or the face models."""
    started = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", image_child.__file__, "--serve"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in started.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "PIL.Image" in imported
    ours = {name for name in imported if name.split(".")[0] in ("storage", "api", "inference")}
    assert ours == {"storage", "storage.image_render"}
    assert not imported & {"subprocess", "numpy", "dlib", "onnxruntime"}


@needs_proc
def test_a_forked_process_leaves_the_parents_children_alone(small_photo: Image.Image) -> None:
    """After fork() the shared children belong to the parent: the copy forgets them (so
    it neither sends them requests nor kills them at its exit) and starts its own."""
    process_image(encode(small_photo, "JPEG"))
    assert images_module._workers is not None
    parents = images_module._workers.idle_pids()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked copy
        forgot = images_module._workers is None
        os.write(write_end, b"yes" if forgot else b"no")
        os._exit(0)
    os.close(write_end)
    assert os.read(read_end, 8) == b"yes"
    os.close(read_end)
    os.waitpid(pid, 0)
    assert images_module._workers.idle_pids() == parents
    assert all(Path(f"/proc/{child}").exists() for child in parents)


def test_worker_that_cannot_start_is_a_server_fault(
    tmp_path: Path, small_photo: Image.Image
) -> None:
    pool = ImageWorkers(1, executable=_fake_python(tmp_path, "echo broken >&2; exit 1"))
    with pytest.raises(RuntimeError, match="broken"):
        pool.process(encode(small_photo, "JPEG"))


@pytest.mark.parametrize(
    ("reply", "read_first"),
    [
        ("b'hello world'", True),  # no frame at all (an absurd length)
        ("wrap(b'{\"ok\": true')", True),  # a frame, but not JSON
        ("wrap(b'[1, 2]')", True),  # JSON, but not an object
        # Blob lengths that do not add up to what was sent.
        (
            "wrap(frame({'ok': True, 'full': {'width': 1, 'height': 1, 'length': 5},"
            " 'thumb': {'width': 1, 'height': 1, 'length': 5}, 'meta': {}}, b'x' * 9))",
            True,
        ),
        # Right lengths, a width that is not a number.
        (
            "wrap(frame({'ok': True, 'full': {'width': 'wide', 'height': 1, 'length': 1},"
            " 'thumb': {'width': 1, 'height': 1, 'length': 1}, 'meta': {'captured_at': None,"
            " 'lat': None, 'lon': None, 'orientation': 1, 'source_format': 'jpeg',"
            " 'source_width': 1, 'source_height': 1}}, b'ab'))",
            True,
        ),
        # A source format we never produce.
        (
            "wrap(frame({'ok': True, 'full': {'width': 1, 'height': 1, 'length': 1},"
            " 'thumb': {'width': 1, 'height': 1, 'length': 1}, 'meta': {'captured_at': None,"
            " 'lat': None, 'lon': None, 'orientation': 1, 'source_format': 'exe',"
            " 'source_width': 1, 'source_height': 1}}, b'ab'))",
            True,
        ),
        # A proper refusal, followed by bytes nobody asked for.
        ("wrap(frame({'ok': False, 'code': 'image_invalid'})) + b'more'", True),
        # A proper refusal sent before the request was read.
        ("wrap(frame({'ok': False, 'code': 'image_invalid'}))", False),
    ],
)
def test_a_bad_reply_is_a_server_fault_and_retires_the_child(
    tmp_path: Path, phone_jpeg: bytes, reply: str, read_first: bool
) -> None:
    pool = _scripted(tmp_path, reply, read_first=read_first)
    with pytest.raises(RuntimeError):
        # Big enough (2.9 MB) that the request is still being written when a child
        # that does not read it first answers.
        pool.process(phone_jpeg)
    assert pool.idle_pids() == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("image_too_large", ImageTooLarge),
        ("image_timeout", ImageTimeout),
        ("image_invalid", ImageInvalid),
        ("something_else", ImageInvalid),
    ],
)
def test_a_refusal_keeps_the_child(
    tmp_path: Path, small_photo: Image.Image, code: str, error: type[ImageError]
) -> None:
    pool = _scripted(tmp_path, f"wrap(frame({{'ok': False, 'code': '{code}', 'message': 'no'}}))")
    with pytest.raises(error, match="no"):
        pool.process(encode(small_photo, "JPEG"))
    assert len(pool.idle_pids()) == 1
    pool.close()


@needs_proc
def test_shared_children_stay_within_the_core_count(small_photo: Image.Image) -> None:
    data = encode(small_photo, "JPEG")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: process_image(data), range(16)))
    assert 1 <= len(_children(b"image_child.py\x00--serve")) <= (os.cpu_count() or 1)


def test_errors_carry_code_and_status() -> None:
    assert issubclass(ImageInvalid, ImageError)
    assert (ImageInvalid.code, ImageInvalid.status) == ("image_invalid", 422)
    assert (ImageTooLarge.code, ImageTooLarge.status) == ("image_too_large", 413)
    assert (ImageTimeout.code, ImageTimeout.status) == ("image_timeout", 422)


@pytest.mark.parametrize(
    "bad",
    [
        {"max_pixels": 0},
        {"max_side": -1},
        {"quality": 0},
        {"thumb_quality": 101},
        {"decode_timeout_s": 0.0},
    ],
)
def test_nonsense_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        ImageLimits(**bad)  # type: ignore[arg-type]


def test_environment_cannot_redirect_the_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_photo: Image.Image
) -> None:
    """The child runs isolated (-I): PYTHONPATH and the working directory are ignored."""
    (tmp_path / "PIL").mkdir()
    (tmp_path / "PIL" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert os.environ["PYTHONPATH"] == str(tmp_path)
    # A pool of its own: its child starts now, in this environment.
    pool = ImageWorkers(1)
    assert pool.process(encode(small_photo, "JPEG")).full.width == 800
    pool.close()
