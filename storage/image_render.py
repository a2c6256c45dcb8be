"""The photo pipeline's pixels: hostile upload bytes in, a clean, bounded JPEG and thumbnail out.

Everything here runs in the decoder child (storage/image_child.py, started by
`storage.images.process_image`), except the sniffing, which the parent does before a
child is asked, and the geometry and colour helpers, which inference/face.py shares so
that "fit within a side" and "upright" mean the same in both pipelines. `render`

1. is given the type sniffed from the magic bytes (`sniff_format`; the filename and
   declared type are ignored), which accepts only JPEG, PNG, WebP, HEIF/HEIC and AVIF;
   a JPEG's markers are walked there too, and one with more than `MAX_JPEG_SCANS`
   progressive scans is refused before any decoder sees it (`jpeg_refusal`);
2. opens the file lazily and refuses more than `ImageLimits.max_pixels` from the header
   alone, before a single pixel is decoded (Pillow's own bomb check is aligned with it);
3. reads capture time, GPS and orientation from EXIF, tolerating any malformation;
4. decodes, letting libjpeg downscale big JPEGs by 1/2, 1/4 or 1/8 while decoding
   (draft mode); a reduction, or for other sources a whole-number box shrink, that
   lands within 85% of `max_side` is the final size (4000 px becomes 2000), otherwise
   LANCZOS resizes to `max_side` (never upscaling); then flattens alpha onto white,
   converts to sRGB and applies the EXIF orientation;
5. encodes the stored copy and a thumbnail as baseline JPEG with optimised Huffman
   tables and no metadata at all: no EXIF, GPS, XMP, comment or ICC profile.
   Measured on a 2000x1500 photo at quality 65: baseline 7.5 ms / 294 kB, optimised
   13 ms / 277 kB, progressive 31 ms / 274 kB. Progressive's one gain, a coarse
   picture while the rest loads, is already had from the thumbnail the PWA shows
   first, so it is not worth its time.

Colour: an embedded ICC profile that is not sRGB (Display P3 from iPhones, Adobe RGB,
CMYK press profiles) is converted to sRGB with LittleCMS, and the output carries no
profile, so every viewer shows it as sRGB. The conversion runs on the already
downscaled image (tens of milliseconds) and only when such a profile is present;
browser-compressed uploads from the PWA have none.

This module imports only the standard library and Pillow (pillow-heif when a HEIF
arrives): the child loads it, and nothing more, in isolated mode.

Known limit: JPEG and WebP scan data carry no checksum, so garbage in the middle of a
JPEG's compressed data decodes to a smeared band, as in any browser or gallery, rather
than failing. Truncation, broken headers or tables, and any damage to a PNG (whose
chunk CRCs are checked) are refused.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from numbers import Real
from typing import Any, Final, TypeVar

from PIL import ExifTags, Image, ImageCms

_T = TypeVar("_T")


class ImageError(Exception):
    """An upload that cannot become a stored photo; `code` and `status` feed the API."""

    code: str = "image_invalid"
    status: int = 422


class ImageInvalid(ImageError):
    """Not an image, truncated, corrupt, or a type we do not accept."""

    code = "image_invalid"
    status = 422


class ImageTooLarge(ImageError):
    """More pixels than the limit: a decompression bomb, or a panorama we will not hold."""

    code = "image_too_large"
    status = 413


class ImageTimeout(ImageError):
    """The decoder ran past the time limit; the file is treated as hostile."""

    code = "image_timeout"
    status = 422


@dataclass(frozen=True)
class ImageLimits:
    # Covers the 48-50 MP full-resolution modes of current phones (8160x6120); their
    # 108/200 MP modes are refused, and phones save 12 MP binned images by default.
    max_pixels: int = 50_000_000
    max_side: int = 2048
    thumb_side: int = 320
    # A 12 MP photo-like image at 2048 px measured ~430 KB at quality 80 and ~290 KB at
    # 65 (tests/unit/test_images.py builds it).
    quality: int = 65
    thumb_quality: int = 70
    # Wall clock for one upload, from handing it to a child to the end of the reply
    # (a fresh child's interpreter start included, when no idle one was there).
    decode_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if min(self.max_pixels, self.max_side, self.thumb_side) < 1:
            raise ValueError("image limits must be positive")
        if not (1 <= self.quality <= 95 and 1 <= self.thumb_quality <= 95):
            # libjpeg's own advice: above 95 files grow with no visible gain.
            raise ValueError("JPEG quality must be within 1..95")
        if not self.decode_timeout_s > 0:
            raise ValueError("decode_timeout_s must be positive")


@dataclass(frozen=True)
class ImageMeta:
    """What was read from the original before it was stripped.

    `captured_at` is timezone-aware when the camera wrote OffsetTimeOriginal, and naive
    (the camera's local clock, zone unknown) otherwise. `source_width`/`source_height`
    are the original's size as displayed, i.e. after `orientation` is applied.
    """

    captured_at: datetime | None
    lat: float | None
    lon: float | None
    orientation: int
    source_format: str
    source_width: int
    source_height: int


# --------------------------------------------------------------------------- sniffing

_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
# Generic HEIF structural brands: the codec is named by the compatible brands.
_MIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
SNIFF_BYTES: Final = 64


def sniff_format(head: bytes) -> str | None:
    """Name the image type from the magic bytes alone; None for anything we refuse.

    Give it at least the first 32 bytes; an ISO-BMFF (HEIF/AVIF) `ftyp` box is read as
    far as `head` reaches.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 16 and head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        if box_size < 16:
            return None
        major = head[8:12]
        # Bytes 12..16 are the minor version, then 4-byte compatible brands.
        end = min(box_size, len(head))
        compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
        if major in _AVIF_BRANDS:
            return "avif"
        if major in _HEIF_BRANDS:
            return "heif"
        if major in _MIF_BRANDS:
            if compatible & _AVIF_BRANDS:
                return "avif"
            return "heif"
        # Some encoders put a video-ish major brand first and the image brand after.
        if compatible & _AVIF_BRANDS:
            return "avif"
        if compatible & _HEIF_BRANDS:
            return "heif"
    return None


# A progressive JPEG's decode work grows with its scan count, not only its pixels: each
# scan is one more pass over every coefficient block of the components it covers, and a
# scan that codes nothing (one end-of-band run) costs a few bytes. A 180 KB file with
# thousands of such scans keeps libjpeg busy for half a minute, so the scans are counted
# here, from the markers, before any child or decoder sees the file. Encoders write
# few: libjpeg's progressive default is 10 scans for colour (up to 6 per component, 24
# for CMYK), mozjpeg keeps a subset of the 64 it tries, cameras write 1 (baseline).
# 100 is above all of those; measured here, a scan at 48 MP costs about 10 ms, so 100
# scans stay near a second, a tenth of the decode timeout.
MAX_JPEG_SCANS: Final = 100
# Bounds the marker walk itself (markers outside scans, fill and junk included). A real
# file has a few dozen (APPn, DQT, DHT, SOF, DRI, SOS, a DHT per scan); thousands of
# empty ones only make a parser work.
_MAX_JPEG_MARKERS: Final = 4096
# Where a scan's entropy-coded data ends: 0xFF, any fill bytes (0xFF), then a byte that
# is neither a stuffed zero nor a restart marker (RSTn sits inside a scan's data).
_END_OF_SCAN_DATA: Final = re.compile(rb"\xff+[^\x00\xff\xd0-\xd7]")
_PARAMETERLESS: Final = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7
_SOI, _SOS, _EOI = 0xD8, 0xDA, 0xD9


def jpeg_refusal(data: bytes) -> str | None:
    """Why this JPEG is refused before decoding (too many scans or markers); None if not.

    Walks the markers the way libjpeg reads them: segments by their length, a scan's
    data up to the next marker, bytes between segments skipped, and stops at the first
    EOI, so a second image appended after it (a phone's MPF preview or depth map) is not
    counted; an EXIF thumbnail lies inside its APP1 segment and is skipped with it. A
    structure broken in any other way is left to the decoder, which refuses it.
    """
    pos, scans, markers = 2, 0, 0
    end = len(data)
    while pos < end:
        start = data.find(b"\xff", pos)
        if start < 0:
            return None
        pos = start + 1
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        pos += 1
        markers += 1
        if markers > _MAX_JPEG_MARKERS:
            return f"the JPEG has more than {_MAX_JPEG_MARKERS} markers"
        if marker == 0x00 or marker in _PARAMETERLESS:
            continue  # a stuffed zero or a restart between segments: no segment
        if marker in (_EOI, _SOI):
            # The end; a second SOI is an error at which libjpeg stops reading.
            return None
        if pos + 2 > end:
            return None
        # libjpeg skips a length below 2 as if it were 2 (the length bytes only).
        pos += max(2, int.from_bytes(data[pos : pos + 2], "big"))
        if marker == _SOS:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                return (
                    f"the JPEG has more than {MAX_JPEG_SCANS} scans; cameras and encoders "
                    "write a few dozen at most"
                )
            found = _END_OF_SCAN_DATA.search(data, pos)
            if found is None:
                return None
            pos = found.end() - 2  # the marker's 0xFF, read again by the loop
    return None


# ------------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class Jpeg:
    """One JPEG of our own making: the stored copy or its thumbnail."""

    data: bytes
    width: int
    height: int


PILLOW_FORMATS: Final[Mapping[str, str]] = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "heif": "HEIF",
    "avif": "AVIF",
}


_REGISTERED: set[str] = set()


def _register_plugin(fmt: str) -> None:
    """Make HEIF or AVIF openable; only the child ever parses upload bytes."""
    if fmt in _REGISTERED:
        return
    if fmt == "heif":
        import pillow_heif

        # Thumbnails, depth maps and auxiliary images inside a HEIF are never used.
        pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    elif fmt == "avif":
        from PIL import features

        # Pillow >= 11.3 decodes AVIF itself (pillow-heif 1.x dropped AVIF); its plugin
        # registers on import but only works in a build with libavif.
        if not features.check("avif"):
            raise ImageInvalid("AVIF images are not supported on this server")
    _REGISTERED.add(fmt)


def render(data: bytes, fmt: str, limits: ImageLimits) -> tuple[Jpeg, Jpeg, ImageMeta]:
    """The stored copy, its thumbnail and the original's metadata, from upload bytes.

    `fmt` is what `sniff_format` named. Raises `ImageInvalid` or `ImageTooLarge` for a
    file we refuse; Pillow's and the codecs' own exceptions for a corrupt one. Upload
    bytes reach this only inside the decoder child.
    """
    _register_plugin(fmt)
    # Pillow checks the header size in open(), warning above MAX_IMAGE_PIXELS and failing
    # above twice that; with the warning made an error, that check refuses anything over
    # our limit before any decoding. The explicit check in _render_open is a second lock.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[fmt]]) as img:
            return _render_open(img, data, fmt, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"more than {limits.max_pixels} pixels") from exc


def _render_open(
    img: Image.Image, data: bytes, fmt: str, limits: ImageLimits
) -> tuple[Jpeg, Jpeg, ImageMeta]:
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageInvalid("image has no pixels")
    if width * height > limits.max_pixels:
        raise ImageTooLarge(f"{width}x{height} is more than {limits.max_pixels} pixels")

    if fmt == "png":
        # Pillow stops inflating once it has every row, so damage inside the compressed
        # data can decode "fine"; verify() checks every chunk's CRC without decoding.
        with Image.open(io.BytesIO(data), formats=["PNG"]) as probe:
            probe.verify()

    target = fit(width, height, limits.max_side)
    if fmt == "jpeg" and target != (width, height):
        # libjpeg skips DCT coefficients to decode at 1/2, 1/4 or 1/8 scale. When one of
        # those lands just under the limit (a 4000 or 4032 px phone photo at 1/2, a
        # 50 MP one at 1/4), it is the result: no resampling pass at all. Otherwise draft
        # never goes below `target` and LANCZOS does the final step. It works in stored
        # (unrotated) coordinates, as does everything up to the transpose.
        reduced = draft_size(width, height, limits.max_side)
        img.draft("RGB", reduced or target)
        if reduced is not None and img.size == reduced:
            target = reduced
    img.load()

    # Only after load(): Pillow's PNG reader decodes to look for EXIF stored after the
    # pixels, and a failure swallowed there would let a truncated file through.
    captured_at, lat, lon, exif_orientation = read_exif(img)
    if fmt == "heif":
        # libheif applies the container's rotation/mirror while decoding (its size is
        # already upright), and pillow-heif resets the EXIF tag so it is not applied
        # twice; it keeps the original value for us.
        original = img.info.get("original_orientation")
        orientation = original if isinstance(original, int) and 1 <= original <= 8 else 1
        to_apply = 1
    else:
        orientation = to_apply = exif_orientation
    icc = img.info.get("icc_profile")

    frame = normalise_mode(img)
    if frame.size != target:
        factor = box_factor(frame.width, frame.height, limits.max_side)
        if factor is not None:
            # The same trade as the JPEG draft above, for every other source (HEIC,
            # PNG, WebP): averaging k x k blocks takes 12 ms on 12 MP, LANCZOS 190 ms.
            frame = frame.reduce(factor)
        else:
            frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    frame = to_srgb(frame, icc if isinstance(icc, bytes) else None)
    if to_apply in TRANSPOSE:
        frame = frame.transpose(TRANSPOSE[to_apply])

    thumb_size = fit(frame.width, frame.height, limits.thumb_side)
    # A box shrink (4x4 from 2000 px) to within 1.5x of the size, then LANCZOS: 5 ms of
    # CPU against 11 ms with reducing_gap=3.0, and no visible difference at 320 px.
    thumb = frame.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=1.5)

    upright = (height, width) if to_apply in (5, 6, 7, 8) else (width, height)
    meta = ImageMeta(
        captured_at=captured_at,
        lat=lat,
        lon=lon,
        orientation=orientation,
        source_format=fmt,
        source_width=upright[0],
        source_height=upright[1],
    )
    return encode_jpeg(frame, limits.quality), encode_jpeg(thumb, limits.thumb_quality), meta


# A decoder reduction whose long side is at least this share of the limit is taken as
# the final size (e.g. 2000 or 2016 px for a 2048 limit): the few per cent smaller are
# invisible, a full-resolution decode plus a resampling pass costs about 4x the time.
_DRAFT_ACCEPT = 0.85


def draft_size(width: int, height: int, side: int) -> tuple[int, int] | None:
    """The 1/2, 1/4 or 1/8 JPEG reduction that fits within `side` and is close to it."""
    for scale in (8, 4, 2):
        w, h = -(-width // scale), -(-height // scale)  # libjpeg rounds up
        if _DRAFT_ACCEPT * side <= max(w, h) <= side:
            return w, h
    return None


def box_factor(width: int, height: int, side: int) -> int | None:
    """The whole-number shrink that fits within `side` and is close to it, if any."""
    long_side = max(width, height)
    if long_side <= side:
        return None
    factor = -(-long_side // side)  # the smallest k with ceil(long_side / k) <= side
    # Image.reduce, like libjpeg, keeps a last partial block: it rounds up.
    return factor if -(-long_side // factor) >= _DRAFT_ACCEPT * side else None


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """Scale so the long side is at most `side`, keeping the aspect; never enlarge."""
    long_side = max(width, height)
    if long_side <= side:
        return width, height
    scale = side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


# The same table as ImageOps.exif_transpose, applied after the resize so the transpose
# touches the small image rather than the full-resolution one.
TRANSPOSE: Final[Mapping[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def normalise_mode(img: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB, RGBA or CMYK, which resize handles well."""
    mode = img.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return img
    if mode in ("P", "PA"):
        # A palette may carry transparency; RGBA keeps it for the flatten step.
        return img.convert("RGBA")
    if mode == "1":
        return img.convert("L")
    if mode == "I" or mode.startswith("I;16"):
        # 16-bit grey: a plain convert would clip everything above 255 to white.
        return img.convert("I").point(lambda v: v / 257).convert("L")
    if "A" in mode or "a" in mode:
        return img.convert("RGBA")
    return img.convert("RGB")


_SRGB_PROFILE: ImageCms.ImageCmsProfile | None = None


def _srgb() -> ImageCms.ImageCmsProfile:
    global _SRGB_PROFILE
    if _SRGB_PROFILE is None:
        _SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB_PROFILE


def to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Flatten alpha onto white and bring colours into sRGB, giving a plain RGB image."""
    if img.mode in ("LA", "RGBA"):
        # White, not black: a transparent PNG of a drawing must stay readable.
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img.convert("RGBA")).convert("RGB")
    if icc and img.mode in ("RGB", "CMYK"):
        converted = _apply_icc(img, icc)
        if converted is not None:
            return converted
    return img if img.mode == "RGB" else img.convert("RGB")


def _apply_icc(img: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the embedded profile; None when it is sRGB already or unusable."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return None
        converted = ImageCms.profileToProfile(
            img,
            source,
            _srgb(),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile (a grey profile on RGB pixels) is common in
        # the wild; the pixels are still worth keeping with a plain conversion.
        return None
    return converted


def encode_jpeg(img: Image.Image, quality: int) -> Jpeg:
    # Pillow re-emits a source JPEG comment from `info`; start from nothing.
    img.info.clear()
    buf = io.BytesIO()
    # Baseline with optimised Huffman tables: see the module docstring for the numbers.
    img.save(buf, format="JPEG", quality=quality, optimize=True, subsampling="4:2:0")
    return Jpeg(buf.getvalue(), img.width, img.height)


# ------------------------------------------------------------------------- EXIF


def read_exif(img: Image.Image) -> tuple[datetime | None, float | None, float | None, int]:
    """Capture time, position and orientation; malformed EXIF yields None, never raises."""
    exif = _guard(img.getexif)
    if exif is None:
        return None, None, None, 1
    orientation = _guard(lambda: _orientation(exif.get(ExifTags.Base.Orientation))) or 1
    captured_at = _guard(lambda: _captured_at(exif.get_ifd(ExifTags.IFD.Exif)))
    position = _guard(lambda: _position(exif.get_ifd(ExifTags.IFD.GPSInfo)))
    lat, lon = position if position is not None else (None, None)
    return captured_at, lat, lon, orientation


def read_orientation(img: Image.Image) -> int:
    """The EXIF orientation (1..8) of an opened image; malformed EXIF reads as upright."""
    return _guard(lambda: _orientation(img.getexif().get(ExifTags.Base.Orientation))) or 1


def _guard(read: Callable[[], _T | None]) -> _T | None:
    # Metadata is a bonus: no malformation in it may cost the worker their photo.
    try:
        return read()
    except Exception:
        return None


def _orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None


_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def _captured_at(ifd: Mapping[int, Any]) -> datetime | None:
    text = _text(ifd.get(ExifTags.Base.DateTimeOriginal))
    if text is None:
        return None
    # The standard says "YYYY:MM:DD HH:MM:SS"; some writers use dashes or a "T".
    normalised = re.sub(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T]", r"\1-\2-\3 ", text)
    when = datetime.strptime(normalised[:19], "%Y-%m-%d %H:%M:%S")
    subsec = _text(ifd.get(ExifTags.Base.SubsecTimeOriginal))
    if subsec is not None and subsec.isdigit():
        when = when.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    offset = _text(ifd.get(ExifTags.Base.OffsetTimeOriginal))
    match = _OFFSET.fullmatch(offset) if offset is not None else None
    if match is not None:
        minutes = int(match[2]) * 60 + int(match[3])
        if minutes <= 14 * 60:
            sign = -1 if match[1] == "-" else 1
            when = when.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    return when


def _position(ifd: Mapping[int, Any]) -> tuple[float, float] | None:
    lat = _coordinate(
        ifd.get(ExifTags.GPS.GPSLatitude), ifd.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90
    )
    lon = _coordinate(
        ifd.get(ExifTags.GPS.GPSLongitude), ifd.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180
    )
    # Half a position is no position.
    if lat is None or lon is None:
        return None
    return lat, lon


def _coordinate(
    value: object, ref: object, positive: str, negative: str, bound: float
) -> float | None:
    hemisphere = (_text(ref) or "").upper()[:1]
    if hemisphere not in (positive, negative):
        # Guessing the hemisphere would put the photo on the wrong continent.
        return None
    parts = tuple(value) if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3 or not all(isinstance(p, Real) for p in parts):
        return None
    # An IFDRational with a zero denominator converts to NaN, refused just below.
    values = [float(p) for p in parts if isinstance(p, Real)]
    if not all(math.isfinite(v) and v >= 0 for v in values):
        return None
    if any(v >= 60 for v in values[1:]):
        return None
    degrees = sum(v / scale for v, scale in zip(values, (1.0, 60.0, 3600.0), strict=False))
    if degrees > bound:
        return None
    return -degrees if hemisphere == negative else degrees
