"""The rush's own copy of `make run`'s stack: embedded PostGIS + S3 in a throwaway folder
(infra/local/run.py prepare_environment), the migrations, then ONE API process (uvicorn)
and ONE job worker (`python -m api.jobs.worker`), every port on 127.0.0.1. Everything it
starts is stopped by PID when the block ends, on an error or Ctrl-C too."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from api.db.migrate import upgrade
from infra.local.processes import (
    WORKER_COMMAND,
    api_command,
    child_env,
    free_port,
    log_tail,
    spawn,
    stop,
    wait_until_ok,
)
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


@contextlib.contextmanager
def running_stack(*, keep: bool = False, log_level: str = "INFO") -> Iterator[Stack]:
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-rush-"))
    saved = {k: os.environ.pop(k) for k in FOREIGN if k in os.environ}
    try:
        with contextlib.ExitStack() as stack:
            env = prepare_environment(data_dir, stack)
            upgrade(env["DATABASE_URL"])
            port = free_port()
            app_env = child_env(
                {
                    **env,
                    "SITECHECK_INPROCESS_WORKER": "0",
                    "SITECHECK_LOG_LEVEL": log_level,
                    # The worker's own metrics/health port is off: the rush reads the
                    # queue from the database, and a fixed port could clash with another.
                    "SITECHECK_WORKER_HTTP_PORT": "0",
                }
            )
            api_log, worker_log = data_dir / "api.log", data_dir / "worker.log"
            # Callbacks run last-in first-out: the API stops first (nothing new is queued),
            # then the worker (its running job finishes), then PostGIS and S3.
            # Their own sessions: Ctrl-C in the terminal reaches only the rush, which then
            # stops them in order.
            worker = spawn(WORKER_COMMAND, app_env, worker_log, own_session=True)
            stack.callback(stop, worker, 40.0)
            api = spawn(api_command(port), app_env, api_log, own_session=True)
            stack.callback(stop, api, 20.0)
            base_url = f"http://127.0.0.1:{port}"
            took = wait_until_ok(api, f"{base_url}/health", api_log, 120.0)
            print(f"API healthy after {took:.1f}s", file=sys.stderr)
            if worker.poll() is not None:
                raise RuntimeError(f"worker exited during start:\n{log_tail(worker_log)}")
            yield Stack(base_url, app_env, api.pid, worker.pid, data_dir)
            print("stopping the API, the worker, PostGIS and S3 ...", file=sys.stderr)
    finally:
        os.environ.update(saved)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
