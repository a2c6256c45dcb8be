"""Typed settings, read from the environment once at start-up.

Secrets (JWT key, database and S3 credentials) come only from the environment; the
embedded `make run` default generates them into its data folder and passes them in
through the environment like any deployment would.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storage.s3 import S3Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


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


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


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
    db_pool_size: int = 10

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
        return cls(
            database_url=_required(env, "DATABASE_URL"),
            s3=S3Settings(
                endpoint_url=env.get("S3_ENDPOINT_URL") or None,
                access_key_id=_required(env, "S3_ACCESS_KEY_ID"),
                secret_access_key=_required(env, "S3_SECRET_ACCESS_KEY"),
                bucket=env.get("S3_BUCKET") or "sitecheck",
                region=env.get("S3_REGION") or "us-east-1",
                path_style=env.get("S3_PATH_STYLE", "true").lower() != "false",
            ),
            jwt_secret=secret,
            jwt_ttl_s=_int(env, "SITECHECK_JWT_TTL_S", 14 * 3600),
            bootstrap_admin=bootstrap,
            pwa_dist=Path(env.get("SITECHECK_PWA_DIST") or REPO_ROOT / "pwa" / "dist"),
            log_level=env.get("SITECHECK_LOG_LEVEL", "INFO").upper(),
            login_max_failures=_int(env, "SITECHECK_LOGIN_MAX_FAILURES", 5),
            login_window_s=_int(env, "SITECHECK_LOGIN_WINDOW_S", 15 * 60),
            audit_retention_days=retention,
            db_pool_size=_int(env, "SITECHECK_DB_POOL_SIZE", 10),
        )
