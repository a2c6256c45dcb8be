"""The fault tests' own stack: PostGIS + S3 in a temporary folder, an API and a worker
process, each of which a test may stop, kill (SIGKILL, by PID) and start again.

Separate from the session's shared services (tests/conftest.py): stopping this
PostgreSQL or this S3 store must not fail anyone else's tests.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from api.config import Settings
from infra.local import processes
from infra.local.embedded import EmbeddedStack
from infra.local.processes import (
    WORKER_COMMAND,
    api_command,
    free_port,
    kill,
    log_tail,
    spawn,
    stop,
    wait_until_ok,
)


class Child:
    """One process of ours (the API or a worker): started, killed and stopped by PID."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        if not self.alive:
            # Appended: a restarted process's log follows the one it replaces.
            self.proc = spawn(self.argv, self.env, self.log, append=True)

    def kill(self) -> None:
        if self.proc is not None:
            kill(self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def tail(self) -> str:
        return log_tail(self.log)


class FaultStack:
    """Services and processes of the fault tests, all on 127.0.0.1."""

    def __init__(self, data_dir: Path, env: Mapping[str, str]) -> None:
        self.data_dir = data_dir
        self.services = EmbeddedStack(data_dir / "services")
        self.extra_env = dict(env)
        self.env: dict[str, str] = {}
        self.child_env: dict[str, str] = {}
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api: Child | None = None
        self.workers: list[Child] = []

    def start_services(self) -> Settings:
        self.env = {**self.services.start(), **self.extra_env}
        child_env = processes.child_env(self.env)
        self.api = Child("api", api_command(self.port), child_env, self.data_dir / "api.log")
        self.child_env = child_env
        return self.settings

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    # -- the API ------------------------------------------------------------------------

    def start_api(self, timeout: float = 90) -> None:
        """Start the API (if not running) and wait until /health says ok."""
        assert self.api is not None
        self.api.start()
        assert self.api.proc is not None
        wait_until_ok(self.api.proc, f"{self.base_url}/health", self.api.log, timeout)

    def kill_api(self) -> None:
        assert self.api is not None
        self.api.kill()

    # -- workers ------------------------------------------------------------------------

    def start_worker(self, **env: str) -> Child:
        """A new `python -m api.jobs.worker` process (each one logs to its own file)."""
        worker = Child(
            f"worker{len(self.workers)}",
            WORKER_COMMAND,
            {**self.child_env, **env},
            self.data_dir / f"worker{len(self.workers)}.log",
        )
        worker.start()
        self.workers.append(worker)
        return worker

    # -- the backing services -----------------------------------------------------------

    def stop_db(self) -> None:
        self.services.postgres.stop()

    def start_db(self) -> None:
        url = self.services.postgres.start()
        # The processes keep the URL they started with: the cluster must come back where
        # it was (embedded.py reuses its port when it is still free).
        if url != self.env["DATABASE_URL"]:
            raise RuntimeError("PostgreSQL came back on another port")

    def stop_s3(self) -> None:
        self.services.s3.stop()

    def start_s3(self) -> None:
        endpoint = self.services.s3.start()
        if endpoint.endpoint_url != self.env["S3_ENDPOINT_URL"]:
            raise RuntimeError("S3 came back on another port")

    def close(self) -> None:
        for child in [*self.workers, self.api]:
            if child is not None:
                child.stop()
        self.services.stop()
