"""Typed settings, read from the environment once at start-up.

Secrets (JWT key, database and S3 credentials) come only from the environment; the
embedded `make run` default generates them into its data folder and passes them in
through the environment like any deployment would.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.s3 import S3Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
# The largest SITECHECK_MAX_UPLOAD_MB may be; upload routes are declared with it
# (api/lib/uploads.py) before the configured cap is known.
MAX_UPLOAD_MB_LIMIT = 200


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number")
    return value


def _face_key(env: Mapping[str, str]) -> bytes | None:
    """SITECHECK_FACE_KEY: the AES-256-GCM key for face templates, 32 bytes written as
    64 hex digits or base64 (standard or URL-safe). Unset: face enrolment and checks
    answer 503 `face_key_missing` and everything else works."""
    raw = env.get("SITECHECK_FACE_KEY", "").strip()
    if not raw:
        return None
    key: bytes | None = None
    if len(raw) == 64:
        with contextlib.suppress(ValueError):
            key = bytes.fromhex(raw)
    if key is None:
        with contextlib.suppress(binascii.Error, ValueError):
            key = base64.b64decode(raw.replace("-", "+").replace("_", "/"), validate=True)
    if key is None or len(key) != 32:
        raise ConfigError("SITECHECK_FACE_KEY must be 32 bytes as 64 hex digits or base64")
    return key


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in ("0", "1", "false", "true", "no", "yes"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw in ("1", "true", "yes")


def _photo_settings(env: Mapping[str, str]) -> dict[str, Any]:
    upload_mb = _int(env, "SITECHECK_MAX_UPLOAD_MB", 25)
    if not 1 <= upload_mb <= MAX_UPLOAD_MB_LIMIT:
        raise ConfigError(f"SITECHECK_MAX_UPLOAD_MB must be within 1..{MAX_UPLOAD_MB_LIMIT}")
    presign = _int(env, "SITECHECK_PRESIGN_TTL_S", 300)
    if not 10 <= presign <= 7 * 24 * 3600:
        raise ConfigError("SITECHECK_PRESIGN_TTL_S must be within 10..604800")
    hazard_threads = _int(env, "SITECHECK_HAZARD_THREADS", 0)
    if not 0 <= hazard_threads <= 64:
        raise ConfigError("SITECHECK_HAZARD_THREADS must be within 0..64 (0: all cores)")
    workers = _int(env, "SITECHECK_IMAGE_WORKERS", os.cpu_count() or 1)
    if not 1 <= workers <= 64:
        raise ConfigError("SITECHECK_IMAGE_WORKERS must be within 1..64")
    return {
        **_hazard_model(env),
        "max_upload_bytes": upload_mb * 1024 * 1024,
        "presign_ttl_s": presign,
        "image_workers": workers,
        "worker_inprocess": _bool(env, "SITECHECK_INPROCESS_WORKER", False),
        "hazard_threads": hazard_threads,
    }


def _hazard_model(env: Mapping[str, str]) -> dict[str, Path | None]:
    # A deployment's own model comes with its own policy (classes, thresholds, sha256 pin):
    # one without the other would run a model under rules written for another.
    model = env.get("SITECHECK_HAZARD_MODEL", "").strip()
    policy = env.get("SITECHECK_HAZARD_POLICY", "").strip()
    if bool(model) != bool(policy):
        raise ConfigError("set SITECHECK_HAZARD_MODEL and SITECHECK_HAZARD_POLICY together")
    if not model:
        return {"hazard_model_path": None, "hazard_policy_path": None}
    for name, value in (("SITECHECK_HAZARD_MODEL", model), ("SITECHECK_HAZARD_POLICY", policy)):
        if not Path(value).is_file():
            raise ConfigError(f"{name}: {value} is not a file")
    return {"hazard_model_path": Path(model), "hazard_policy_path": Path(policy)}


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _attendance_settings(env: Mapping[str, str]) -> dict[str, Any]:
    retention = _int(env, "SITECHECK_SELFIE_RETENTION_DAYS", 30)
    if not 1 <= retention <= 3650:
        raise ConfigError("SITECHECK_SELFIE_RETENTION_DAYS must be within 1..3650")
    grace = _int(env, "SITECHECK_LATE_GRACE_MIN", 10)
    if not 0 <= grace <= 240:
        raise ConfigError("SITECHECK_LATE_GRACE_MIN must be within 0..240")
    raw_days = env.get("SITECHECK_WORKING_DAYS", "") or "1,2,3,4,5,6"
    try:
        days = tuple(sorted({int(d) for d in raw_days.split(",") if d.strip()}))
    except ValueError as exc:
        raise ConfigError("SITECHECK_WORKING_DAYS must list ISO weekdays like 1,2,3,4,5") from exc
    if not days or not all(1 <= d <= 7 for d in days):
        raise ConfigError("SITECHECK_WORKING_DAYS must list ISO weekdays 1 (Mon) .. 7 (Sun)")
    absence = _int(env, "SITECHECK_ABSENCE_ALERT_DAYS", 3)
    if not 1 <= absence <= 60:
        raise ConfigError("SITECHECK_ABSENCE_ALERT_DAYS must be within 1..60")
    allow_private = env.get("SITECHECK_WEBHOOK_ALLOW_PRIVATE", "").strip().lower()
    if allow_private not in ("", "0", "1", "false", "true"):
        raise ConfigError("SITECHECK_WEBHOOK_ALLOW_PRIVATE must be true or false")
    return {
        "selfie_retention_days": retention,
        "late_grace_min": grace,
        "working_days": days,
        "absence_alert_days": absence,
        "webhook_allow_private": allow_private in ("1", "true"),
    }


def _observability_settings(env: Mapping[str, str]) -> dict[str, Any]:
    token = env.get("SITECHECK_METRICS_TOKEN", "").strip()
    if token and len(token) < 16:
        raise ConfigError("SITECHECK_METRICS_TOKEN must be at least 16 characters")
    port = _int(env, "SITECHECK_WORKER_HTTP_PORT", 9101)
    if not 0 <= port <= 65535:
        raise ConfigError("SITECHECK_WORKER_HTTP_PORT must be within 0..65535 (0: off)")
    host = env.get("SITECHECK_WORKER_HTTP_HOST", "").strip() or "127.0.0.1"
    return {"metrics_token": token or None, "worker_http_port": port, "worker_http_host": host}


def _web_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """SITECHECK_CORS_ORIGINS (exact origins, comma-separated; empty: no CORS at all, the
    PWA is served from the API's own origin) and SITECHECK_HSTS."""
    origins: list[str] = []
    for raw in env.get("SITECHECK_CORS_ORIGINS", "").split(","):
        origin = raw.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        # Exact origins only: a wildcard or a path would be a looser policy than it reads.
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or "*" in origin
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username is not None
        ):
            raise ConfigError(
                f"SITECHECK_CORS_ORIGINS takes exact origins like https://app.example.com, "
                f"got {raw.strip()!r}"
            )
        origins.append(origin)
    return {"cors_origins": tuple(origins), "hsts": _bool(env, "SITECHECK_HSTS", False)}


def _public_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("SITECHECK_PUBLIC_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"SITECHECK_PUBLIC_URL must look like https://host[/path], got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    database_url: str
    s3: S3Settings
    jwt_secret: str
    # A worker logs in at the start of a shift and must not be logged out mid-shift
    # on a site with no signal.
    jwt_ttl_s: int = 14 * 3600
    bootstrap_admin: tuple[str, str] | None = None
    pwa_dist: Path = field(default_factory=lambda: REPO_ROOT / "pwa" / "dist")
    log_level: str = "INFO"
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    # Labour and safety disputes surface months later; the brief asks for >= 6 months.
    audit_retention_days: int = 400
    db_pool_size: int = 20
    # Cores one hazard inference uses (0: all this process may use). Fewer threads per
    # photo and several photos at once (cores // threads) give more photos per minute
    # to a worker with a backlog; all cores on one photo give the quickest single flag.
    hazard_threads: int = 0
    # A drop-in hazard model and its policy file (both or neither); None: the shipped one.
    hazard_model_path: Path | None = None
    hazard_policy_path: Path | None = None
    # How long a request may trust the user/company rows read by an earlier one (seconds;
    # changes made through this replica apply at once). 0 reads them on every request.
    auth_cache_s: int = 5
    # Photos. 25 MB holds any phone's full-resolution JPEG or HEIC; the PWA sends ~200 KB.
    max_upload_bytes: int = 25 * 1024 * 1024
    # Presigned photo links: long enough to load on one bar of signal, short enough that
    # a forwarded link is soon useless.
    presign_ttl_s: int = 300
    # Image decodes at once (each a child process using one core at full speed).
    image_workers: int = 2
    # Run background jobs inside the API process (`make run`); production runs
    # `python -m api.jobs.worker` processes instead.
    worker_inprocess: bool = False
    # Attendance. Selfies are personal data, kept only while a dispute about a punch is
    # still likely; a periodic job deletes them afterwards.
    selfie_retention_days: int = 30
    # Minutes after a site's shift start before an arrival counts as late.
    late_grace_min: int = 10
    # ISO weekdays (1 = Monday) on which crews are expected on site.
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    # Consecutive working days without a punch that raise `attendance.absent`.
    absence_alert_days: int = 3
    # Webhooks to loopback, private or link-local addresses only when set (an on-premise
    # receiver): otherwise a webhook URL would let an admin probe the internal network.
    webhook_allow_private: bool = False
    # Face templates: see _face_key. None turns face features off (503), nothing else.
    face_key: bytes | None = field(default=None, repr=False)
    # Largest Euclidean distance between dlib encodings accepted as the same person.
    # Measured on ../shared/data/faces with inference/face.py (640 px, HOG): obama2 and
    # obama3 vs obama 0.32-0.39 (0.33-0.36 on the full-size originals), obama vs biden
    # 0.85-0.86. dlib's own suggestion is 0.6 (99.38% on LFW); 0.5 keeps a 0.11 margin
    # above the same-person pairs and makes a look-alike colleague (the buddy punch this
    # check exists for) less likely to pass. A false reject sends the punch to review;
    # nothing is lost.
    face_match_threshold: float = 0.5
    # Samples per worker: a few angles and lighting conditions; more adds little.
    face_max_samples: int = 5
    # The PWA's public address, printed into QR labels as `<public_url>/s/<code>`; unset,
    # labels carry the address the request came in on.
    public_url: str | None = None
    # Browser origins other than the API's own allowed to call it (CORS); empty: none.
    cors_origins: tuple[str, ...] = ()
    # Served over https only (TLS ends at a proxy): every response carries HSTS.
    hsts: bool = False
    # /metrics (API and worker) needs `Authorization: Bearer <token>` when set; unset,
    # it answers only loopback peers on a loopback address (`make run`), 401 otherwise.
    metrics_token: str | None = field(default=None, repr=False)
    # The worker's /metrics and health endpoints (0: none). Loopback by default;
    # containers set the host to 0.0.0.0 so the orchestrator can probe them.
    worker_http_port: int = 9101
    worker_http_host: str = "127.0.0.1"
    # Seconds without a heartbeat before a worker counts as dead and its running jobs go
    # back to the queue (a worker killed mid-inference). Heartbeats every third of it;
    # 30 s rides out a long GC pause or a busy node without running a job twice.
    job_stalled_s: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        secret = _required(env, "SITECHECK_JWT_SECRET")
        if len(secret) < 32:
            raise ConfigError("SITECHECK_JWT_SECRET must be at least 32 characters")
        bootstrap = None
        if raw := env.get("SITECHECK_BOOTSTRAP_ADMIN"):
            login, sep, password = raw.partition(":")
            if not sep or not login or not password:
                raise ConfigError("SITECHECK_BOOTSTRAP_ADMIN must look like login:password")
            bootstrap = (login, password)
        retention = _int(env, "SITECHECK_AUDIT_RETENTION_DAYS", 400)
        if retention < 183:
            raise ConfigError("SITECHECK_AUDIT_RETENTION_DAYS must be at least 183 (6 months)")
        threshold = _float(env, "SITECHECK_FACE_MATCH_THRESHOLD", 0.5)
        if not 0.2 <= threshold <= 1.0:
            raise ConfigError("SITECHECK_FACE_MATCH_THRESHOLD must be within 0.2..1.0")
        max_samples = _int(env, "SITECHECK_FACE_MAX_SAMPLES", 5)
        if not 1 <= max_samples <= 20:
            raise ConfigError("SITECHECK_FACE_MAX_SAMPLES must be within 1..20")
        auth_cache_s = _int(env, "SITECHECK_AUTH_CACHE_S", 5)
        job_stalled_s = _int(env, "SITECHECK_JOB_STALLED_S", 30)
        if not 3 <= job_stalled_s <= 3600:
            raise ConfigError("SITECHECK_JOB_STALLED_S must be within 3..3600")
        if not 0 <= auth_cache_s <= 300:
            raise ConfigError("SITECHECK_AUTH_CACHE_S must be within 0..300")
        return cls(
            database_url=_required(env, "DATABASE_URL"),
            s3=S3Settings(
                endpoint_url=env.get("S3_ENDPOINT_URL") or None,
                access_key_id=_required(env, "S3_ACCESS_KEY_ID"),
                secret_access_key=_required(env, "S3_SECRET_ACCESS_KEY"),
                bucket=env.get("S3_BUCKET") or "sitecheck",
                region=env.get("S3_REGION") or "us-east-1",
                path_style=env.get("S3_PATH_STYLE", "true").lower() != "false",
                public_endpoint_url=env.get("S3_PUBLIC_ENDPOINT_URL") or None,
            ),
            jwt_secret=secret,
            jwt_ttl_s=_int(env, "SITECHECK_JWT_TTL_S", 14 * 3600),
            bootstrap_admin=bootstrap,
            pwa_dist=Path(env.get("SITECHECK_PWA_DIST") or REPO_ROOT / "pwa" / "dist"),
            log_level=env.get("SITECHECK_LOG_LEVEL", "INFO").upper(),
            login_max_failures=_int(env, "SITECHECK_LOGIN_MAX_FAILURES", 5),
            login_window_s=_int(env, "SITECHECK_LOGIN_WINDOW_S", 15 * 60),
            audit_retention_days=retention,
            db_pool_size=_int(env, "SITECHECK_DB_POOL_SIZE", 20),
            auth_cache_s=auth_cache_s,
            job_stalled_s=job_stalled_s,
            **_photo_settings(env),
            **_attendance_settings(env),
            face_key=_face_key(env),
            face_match_threshold=threshold,
            face_max_samples=max_samples,
            public_url=_public_url(env),
            **_web_settings(env),
            **_observability_settings(env),
        )
