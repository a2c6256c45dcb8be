"""The photo pipeline: hostile upload bytes in, a clean, bounded JPEG and thumbnail out.

`process_image` is blocking; async callers run it in a worker thread. It

1. sniffs the real type from the magic bytes (the filename and declared type are
   ignored) and accepts only JPEG, PNG, WebP, HEIF/HEIC and AVIF; a JPEG's markers are
   walked there too, and one with more than `MAX_JPEG_SCANS` progressive scans is
   refused before any decoder sees it (`jpeg_refusal`);
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

Time bound and isolation: Pillow and the C decoders under it cannot be interrupted
from Python, and decode time is not bounded by the pixel count alone (each progressive
JPEG scan is another pass, and the cap on them still allows a few dozen; a HEIF grid
can carry thousands of tiles). So all parsing and decoding of upload bytes happens in
child interpreters, `python -I storage/images.py --serve`, which the API process can
kill. A child also isolates the API process from
decoder crashes (a segfault becomes `ImageInvalid`, not a dead server).

The children are long-lived (storage/child_pool.py): starting an interpreter and
importing Pillow cost about 70 ms, as much as decoding a 12 MP JPEG at half size. What
keeps each one killable is that it serves one request at a time and belongs to one
caller while it does: the caller writes the request and waits with poll() on the
child's pipes until the reply is complete or `ImageLimits.decode_timeout_s` has
passed. On timeout that one child is SIGKILLed and reaped (`ImageTimeout`); a child
that dies mid-request is reaped and its signal decides the error; either way it is
never handed out again and the next request starts a fresh one. Other children and
their callers are untouched. Children are recycled after a number of requests or when
their memory grows (decoders and malloc keep what the largest file needed), and exit
when their stdin closes, so they never outlive the API process by more than the
request in hand; a CPU-time rlimit, re-armed per request, stops that one if it spins.
Considered and rejected:

- a thread: cannot be stopped, so a hostile file would pin a core for ever;
- concurrent.futures' process pool: a stuck worker cannot be killed without breaking
  the whole pool, and everything crosses as a pickle;
- multiprocessing's fork/forkserver/spawn: fork is unsafe in a threaded server, and
  the other two re-import the caller's `__main__` module in every child;
- a fresh child per photo (the first version): simple, but the interpreter start was
  a third of the time of a typical upload.

The child runs in isolated mode (-I), so neither the environment nor the working
directory can change what it imports, and only this file plus Pillow is loaded.
Requests are a length-prefixed JSON header plus the raw upload; replies a
length-prefixed JSON header plus the raw JPEG bytes; never a pickle, so a decoder
exploited into running code in a child cannot run code in the API process, and every
reply is checked before it is believed. Such a child could see the uploads that follow
on it until it is recycled; that is the price of not paying an interpreter per photo,
and it is bounded by the recycling. A child peaks at about 120 MB for a 48 MP JPEG and
280 MB for a 49 MP PNG, so callers bound concurrency with a few decode slots (about
the number of cores), shared fairly between accounts (storage/decode_slots.py); the
pool keeps that many idle children and starts extra ones for a burst, which exit after
their request.

Known limit: JPEG and WebP scan data carry no checksum, so garbage in the middle of a
JPEG's compressed data decodes to a smeared band, as in any browser or gallery, rather
than failing. Truncation, broken headers or tables, and any damage to a PNG (whose
chunk CRCs are checked) are refused.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from numbers import Real
from pathlib import Path
from typing import Any, Final, TypeVar

from PIL import ExifTags, Image, ImageCms

logger = logging.getLogger(__name__)

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


_ERRORS: Final[Mapping[str, type[ImageError]]] = {
    cls.code: cls for cls in (ImageInvalid, ImageTooLarge, ImageTimeout)
}


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


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class ProcessedImage:
    full: EncodedImage
    thumb: EncodedImage
    meta: ImageMeta


# --------------------------------------------------------------------------- sniffing

_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
# Generic HEIF structural brands: the codec is named by the compatible brands.
_MIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
_SNIFF_BYTES: Final = 64


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


# ------------------------------------------------------------------- the public call

_SCRIPT: Final = str(Path(__file__).resolve())
# A child serves this many uploads before it is replaced...
_REQUESTS_PER_CHILD: Final = 200
# ...or fewer, if after a reply it holds more memory than this. Measured resident size
# of an idle child: 40 MB new, then after a 12 MP JPEG 65 MB, HEIC 115 MB, PNG 136 MB
# (see _keep_freed_memory), after a 48 MP PNG 243 MB: 12 MP of any kind keeps its
# child, the rare giant costs one interpreter start on the next upload.
_MAX_CHILD_RSS: Final = 160 * 1024 * 1024
# Sanity bound on a request's JSON header, read by the child before anything else.
_MAX_REQUEST_HEADER: Final = 64 * 1024


class ImageWorkers:
    """Decoder children for `process_image`: up to `size` kept idle, started on demand.

    `process_image` uses one shared set sized to the cores; tests make their own (with
    `executable` standing in for the interpreter).
    """

    def __init__(
        self,
        size: int,
        *,
        executable: str | None = None,
        requests_per_child: int = _REQUESTS_PER_CHILD,
        max_rss: int = _MAX_CHILD_RSS,
    ) -> None:
        # Imported here, not at the top: a child runs this file isolated (-I), with no
        # project folder on its path, and never needs the pool.
        from storage.child_pool import ChildPool

        argv = [executable or sys.executable, "-I", _SCRIPT, "--serve"]
        self._pool = ChildPool(argv, size, requests_per_child=requests_per_child, max_rss=max_rss)

    def process(self, data: bytes, limits: ImageLimits = ImageLimits()) -> ProcessedImage:
        """See `process_image`."""
        from storage.child_pool import ChildDied, ChildTimeout

        fmt = sniff_format(data[:_SNIFF_BYTES])
        if fmt is None:
            raise ImageInvalid("not a JPEG, PNG, WebP, HEIF or AVIF image")
        refusal = jpeg_refusal(data) if fmt == "jpeg" else None
        if refusal is not None:
            # Before any child: such a file would hold a decode slot until the timeout.
            raise ImageInvalid(refusal)
        deadline = time.monotonic() + limits.decode_timeout_s
        header = json.dumps(
            {"format": fmt, "limits": dataclasses.asdict(limits), "length": len(data)}
        ).encode()
        request = (len(header).to_bytes(4, "big"), header, data)
        try:
            with self._pool.lease() as child:
                reply = child.exchange(request, deadline)
                try:
                    return _parse_reply(reply)
                except ImageError as exc:
                    # A refusal is a proper answer: the child stays in service.
                    refused, stderr = exc, child.stderr
        except ChildTimeout:
            raise ImageTimeout(f"decoding took longer than {limits.decode_timeout_s:g} s") from None
        except ChildDied as died:
            if died.returncode < 0:
                raise _killed(-died.returncode, died.stderr) from None
            raise RuntimeError(
                f"image worker exited with status {died.returncode}: {_tail(died.stderr)}"
            ) from None
        # The decoder's own words (on stderr) are what explains a refused photo later.
        logger.info("image refused (%s): %s", refused.code, _tail(stderr) or refused)
        raise refused

    def idle_pids(self) -> list[int]:
        return self._pool.idle_pids()

    def close(self) -> None:
        self._pool.close()


_workers: ImageWorkers | None = None
_workers_lock = threading.Lock()


def _shared_workers() -> ImageWorkers:
    global _workers
    workers = _workers
    if workers is None:
        with _workers_lock:
            if _workers is None:
                _workers = ImageWorkers(os.cpu_count() or 1)
            workers = _workers
    return workers


def _forget_workers() -> None:
    # In a forked process the children (and the lock's state) belong to the parent: it
    # must neither use nor, at its exit, kill them; it starts its own on first use.
    global _workers, _workers_lock
    _workers, _workers_lock = None, threading.Lock()


def _close_workers() -> None:
    if _workers is not None:
        _workers.close()


os.register_at_fork(after_in_child=_forget_workers)
atexit.register(_close_workers)


def process_image(data: bytes, limits: ImageLimits = ImageLimits()) -> ProcessedImage:
    """Turn upload bytes into the stored JPEG, its thumbnail and the original's metadata.

    Raises `ImageInvalid`, `ImageTooLarge` or `ImageTimeout` for a bad upload. Anything
    else (RuntimeError, OSError) is a fault of this server, not of the file. Safe to call
    from many threads at once; each call has a child to itself.
    """
    return _shared_workers().process(data, limits)


def _killed(signum: int, stderr: bytes) -> ImageError:
    logger.warning("image decoder died by signal %d: %s", signum, _tail(stderr))
    if signum == signal.SIGXCPU:
        return ImageTimeout("decoding used more CPU time than allowed")
    # A decoder that segfaults or aborts on a file has told us the file is malformed.
    return ImageInvalid("the image could not be decoded")


def _tail(stderr: bytes) -> str:
    return stderr[-2000:].decode("utf-8", "replace").strip()


# ------------------------------------------------------------ the child's reply format


def _frame(header: dict[str, Any], *blobs: bytes) -> bytes:
    head = json.dumps(header).encode()
    return len(head).to_bytes(4, "big") + head + b"".join(blobs)


def _parse_reply(out: bytes) -> ProcessedImage:
    """Rebuild the result from the child's reply, trusting none of its structure."""
    try:
        n = int.from_bytes(out[:4], "big")
        header = json.loads(out[4 : 4 + n])
        if not isinstance(header, dict):
            raise TypeError("reply header is not an object")
        if header.get("ok") is not True:
            cls = _ERRORS.get(str(header.get("code")), ImageInvalid)
            raise cls(str(header.get("message", "the image could not be processed")))
        body = out[4 + n :]
        full_len = _int(header["full"], "length")
        thumb_len = _int(header["thumb"], "length")
        if full_len + thumb_len != len(body):
            raise ValueError("reply length does not match its header")
        meta = header["meta"]
        captured = meta["captured_at"]
        return ProcessedImage(
            full=_encoded(body[:full_len], header["full"]),
            thumb=_encoded(body[full_len:], header["thumb"]),
            meta=ImageMeta(
                captured_at=None if captured is None else datetime.fromisoformat(captured),
                lat=_opt_float(meta["lat"]),
                lon=_opt_float(meta["lon"]),
                orientation=_int(meta, "orientation"),
                source_format=_source_format(meta["source_format"]),
                source_width=_int(meta, "source_width"),
                source_height=_int(meta, "source_height"),
            ),
        )
    except ImageError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise RuntimeError(f"malformed reply from the image worker: {exc}") from exc


def _encoded(data: bytes, info: Mapping[str, Any]) -> EncodedImage:
    return EncodedImage(
        data=data,
        content_type="image/jpeg",
        width=_int(info, "width"),
        height=_int(info, "height"),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _int(obj: Mapping[str, Any], key: str) -> int:
    value = obj[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} is not an integer")
    return value


def _source_format(value: object) -> str:
    if value not in _PILLOW_FORMATS:
        raise ValueError("unknown source format")
    return str(value)


def _opt_float(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("coordinate is not a number")
    return float(value)


# ------------------------------------------------------------------------ the child


def _serve() -> None:
    """A child's main loop: one request at a time from stdin, each reply to stdout.

    Returns when stdin closes, which is how the parent retires a child, and also what
    happens when the parent dies.
    """
    import resource

    # Keep the reply channel private: anything a C library prints goes to stderr.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    # No core files from decoders that crash on hostile input.
    _lower_soft_limit(resource.RLIMIT_CORE, 0)
    _keep_freed_memory()
    while True:
        head = requests.read(4)
        if not head:
            return
        size = int.from_bytes(_exactly(head, 4), "big")
        if size > _MAX_REQUEST_HEADER:
            raise SystemExit("request header too long")
        params = json.loads(_exactly(requests.read(size), size))
        length = int(params["length"])
        data = _exactly(requests.read(length), length)
        limits = ImageLimits(**params["limits"])
        _arm_cpu_limit(limits)
        out = _answer(data, str(params["format"]), limits)
        replies.write(len(out).to_bytes(4, "big") + out)
        replies.flush()


def _keep_freed_memory() -> None:
    """Keep memory a request freed for the next one instead of handing it back.

    Faulting fresh pages in for every photo is pure overhead: measured on a 12 MP
    JPEG, Pillow's image blocks cost 17 ms of CPU per photo (of 78) and libjpeg's and
    the request's buffers another 7 ms of kernel time (3,400 page faults). An idle
    child then holds about 70 MB instead of 40 MB; recycling by RSS bounds it.
    """
    from PIL import _imaging  # what PIL.Image calls `core`: Pillow's block allocator

    # Up to four 16 MB blocks (a 12 MP photo uses three) stay cached between images.
    _imaging.set_blocks_max(4)
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: keep the defaults
        return
    # glibc: serve allocations up to 32 MB from the heap rather than fresh mmaps, and
    # give the heap's free top back to the kernel only past 64 MB.
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)


_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3


def _exactly(chunk: bytes, size: int) -> bytes:
    if len(chunk) != size:
        # The parent never sends part of a request; it died while sending.
        raise SystemExit("request cut short")
    return chunk


def _lower_soft_limit(kind: int, soft: int) -> None:
    import resource

    # Only ever lowered, so a container's own limits cannot make this fail.
    current, hard = resource.getrlimit(kind)
    if current == resource.RLIM_INFINITY or current > soft:
        resource.setrlimit(kind, (soft, hard))


def _arm_cpu_limit(limits: ImageLimits) -> None:
    """Allow this request the wall-clock budget on every core, counted from now.

    A backstop for a child whose parent died before it could kill it: the kernel sends
    SIGXCPU once the soft limit passes. The parent, if alive, kills sooner. The soft
    limit moves up per request (up to the hard limit, which is not ours to change).
    """
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    budget = limits.decode_timeout_s * (os.cpu_count() or 1) + 1
    soft = math.ceil(usage.ru_utime + usage.ru_stime + budget)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _answer(data: bytes, fmt: str, limits: ImageLimits) -> bytes:
    """The reply frame for one upload: the result, or the refusal with its code."""
    try:
        full, thumb, meta = _render(data, fmt, limits)
    except ImageError as exc:
        return _frame({"ok": False, "code": exc.code, "message": str(exc)})
    except MemoryError:
        return _frame({"ok": False, "code": ImageTooLarge.code, "message": "image too large"})
    except Exception as exc:
        # Pillow and the codecs signal bad input with a zoo of exception types
        # (OSError, SyntaxError, ValueError, EOFError, struct.error, ...).
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return _frame(
            {
                "ok": False,
                "code": ImageInvalid.code,
                "message": f"truncated, corrupt or unsupported {fmt} image",
            }
        )
    return _frame(
        {
            "ok": True,
            "full": {"width": full.width, "height": full.height, "length": len(full.data)},
            "thumb": {"width": thumb.width, "height": thumb.height, "length": len(thumb.data)},
            "meta": {
                **dataclasses.asdict(meta),
                "captured_at": None if meta.captured_at is None else meta.captured_at.isoformat(),
            },
        },
        full.data,
        thumb.data,
    )


@dataclass(frozen=True)
class _Jpeg:
    data: bytes
    width: int
    height: int


_PILLOW_FORMATS: Final[Mapping[str, str]] = {
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


def _render(data: bytes, fmt: str, limits: ImageLimits) -> tuple[_Jpeg, _Jpeg, ImageMeta]:
    _register_plugin(fmt)
    # Pillow checks the header size in open(), warning above MAX_IMAGE_PIXELS and failing
    # above twice that; with the warning made an error, that check refuses anything over
    # our limit before any decoding. The explicit check in _render_open is a second lock.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[fmt]]) as img:
            return _render_open(img, data, fmt, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"more than {limits.max_pixels} pixels") from exc


def _render_open(
    img: Image.Image, data: bytes, fmt: str, limits: ImageLimits
) -> tuple[_Jpeg, _Jpeg, ImageMeta]:
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

    target = _fit(width, height, limits.max_side)
    if fmt == "jpeg" and target != (width, height):
        # libjpeg skips DCT coefficients to decode at 1/2, 1/4 or 1/8 scale. When one of
        # those lands just under the limit (a 4000 or 4032 px phone photo at 1/2, a
        # 50 MP one at 1/4), it is the result: no resampling pass at all. Otherwise draft
        # never goes below `target` and LANCZOS does the final step. It works in stored
        # (unrotated) coordinates, as does everything up to the transpose.
        reduced = _draft_size(width, height, limits.max_side)
        img.draft("RGB", reduced or target)
        if reduced is not None and img.size == reduced:
            target = reduced
    img.load()

    # Only after load(): Pillow's PNG reader decodes to look for EXIF stored after the
    # pixels, and a failure swallowed there would let a truncated file through.
    captured_at, lat, lon, exif_orientation = _read_exif(img)
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

    frame = _normalise_mode(img)
    if frame.size != target:
        factor = _box_factor(frame.width, frame.height, limits.max_side)
        if factor is not None:
            # The same trade as the JPEG draft above, for every other source (HEIC,
            # PNG, WebP): averaging k x k blocks takes 12 ms on 12 MP, LANCZOS 190 ms.
            frame = frame.reduce(factor)
        else:
            frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    frame = _to_srgb(frame, icc if isinstance(icc, bytes) else None)
    if to_apply in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[to_apply])

    thumb_size = _fit(frame.width, frame.height, limits.thumb_side)
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
    return _encode_jpeg(frame, limits.quality), _encode_jpeg(thumb, limits.thumb_quality), meta


# A decoder reduction whose long side is at least this share of the limit is taken as
# the final size (e.g. 2000 or 2016 px for a 2048 limit): the few per cent smaller are
# invisible, a full-resolution decode plus a resampling pass costs about 4x the time.
_DRAFT_ACCEPT = 0.85


def _draft_size(width: int, height: int, side: int) -> tuple[int, int] | None:
    """The 1/2, 1/4 or 1/8 JPEG reduction that fits within `side` and is close to it."""
    for scale in (8, 4, 2):
        w, h = -(-width // scale), -(-height // scale)  # libjpeg rounds up
        if _DRAFT_ACCEPT * side <= max(w, h) <= side:
            return w, h
    return None


def _box_factor(width: int, height: int, side: int) -> int | None:
    """The whole-number shrink that fits within `side` and is close to it, if any."""
    long_side = max(width, height)
    if long_side <= side:
        return None
    factor = -(-long_side // side)  # the smallest k with ceil(long_side / k) <= side
    # Image.reduce, like libjpeg, keeps a last partial block: it rounds up.
    return factor if -(-long_side // factor) >= _DRAFT_ACCEPT * side else None


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    """Scale so the long side is at most `side`, keeping the aspect; never enlarge."""
    long_side = max(width, height)
    if long_side <= side:
        return width, height
    scale = side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


# The same table as ImageOps.exif_transpose, applied after the resize so the transpose
# touches the small image rather than the full-resolution one.
_TRANSPOSE: Final[Mapping[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _normalise_mode(img: Image.Image) -> Image.Image:
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


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
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


def _encode_jpeg(img: Image.Image, quality: int) -> _Jpeg:
    # Pillow re-emits a source JPEG comment from `info`; start from nothing.
    img.info.clear()
    buf = io.BytesIO()
    # Baseline with optimised Huffman tables: see the module docstring for the numbers.
    img.save(buf, format="JPEG", quality=quality, optimize=True, subsampling="4:2:0")
    return _Jpeg(buf.getvalue(), img.width, img.height)


# ------------------------------------------------------------------------- EXIF


def _read_exif(img: Image.Image) -> tuple[datetime | None, float | None, float | None, int]:
    """Capture time, position and orientation; malformed EXIF yields None, never raises."""
    exif = _guard(img.getexif)
    if exif is None:
        return None, None, None, 1
    orientation = _guard(lambda: _orientation(exif.get(ExifTags.Base.Orientation))) or 1
    captured_at = _guard(lambda: _captured_at(exif.get_ifd(ExifTags.IFD.Exif)))
    position = _guard(lambda: _position(exif.get_ifd(ExifTags.IFD.GPSInfo)))
    lat, lon = position if position is not None else (None, None)
    return captured_at, lat, lon, orientation


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


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        raise SystemExit("usage: python -I storage/images.py --serve (process_image starts it)")
    with contextlib.suppress(BrokenPipeError):
        _serve()
