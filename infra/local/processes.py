"""Our own child processes (the API under uvicorn, the job worker) for tests, benchmarks
and checks: started on 127.0.0.1 with their output in a log file, waited for through an
HTTP probe, and stopped by PID, never by name.

The API is started exactly as `make run` serves it (`uvicorn --factory
api.app:create_app`), one process, uvicorn's own access log off (the app writes its
own, with request ids).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]

WORKER_COMMAND = [sys.executable, "-m", "api.jobs.worker"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_command(port: int, factory: str = "api.app:create_app") -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with `env` over it, the checkout importable."""
    return {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}


def spawn(
    argv: list[str],
    env: Mapping[str, str],
    log: Path,
    *,
    append: bool = False,
    own_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start `argv` in the checkout with exactly `env`, stdout and stderr into `log`.
    `own_session` keeps a terminal's Ctrl-C from reaching it, so the caller stops its
    children in the order it chooses."""
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )


def log_tail(log: Path, chars: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def wait_until_ok(
    proc: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float, what: str = "API"
) -> float:
    """Poll `url` until it answers 200; seconds it took. Raises with the log's tail when
    the process exits first or the time runs out."""
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited during start:\n{log_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"{what} not up within {timeout_s:.0f} s:\n{log_tail(log)}")
        time.sleep(0.2)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown handler runs, as in an OOM kill or a lost node."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def stop(proc: subprocess.Popen[bytes], grace_s: float = 15.0) -> None:
    """SIGTERM (running work finishes), then SIGKILL after `grace_s`."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        kill(proc)
