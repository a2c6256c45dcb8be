"""What `make run` runs: embedded PostGIS + S3 in a data folder, migrations, the API
and the PWA on one port; Ctrl-C stops everything it started; a second run keeps the data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.config import REPO_ROOT
from infra.local.embedded import EmbeddedPostgres, EmbeddedS3
from infra.local.processes import free_port

pytestmark = pytest.mark.e2e

# The launcher must start its own services, so the suite's own settings are withheld.
_WITHHELD = (
    "DATABASE_URL",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "SITECHECK_JWT_SECRET",
    "SITECHECK_BOOTSTRAP_ADMIN",
)


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in _WITHHELD}
    env |= {
        "SITECHECK_DATA_DIR": str(data_dir),
        "SITECHECK_PORT": str(port),
        "PYTHONPATH": str(REPO_ROOT),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"not healthy in time:\n{log.read_text()[-3000:]}")


def _interrupt(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def _gone(pid: int, wait_s: float = 10.0) -> bool:
    """True once the process has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.2)
    return False


def test_run_serves_everything_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "run.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(data_dir, port, log)
    try:
        _wait_healthy(base, proc, log)
        assert httpx.get(f"{base}/health").json() == {"status": "ok", "db": "ok", "storage": "ok"}
        assert httpx.get(f"{base}/schema").status_code == 200
        spec = httpx.get(f"{base}/schema/openapi.json").json()
        assert "/api/sites" in spec["paths"]
        shell = httpx.get(f"{base}/")
        assert shell.status_code == 200
        assert "<title>SiteCheck" in shell.text

        password = (data_dir / "secrets" / "admin_password").read_text().strip()
        token = httpx.post(
            f"{base}/api/auth/login", json={"login": "admin", "password": password}
        ).json()["access_token"]
        created = httpx.post(
            f"{base}/api/companies",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "name": "Persisted Co",
                "admin": {"login": "persist-admin", "password": "persist-password", "name": "P"},
            },
        )
        assert created.status_code == 201
        pg_pid = EmbeddedPostgres(data_dir).running_pid()
        s3_pid = EmbeddedS3(data_dir).running_pid()
        assert pg_pid
        assert s3_pid
    finally:
        code = _interrupt(proc)
    assert code == 0, log.read_text()[-3000:]
    for pid in (pg_pid, s3_pid):
        assert _gone(pid), f"process {pid} survived Ctrl-C"

    proc = _start(data_dir, port, log)
    try:
        _wait_healthy(base, proc, log)
        again = httpx.post(
            f"{base}/api/auth/login",
            json={"login": "persist-admin", "password": "persist-password"},
        )
        assert again.status_code == 200
    finally:
        assert _interrupt(proc) == 0
