"""Settings come from the environment and refuse unsafe values loudly."""

from __future__ import annotations

import pytest

from api.config import ConfigError, Settings

BASE = {
    "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:5432/db",
    "S3_ACCESS_KEY_ID": "k",
    "S3_SECRET_ACCESS_KEY": "s",
    "SITECHECK_JWT_SECRET": "x" * 40,
}


def test_defaults() -> None:
    settings = Settings.from_env(BASE)
    assert settings.s3.bucket == "sitecheck"
    assert settings.s3.path_style is True
    assert settings.bootstrap_admin is None
    assert settings.audit_retention_days >= 183
    assert (settings.auth_cache_s, settings.hazard_threads, settings.db_pool_size) == (5, 0, 20)
    tuned = Settings.from_env(
        {**BASE, "SITECHECK_AUTH_CACHE_S": "0", "SITECHECK_HAZARD_THREADS": "1"}
    )
    assert (tuned.auth_cache_s, tuned.hazard_threads) == (0, 1)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SITECHECK_JWT_SECRET": ""}, "SITECHECK_JWT_SECRET is not set"),
        ({"SITECHECK_JWT_SECRET": "short"}, "at least 32"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"SITECHECK_BOOTSTRAP_ADMIN": "nocolon"}, "login:password"),
        ({"SITECHECK_AUDIT_RETENTION_DAYS": "30"}, "6 months"),
        ({"SITECHECK_JWT_TTL_S": "soon"}, "integer"),
        ({"SITECHECK_AUTH_CACHE_S": "-1"}, "SITECHECK_AUTH_CACHE_S"),
        ({"SITECHECK_AUTH_CACHE_S": "3600"}, "SITECHECK_AUTH_CACHE_S"),
        ({"SITECHECK_HAZARD_THREADS": "-2"}, "SITECHECK_HAZARD_THREADS"),
    ],
)
def test_bad_settings_name_the_variable(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({**BASE, **override})


def test_bootstrap_admin_parses() -> None:
    settings = Settings.from_env({**BASE, "SITECHECK_BOOTSTRAP_ADMIN": "root:pa:ss"})
    assert settings.bootstrap_admin == ("root", "pa:ss")
