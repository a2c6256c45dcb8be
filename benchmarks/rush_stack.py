"""The rush's own copy of `make run`'s stack: embedded PostGIS + S3 in a throwaway folder
(infra/local/run.py prepare_environment), the migrations, then ONE API process (uvicorn)
and ONE job worker (`python -m api.jobs.worker`), every port on 127.0.0.1. Everything it
starts is stopped by PID when the block ends, on an error or Ctrl-C too."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.config import REPO_ROOT
from api.db.migrate import upgrade
from infra.local.run import prepare_environment

# The rush always runs against services of its own: settings that would point it (or the
# app it starts) at another database, store or key are dropped from what it passes on.
FOREIGN = (
    "DATABASE_URL",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_BUCKET",
    "SITECHECK_JWT_SECRET",
    "SITECHECK_FACE_KEY",
    "SITECHECK_BOOTSTRAP_ADMIN",
    "SITECHECK_DATA_DIR",
)


@dataclass(frozen=True)
class Stack:
    base_url: str
    env: dict[str, str]
    api_pid: int
    worker_pid: int
    data_dir: Path

    @property
    def admin_login(self) -> tuple[str, str]:
        login, password = self.env["SITECHECK_BOOTSTRAP_ADMIN"].split(":", 1)
        return login, password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        # A session of its own: Ctrl-C in the terminal reaches only the rush, which then
        # stops these in order (API first, so nothing new is queued, then the worker).
        return subprocess.Popen(  # noqa: S603 - fixed argv
            argv,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"API exited during start:\n{tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"API not healthy within {timeout_s:.0f}s:\n{tail(log)}")
        time.sleep(0.2)


@contextlib.contextmanager
def running_stack(*, keep: bool = False, log_level: str = "INFO") -> Iterator[Stack]:
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-rush-"))
    saved = {k: os.environ.pop(k) for k in FOREIGN if k in os.environ}
    try:
        with contextlib.ExitStack() as stack:
            env = prepare_environment(data_dir, stack)
            upgrade(env["DATABASE_URL"])
            port = free_port()
            child_env = {
                **os.environ,
                **env,
                "PYTHONPATH": str(REPO_ROOT),
                "SITECHECK_INPROCESS_WORKER": "0",
                "SITECHECK_LOG_LEVEL": log_level,
                # The worker's own metrics/health port is off: the rush reads the queue
                # from the database, and a fixed port could clash with another run.
                "SITECHECK_WORKER_HTTP_PORT": "0",
            }
            api_log, worker_log = data_dir / "api.log", data_dir / "worker.log"
            # Callbacks run last-in first-out: the API stops first (nothing new is queued),
            # then the worker (its running job finishes), then PostGIS and S3.
            worker = _spawn([sys.executable, "-m", "api.jobs.worker"], child_env, worker_log)
            stack.callback(_stop, worker, 40.0)
            api = _spawn(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "api.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    "--no-access-log",
                ],
                child_env,
                api_log,
            )
            stack.callback(_stop, api, 20.0)
            base_url = f"http://127.0.0.1:{port}"
            started = time.monotonic()
            _wait_healthy(api, base_url, api_log, 120.0)
            print(f"API healthy after {time.monotonic() - started:.1f}s", file=sys.stderr)
            if worker.poll() is not None:
                raise RuntimeError(f"worker exited during start:\n{tail(worker_log)}")
            yield Stack(base_url, child_env, api.pid, worker.pid, data_dir)
            print("stopping the API, the worker, PostGIS and S3 ...", file=sys.stderr)
    finally:
        os.environ.update(saved)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
