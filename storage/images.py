"""The photo pipeline's parent side: `process_image` hands upload bytes to a decoder child.

`process_image` is blocking; async callers run it in a worker thread. It sniffs the
type and walks a JPEG's markers here (storage/image_render.py: `sniff_format`,
`jpeg_refusal`), so a file of another type or of thousands of scans never reaches a
decoder, then sends the bytes to a child (storage/image_child.py), which renders the
stored copy, the thumbnail and the metadata (storage/image_render.py, `render`), and
checks the reply before believing any of it. The types callers use (`ImageLimits`,
`ImageMeta`, the `ImageError` family, `sniff_format`) are defined in image_render and
importable from here.

Time bound and isolation: Pillow and the C decoders under it cannot be interrupted
from Python, and decode time is not bounded by the pixel count alone (each progressive
JPEG scan is another pass, and the cap on them still allows a few dozen; a HEIF grid
can carry thousands of tiles). So all parsing and decoding of upload bytes happens in
child interpreters, `python -I storage/image_child.py --serve`, which the API process
can kill. A child also isolates the API process from decoder crashes (a segfault
becomes `ImageInvalid`, not a dead server).

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

Requests and replies are length-prefixed JSON headers plus raw bytes, never a pickle
(storage/image_child.py). A child exploited through a decoder could see the uploads
that follow on it until it is recycled; that is the price of not paying an interpreter
per photo, and it is bounded by the recycling. A child peaks at about 120 MB for a
48 MP JPEG and 280 MB for a 49 MP PNG, so callers bound concurrency with a few decode
slots (about the number of cores), shared fairly between accounts
(storage/decode_slots.py); the pool keeps that many idle children and starts extra
ones for a burst, which exit after their request.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from storage.child_pool import ChildDied, ChildPool, ChildTimeout
from storage.image_child import SCRIPT as CHILD_SCRIPT
from storage.image_render import (
    MAX_JPEG_SCANS,
    PILLOW_FORMATS,
    SNIFF_BYTES,
    ImageError,
    ImageInvalid,
    ImageLimits,
    ImageMeta,
    ImageTimeout,
    ImageTooLarge,
    jpeg_refusal,
    sniff_format,
)

__all__ = [
    "MAX_JPEG_SCANS",
    "EncodedImage",
    "ImageError",
    "ImageInvalid",
    "ImageLimits",
    "ImageMeta",
    "ImageTimeout",
    "ImageTooLarge",
    "ImageWorkers",
    "ProcessedImage",
    "jpeg_refusal",
    "process_image",
    "sniff_format",
]

logger = logging.getLogger(__name__)

_ERRORS: Final[Mapping[str, type[ImageError]]] = {
    cls.code: cls for cls in (ImageInvalid, ImageTooLarge, ImageTimeout)
}


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


# ------------------------------------------------------------------- the public call

# A child serves this many uploads before it is replaced...
_REQUESTS_PER_CHILD: Final = 200
# ...or fewer, if after a reply it holds more memory than this. Measured resident size
# of an idle child: 40 MB new, then after a 12 MP JPEG 65 MB, HEIC 115 MB, PNG 136 MB
# (it keeps freed memory for the next photo: storage/image_child.py), after a 48 MP PNG
# 243 MB: 12 MP of any kind keeps its child, the rare giant costs one interpreter start
# on the next upload.
_MAX_CHILD_RSS: Final = 160 * 1024 * 1024


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
        argv = [executable or sys.executable, "-I", CHILD_SCRIPT, "--serve"]
        self._pool = ChildPool(argv, size, requests_per_child=requests_per_child, max_rss=max_rss)

    def process(self, data: bytes, limits: ImageLimits = ImageLimits()) -> ProcessedImage:
        """See `process_image`."""
        fmt = sniff_format(data[:SNIFF_BYTES])
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


# ----------------------------------------------------- the child's reply, checked


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
    if value not in PILLOW_FORMATS:
        raise ValueError("unknown source format")
    return str(value)


def _opt_float(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("coordinate is not a number")
    return float(value)
