"""Long-lived, killable child processes that each serve one request at a time.

Built for storage/images.py, and knows nothing about images: a request is a list of
byte strings written to a child's stdin, a reply is one length-prefixed frame read from
its stdout (a 4-byte big-endian length, then that many bytes). What the bytes mean is
the caller's business.

Why not concurrent.futures or multiprocessing: a worker stuck in C code must be killed
on its own, at a deadline, without breaking the other workers or the pool, and nothing
may be pickled. Here every child belongs to exactly one caller between `lease()` and
the end of its `with` block; the caller waits with poll() on the child's pipes until the
reply is complete or the deadline passes, and on any failure the child is SIGKILLed and
reaped, and simply not handed out again. The next lease starts a fresh one.

Children are recycled after `requests_per_child` requests, or once their resident
memory after a reply passes `max_rss`, because decoders and malloc keep what they
allocated for the largest file seen so far. At most `size` idle children are kept; a
burst beyond that starts extra children, which exit after their request.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import select
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

# A reply longer than this is not believed: its length prefix is garbage.
MAX_REPLY: Final = 256 * 1024 * 1024
# Kept from a child's stderr per request, for the log.
_STDERR_KEEP: Final = 4096
_CHUNK: Final = 1 << 20
_PIPE_SIZE: Final = 1 << 20


class ChildTimeout(Exception):
    """The deadline passed before the reply was complete; the child has been killed."""


class ChildDied(Exception):
    """The child closed its reply channel before a whole reply: it crashed or exited."""

    def __init__(self, returncode: int, stderr: bytes) -> None:
        super().__init__(f"child exited with status {returncode}")
        # Negative: killed by that signal number, as in subprocess.
        self.returncode = returncode
        self.stderr = stderr


class ChildProtocolError(RuntimeError):
    """The child broke the framing (an absurd length, bytes after its reply)."""


class Child:
    """One child process, used by one caller at a time (see `ChildPool.lease`)."""

    def __init__(self, argv: Sequence[str]) -> None:
        # Fixed argv from our own code, no shell; request bytes only ever go to stdin.
        # close_fds (the default) matters: a child holding another child's stdin would
        # keep that one from ever seeing end-of-file.
        self._proc = subprocess.Popen(  # noqa: S603
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        stdin, stdout, stderr = self._proc.stdin, self._proc.stdout, self._proc.stderr
        if stdin is None or stdout is None or stderr is None:  # pragma: no cover
            raise RuntimeError("Popen gave no pipes")
        self._stdin, self._stdout, self._stderr = stdin.fileno(), stdout.fileno(), stderr.fileno()
        for fd in (self._stdin, self._stdout, self._stderr):
            os.set_blocking(fd, False)
        for fd in (self._stdin, self._stdout):
            # Linux: a 1 MB pipe instead of 64 kB moves a 3 MB photo in three turns of
            # the two processes rather than fifty, each a wake-up that waits for a core
            # on a busy machine. Best effort: the limit is the system's.
            with contextlib.suppress(AttributeError, OSError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self.served = 0
        self.stderr = b""

    @property
    def pid(self) -> int:
        return self._proc.pid

    def usable(self) -> bool:
        """Still running and silent since its last reply (a dead child's stdout hangs up)."""
        if self._proc.poll() is not None:
            return False
        poller = select.poll()
        poller.register(self._stdout, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)

    def rss(self) -> int | None:
        """Resident memory in bytes, from /proc (None where there is no /proc)."""
        try:
            resident = Path(f"/proc/{self.pid}/statm").read_text().split()[1]
        except (OSError, IndexError):
            return None
        return int(resident) * os.sysconf("SC_PAGE_SIZE")

    def exchange(self, request: Sequence[bytes], deadline: float) -> bytes:
        """Write the request, return the reply's payload (without its length prefix).

        Raises ChildTimeout once time.monotonic() passes `deadline`, ChildDied when the
        child goes away first, ChildProtocolError for a broken frame. After any of these
        the child must not be used again (`ChildPool.lease` sees to that).
        """
        self.stderr = b""
        pending = [memoryview(part) for part in request if part]
        poller = select.poll()
        poller.register(self._stdin, select.POLLOUT)
        poller.register(self._stdout, select.POLLIN)
        poller.register(self._stderr, select.POLLIN)
        writing, reply, expected = True, bytearray(), 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildTimeout
            for fd, event in poller.poll(math.ceil(left * 1000)):
                if fd == self._stdin:
                    if event & select.POLLOUT and pending:
                        pending = self._write(pending)
                    if not pending or event & (select.POLLERR | select.POLLHUP):
                        # Sent, or the child stopped reading (it died: its stdout says so).
                        poller.unregister(self._stdin)
                        writing = False
                elif fd == self._stderr:
                    if not self._read_stderr():
                        poller.unregister(self._stderr)
                else:
                    chunk = _read(self._stdout)
                    if chunk == b"":
                        raise ChildDied(self._reap(deadline), self._drain_stderr())
                    reply += chunk or b""
                    if not expected and len(reply) >= 4:
                        expected = 4 + int.from_bytes(reply[:4], "big")
                        if expected > MAX_REPLY:
                            raise ChildProtocolError(f"reply of {expected} bytes announced")
                    if expected and len(reply) >= expected:
                        if len(reply) > expected or writing:
                            raise ChildProtocolError("reply out of step with the request")
                        self._drain_stderr()
                        return bytes(reply[4:])

    def _write(self, pending: list[memoryview]) -> list[memoryview]:
        try:
            sent = os.write(self._stdin, pending[0][:_CHUNK])
        except BlockingIOError:
            return pending
        except BrokenPipeError:
            return []
        rest = pending[0][sent:]
        return ([rest] if rest else []) + pending[1:]

    def _read_stderr(self) -> bool:
        chunk = _read(self._stderr)
        if chunk:
            self.stderr = (self.stderr + chunk)[-_STDERR_KEEP:]
        return chunk != b""

    def _drain_stderr(self) -> bytes:
        with contextlib.suppress(OSError):
            while self._read_stderr() and _readable(self._stderr):
                pass
        return self.stderr

    def _reap(self, deadline: float) -> int:
        """The exit status of a child that closed its stdout; killed if it lingers."""
        try:
            return self._proc.wait(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            # Not kill(): that closes the pipes, and stderr is still to be read.
            self._proc.kill()
            return self._proc.wait()

    def kill(self) -> None:
        """SIGKILL and reap; safe to call on a child that has already exited."""
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _read(fd: int) -> bytes | None:
    """Bytes available on fd; b"" at end of file; None when nothing is there yet."""
    try:
        return os.read(fd, _CHUNK)
    except BlockingIOError:
        return None


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class ChildPool:
    """Idle children of one command line, handed to one caller at a time."""

    def __init__(
        self,
        argv: Sequence[str],
        size: int,
        *,
        requests_per_child: int = 200,
        max_rss: int = 256 * 1024 * 1024,
    ) -> None:
        if size < 1 or requests_per_child < 1 or max_rss < 1:
            raise ValueError("pool size, requests per child and max_rss must be positive")
        self._argv = tuple(argv)
        self._size = size
        self._requests_per_child = requests_per_child
        self._max_rss = max_rss
        self._idle: list[Child] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextlib.contextmanager
    def lease(self) -> Iterator[Child]:
        """An idle child (or a new one) for one request.

        If the block raises anything, the child is killed: after a timeout, a crash or
        a bad reply, or an exception in the caller mid-exchange, its state is unknown.
        """
        child = self._take()
        try:
            yield child
        except BaseException:
            child.kill()
            raise
        self._give_back(child)

    def idle_pids(self) -> list[int]:
        with self._lock:
            return [child.pid for child in self._idle]

    def close(self) -> None:
        """Kill the idle children; children on lease are killed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()

    def _take(self) -> Child:
        stale: list[Child] = []
        found: Child | None = None
        with self._lock:
            if self._closed:
                raise RuntimeError("the child pool is closed")
            while self._idle:
                # The most recently used child: its caches are the warmest.
                candidate = self._idle.pop()
                if candidate.usable():
                    found = candidate
                    break
                stale.append(candidate)
        for child in stale:
            child.kill()
        return found if found is not None else Child(self._argv)

    def _give_back(self, child: Child) -> None:
        child.served += 1
        if child.served < self._requests_per_child:
            rss = child.rss()
            if rss is None or rss <= self._max_rss:
                with self._lock:
                    if not self._closed and len(self._idle) < self._size:
                        self._idle.append(child)
                        return
        # Retired: an idle child holds nothing worth a graceful exit.
        child.kill()
