"""Typed settings, read from the environment once at start-up.

Secrets (JWT key, database and S3 credentials) come only from the environment; the
embedded `make run` default generates them into its data folder and passes them in
through the environment like any deployment would.

Settings are grouped per concern (`settings.db.pool_size`, `settings.faces.key`). Each
variable is declared once, in `Settings.from_env`, with its name, default and range,
and read by the one parser for its type: every boolean takes the same words, every
number its bounds. All bad values are reported together, each with its variable's
name and what it accepts, and start-up stops.
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
from urllib.parse import urlsplit

from storage.s3 import S3Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
# The largest SITECHECK_MAX_UPLOAD_MB may be; upload routes are declared with it
# (api/lib/uploads.py) before the configured cap is known.
MAX_UPLOAD_MB_LIMIT = 200

# The words every boolean variable accepts (case-insensitive); anything else is refused
# rather than guessed, so a typo cannot turn a safety switch the wrong way.
# Largest Euclidean distance between dlib encodings accepted as the same person.
# Measured on ../shared/data/faces with inference/face.py (640 px, HOG): obama2 and
# obama3 vs obama 0.32-0.39 (0.33-0.36 on the full-size originals), obama vs biden
# 0.85-0.86. dlib's own suggestion is 0.6 (99.38% on LFW); 0.5 keeps a 0.11 margin
# above the same-person pairs and makes a look-alike colleague (the buddy punch this
# check exists for) less likely to pass. A false reject sends the punch to review;
# nothing is lost.
DEFAULT_FACE_MATCH_THRESHOLD = 0.5

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class ConfigError(Exception):
    """Settings are missing or malformed; the message names every bad variable."""


class _Env:
    """The one parser per type. A bad value is recorded (name, what is allowed, what was
    given) and the default stands in, so one start-up reports every mistake at once."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def text(self, name: str, default: str = "") -> str:
        return self._env.get(name, "").strip() or default

    def required(self, name: str) -> str:
        value = self._env.get(name, "")
        if not value:
            self.fail(f"{name} is not set")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name).lower()
        if raw == "":
            return default
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        words = "/".join(TRUE_WORDS) + " or " + "/".join(FALSE_WORDS)
        self.fail(f"{name} must be one of {words}, got {raw!r}")
        return default

    def integer(self, name: str, default: int, lo: int, hi: int | None, note: str = "") -> int:
        """An integer within lo..hi (hi None: no upper bound); `note` says why the range
        or what an end means, e.g. "0: off"."""
        raw = self.text(name)
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.fail(f"{name} must be an integer {_range(lo, hi, note)}, got {raw!r}")
            return default
        if value < lo or (hi is not None and value > hi):
            self.fail(f"{name} must be {_range(lo, hi, note)}, got {value}")
            return default
        return value

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        raw = self.text(name)
        if raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            self.fail(f"{name} must be a number {_range(lo, hi)}, got {raw!r}")
            return default
        if not math.isfinite(value) or not lo <= value <= hi:
            self.fail(f"{name} must be a finite number {_range(lo, hi)}, got {raw!r}")
            return default
        return value


def _range(lo: float, hi: float | None, note: str = "") -> str:
    text = f"at least {lo}" if hi is None else f"within {lo}..{hi}"
    return f"{text} ({note})" if note else text


@dataclass(frozen=True)
class DbSettings:
    url: str = field(repr=False)
    # Connections per API process (no overflow: requests wait for a free one).
    pool_size: int


@dataclass(frozen=True)
class AuthSettings:
    jwt_secret: str = field(repr=False)
    # A worker logs in at the start of a shift and must not be logged out mid-shift
    # on a site with no signal.
    jwt_ttl_s: int
    bootstrap_admin: tuple[str, str] | None = field(repr=False)
    # Failed logins per login name per window before a lock (10x that per client IP).
    login_max_failures: int
    login_window_s: int
    # How long a request may trust the user/company rows read by an earlier one (seconds;
    # changes made through this replica apply at once). 0 reads them on every request.
    cache_s: int


@dataclass(frozen=True)
class AuditSettings:
    # Labour and safety disputes surface months later; the brief asks for >= 6 months.
    retention_days: int


@dataclass(frozen=True)
class UploadSettings:
    # Photos. 25 MB holds any phone's full-resolution JPEG or HEIC; the PWA sends ~200 KB.
    max_bytes: int
    # Presigned photo links: long enough to load on one bar of signal, short enough that
    # a forwarded link is soon useless.
    presign_ttl_s: int
    # Image decodes at once (each a child process using one core at full speed).
    image_workers: int


@dataclass(frozen=True)
class HazardSettings:
    # Cores one hazard inference uses (0: all this process may use). Fewer threads per
    # photo and several photos at once (cores // threads) give more photos per minute
    # to a worker with a backlog; all cores on one photo give the quickest single flag.
    threads: int
    # A drop-in hazard model and its policy file (both or neither); None: the shipped one.
    model_path: Path | None
    policy_path: Path | None


@dataclass(frozen=True)
class FaceSettings:
    # Face templates: see _face_key. None turns face features off (503), nothing else.
    key: bytes | None = field(repr=False)
    # Largest distance between encodings accepted as the same person: see
    # DEFAULT_FACE_MATCH_THRESHOLD.
    match_threshold: float
    # Samples per worker: a few angles and lighting conditions; more adds little.
    max_samples: int


@dataclass(frozen=True)
class AttendanceSettings:
    # Selfies are personal data, kept only while a dispute about a punch is still likely;
    # a periodic job deletes them afterwards.
    selfie_retention_days: int
    # Minutes after a site's shift start before an arrival counts as late.
    late_grace_min: int
    # ISO weekdays (1 = Monday) on which crews are expected on site.
    working_days: tuple[int, ...]
    # Consecutive working days without a punch that raise `attendance.absent`.
    absence_alert_days: int


@dataclass(frozen=True)
class WebhookSettings:
    # Webhooks to loopback, private or link-local addresses only when set (an on-premise
    # receiver): otherwise a webhook URL would let an admin probe the internal network.
    allow_private: bool


@dataclass(frozen=True)
class WebSettings:
    pwa_dist: Path
    # The PWA's public address, printed into QR labels as `<public_url>/s/<code>`; unset,
    # labels carry the address the request came in on.
    public_url: str | None
    # Browser origins other than the API's own allowed to call it (CORS); empty: none.
    cors_origins: tuple[str, ...]
    # Served over https only (TLS ends at a proxy): every response carries HSTS.
    hsts: bool


@dataclass(frozen=True)
class ObservabilitySettings:
    log_level: str
    # /metrics (API and worker) needs `Authorization: Bearer <token>` when set; unset,
    # it answers only loopback peers on a loopback address (`make run`), 401 otherwise.
    metrics_token: str | None = field(repr=False)


@dataclass(frozen=True)
class WorkerSettings:
    # Run background jobs inside the API process (`make run`); production runs
    # `python -m api.jobs.worker` processes instead.
    inprocess: bool
    # Seconds without a heartbeat before a worker counts as dead and its running jobs go
    # back to the queue (a worker killed mid-inference). Heartbeats every third of it;
    # 30 s rides out a long GC pause or a busy node without running a job twice.
    job_stalled_s: int
    # The worker's /metrics and health endpoints (0: none). Loopback by default;
    # containers set the host to 0.0.0.0 so the orchestrator can probe them.
    http_port: int
    http_host: str


@dataclass(frozen=True)
class Settings:
    db: DbSettings
    s3: S3Settings
    auth: AuthSettings
    audit: AuditSettings
    uploads: UploadSettings
    hazards: HazardSettings
    faces: FaceSettings
    attendance: AttendanceSettings
    webhooks: WebhookSettings
    web: WebSettings
    observability: ObservabilitySettings
    worker: WorkerSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every variable, its default and its range, in one place; README's
        configuration table says the same."""
        r = _Env(os.environ if env is None else env)
        settings = cls(
            db=DbSettings(
                url=r.required("DATABASE_URL"),
                # One connection is the least that works; past ~200 per process the
                # database runs out of connections before the process runs out of work
                # (put PgBouncer in front instead).
                pool_size=r.integer("SITECHECK_DB_POOL_SIZE", 20, 1, 200),
            ),
            s3=S3Settings(
                endpoint_url=r.text("S3_ENDPOINT_URL") or None,
                access_key_id=r.required("S3_ACCESS_KEY_ID"),
                secret_access_key=r.required("S3_SECRET_ACCESS_KEY"),
                bucket=r.text("S3_BUCKET", "sitecheck"),
                region=r.text("S3_REGION", "us-east-1"),
                path_style=r.boolean("S3_PATH_STYLE", True),
                public_endpoint_url=r.text("S3_PUBLIC_ENDPOINT_URL") or None,
            ),
            auth=AuthSettings(
                jwt_secret=_jwt_secret(r),
                # 5 minutes at least (shorter logs a phone out between two screens);
                # 7 days at most (a lost phone's token must die within a week).
                jwt_ttl_s=r.integer("SITECHECK_JWT_TTL_S", 14 * 3600, 300, 7 * 24 * 3600),
                bootstrap_admin=_bootstrap_admin(r),
                # At least 1 (0 would lock every login); at most 100 (more is no
                # throttle against guessing).
                login_max_failures=r.integer("SITECHECK_LOGIN_MAX_FAILURES", 5, 1, 100),
                # 10 s at least (shorter forgets failures before a script slows down);
                # a day at most (a longer lock is an outage for a mistyping worker).
                login_window_s=r.integer("SITECHECK_LOGIN_WINDOW_S", 15 * 60, 10, 24 * 3600),
                cache_s=r.integer("SITECHECK_AUTH_CACHE_S", 5, 0, 300, "0: read every request"),
            ),
            audit=AuditSettings(
                retention_days=r.integer(
                    "SITECHECK_AUDIT_RETENTION_DAYS", 400, 183, None, "6 months"
                ),
            ),
            uploads=UploadSettings(
                max_bytes=r.integer("SITECHECK_MAX_UPLOAD_MB", 25, 1, MAX_UPLOAD_MB_LIMIT)
                * 1024
                * 1024,
                presign_ttl_s=r.integer("SITECHECK_PRESIGN_TTL_S", 300, 10, 7 * 24 * 3600),
                image_workers=r.integer("SITECHECK_IMAGE_WORKERS", os.cpu_count() or 1, 1, 64),
            ),
            hazards=_hazards(r),
            faces=FaceSettings(
                key=_face_key(r),
                match_threshold=r.number(
                    "SITECHECK_FACE_MATCH_THRESHOLD", DEFAULT_FACE_MATCH_THRESHOLD, 0.2, 1.0
                ),
                max_samples=r.integer("SITECHECK_FACE_MAX_SAMPLES", 5, 1, 20),
            ),
            attendance=AttendanceSettings(
                selfie_retention_days=r.integer("SITECHECK_SELFIE_RETENTION_DAYS", 30, 1, 3650),
                late_grace_min=r.integer("SITECHECK_LATE_GRACE_MIN", 10, 0, 240),
                working_days=_working_days(r),
                absence_alert_days=r.integer("SITECHECK_ABSENCE_ALERT_DAYS", 3, 1, 60),
            ),
            webhooks=WebhookSettings(
                allow_private=r.boolean("SITECHECK_WEBHOOK_ALLOW_PRIVATE", False),
            ),
            web=WebSettings(
                pwa_dist=Path(r.text("SITECHECK_PWA_DIST") or REPO_ROOT / "pwa" / "dist"),
                public_url=_public_url(r),
                cors_origins=_cors_origins(r),
                hsts=r.boolean("SITECHECK_HSTS", False),
            ),
            observability=ObservabilitySettings(
                log_level=r.text("SITECHECK_LOG_LEVEL", "INFO").upper(),
                metrics_token=_metrics_token(r),
            ),
            worker=WorkerSettings(
                inprocess=r.boolean("SITECHECK_INPROCESS_WORKER", False),
                job_stalled_s=r.integer("SITECHECK_JOB_STALLED_S", 30, 3, 3600),
                http_port=r.integer("SITECHECK_WORKER_HTTP_PORT", 9101, 0, 65535, "0: off"),
                http_host=r.text("SITECHECK_WORKER_HTTP_HOST", "127.0.0.1"),
            ),
        )
        if r.errors:
            raise ConfigError("; ".join(r.errors))
        return settings


def _jwt_secret(r: _Env) -> str:
    secret = r.required("SITECHECK_JWT_SECRET")
    if secret and len(secret) < 32:
        r.fail("SITECHECK_JWT_SECRET must be at least 32 characters")
    return secret


def _bootstrap_admin(r: _Env) -> tuple[str, str] | None:
    raw = r.text("SITECHECK_BOOTSTRAP_ADMIN")
    if not raw:
        return None
    login, sep, password = raw.partition(":")
    if not sep or not login or not password:
        r.fail("SITECHECK_BOOTSTRAP_ADMIN must look like login:password")
        return None
    return (login, password)


def _face_key(r: _Env) -> bytes | None:
    """SITECHECK_FACE_KEY: the AES-256-GCM key for face templates, 32 bytes written as
    64 hex digits or base64 (standard or URL-safe). Unset: face enrolment and checks
    answer 503 `face_key_missing` and everything else works."""
    raw = r.text("SITECHECK_FACE_KEY")
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
        r.fail("SITECHECK_FACE_KEY must be 32 bytes as 64 hex digits or base64")
        return None
    return key


def _hazards(r: _Env) -> HazardSettings:
    threads = r.integer("SITECHECK_HAZARD_THREADS", 0, 0, 64, "0: all cores")
    # A deployment's own model comes with its own policy (classes, thresholds, sha256 pin):
    # one without the other would run a model under rules written for another.
    model = r.text("SITECHECK_HAZARD_MODEL")
    policy = r.text("SITECHECK_HAZARD_POLICY")
    if bool(model) != bool(policy):
        r.fail("set SITECHECK_HAZARD_MODEL and SITECHECK_HAZARD_POLICY together")
        return HazardSettings(threads=threads, model_path=None, policy_path=None)
    if not model:
        return HazardSettings(threads=threads, model_path=None, policy_path=None)
    for name, value in (("SITECHECK_HAZARD_MODEL", model), ("SITECHECK_HAZARD_POLICY", policy)):
        if not Path(value).is_file():
            r.fail(f"{name}: {value} is not a file")
    return HazardSettings(threads=threads, model_path=Path(model), policy_path=Path(policy))


def _working_days(r: _Env) -> tuple[int, ...]:
    default = (1, 2, 3, 4, 5, 6)
    raw = r.text("SITECHECK_WORKING_DAYS")
    if not raw:
        return default
    try:
        days = tuple(sorted({int(d) for d in raw.split(",") if d.strip()}))
    except ValueError:
        r.fail("SITECHECK_WORKING_DAYS must list ISO weekdays like 1,2,3,4,5")
        return default
    if not days or not all(1 <= d <= 7 for d in days):
        r.fail("SITECHECK_WORKING_DAYS must list ISO weekdays 1 (Mon) .. 7 (Sun)")
        return default
    return days


def _metrics_token(r: _Env) -> str | None:
    token = r.text("SITECHECK_METRICS_TOKEN")
    if token and len(token) < 16:
        r.fail("SITECHECK_METRICS_TOKEN must be at least 16 characters")
    return token or None


def _cors_origins(r: _Env) -> tuple[str, ...]:
    """SITECHECK_CORS_ORIGINS: exact origins, comma-separated; empty: no CORS at all, the
    PWA is served from the API's own origin."""
    origins: list[str] = []
    for raw in r.text("SITECHECK_CORS_ORIGINS").split(","):
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
            r.fail(
                f"SITECHECK_CORS_ORIGINS takes exact origins like https://app.example.com, "
                f"got {raw.strip()!r}"
            )
            continue
        origins.append(origin)
    return tuple(origins)


def _public_url(r: _Env) -> str | None:
    raw = r.text("SITECHECK_PUBLIC_URL")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        r.fail(f"SITECHECK_PUBLIC_URL must look like https://host[/path], got {raw!r}")
        return None
    return raw.rstrip("/")
