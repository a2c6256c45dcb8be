"""The decoder child: `python -I storage/image_child.py --serve`, started by storage/images.py.

All parsing and decoding of upload bytes happens here, in a child interpreter the API
process can kill (the parent side, with the reasons, is in storage/images.py). This
loop serves one request at a time: a request is a length-prefixed JSON header (format,
limits, length) plus the raw upload; a reply is a length-prefixed JSON header plus the
raw JPEG bytes of the stored copy and the thumbnail. Never a pickle, so a decoder
exploited into running code here cannot run code in the API process, and the parent
checks every reply before it believes it.

The child runs in isolated mode (-I), so neither the environment nor the working
directory can change what it imports: it loads this file, storage/image_render.py and
Pillow, and never the pool or anything of the API. A CPU-time rlimit, re-armed per
request, stops a child whose parent died before it could kill it; core files are off;
the child exits when its stdin closes, which is how the parent retires it and what
happens when the parent dies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Final

if __name__ == "__main__":  # pragma: no cover - the child's own start
    # Isolated mode leaves the working directory and this script's folder off sys.path.
    # The project root is put back, fixed by where this file lies and after the standard
    # library and site-packages, so it adds `storage` and can shadow nothing.
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from storage.image_render import (
    ImageError,
    ImageInvalid,
    ImageLimits,
    ImageTooLarge,
    render,
)

# What the parent runs: `python -I SCRIPT --serve`.
SCRIPT: Final = str(Path(__file__).resolve())
# Sanity bound on a request's JSON header, read by the child before anything else.
_MAX_REQUEST_HEADER: Final = 64 * 1024


def serve() -> None:
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
        full, thumb, meta = render(data, fmt, limits)
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


def _frame(header: dict[str, Any], *blobs: bytes) -> bytes:
    head = json.dumps(header).encode()
    return len(head).to_bytes(4, "big") + head + b"".join(blobs)


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        raise SystemExit("usage: python -I storage/image_child.py --serve (process_image runs it)")
    with contextlib.suppress(BrokenPipeError):
        serve()
