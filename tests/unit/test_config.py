"""Settings come from the environment and refuse unsafe values loudly: every number within
its declared range, every boolean spelled one of the same words, and a mistake names
the variable and what it accepts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from api.config import FALSE_WORDS, REPO_ROOT, TRUE_WORDS, ConfigError, Settings

BASE = {
    "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:5432/db",
    "S3_ACCESS_KEY_ID": "k",
    "S3_SECRET_ACCESS_KEY": "s",
    "SITECHECK_JWT_SECRET": "x" * 40,
}

MB = 1024 * 1024

# (variable, lowest allowed, highest allowed or None, where it lands in Settings)
BOUNDS: list[tuple[str, float, float | None, Callable[[Settings], float]]] = [
    ("SITECHECK_DB_POOL_SIZE", 1, 200, lambda s: s.db.pool_size),
    ("SITECHECK_JWT_TTL_S", 300, 7 * 24 * 3600, lambda s: s.auth.jwt_ttl_s),
    ("SITECHECK_LOGIN_MAX_FAILURES", 1, 100, lambda s: s.auth.login_max_failures),
    ("SITECHECK_LOGIN_WINDOW_S", 10, 24 * 3600, lambda s: s.auth.login_window_s),
    ("SITECHECK_AUTH_CACHE_S", 0, 300, lambda s: s.auth.cache_s),
    ("SITECHECK_AUDIT_RETENTION_DAYS", 183, None, lambda s: s.audit.retention_days),
    ("SITECHECK_MAX_UPLOAD_MB", 1, 200, lambda s: s.uploads.max_bytes / MB),
    ("SITECHECK_PRESIGN_TTL_S", 10, 7 * 24 * 3600, lambda s: s.uploads.presign_ttl_s),
    ("SITECHECK_IMAGE_WORKERS", 1, 64, lambda s: s.uploads.image_workers),
    ("SITECHECK_HAZARD_THREADS", 0, 64, lambda s: s.hazards.threads),
    ("SITECHECK_FACE_MATCH_THRESHOLD", 0.2, 1.0, lambda s: s.faces.match_threshold),
    ("SITECHECK_FACE_MAX_SAMPLES", 1, 20, lambda s: s.faces.max_samples),
    (
        "SITECHECK_SELFIE_RETENTION_DAYS",
        1,
        3650,
        lambda s: s.attendance.selfie_retention_days,
    ),
    ("SITECHECK_LATE_GRACE_MIN", 0, 240, lambda s: s.attendance.late_grace_min),
    ("SITECHECK_ABSENCE_ALERT_DAYS", 1, 60, lambda s: s.attendance.absence_alert_days),
    ("SITECHECK_JOB_STALLED_S", 3, 3600, lambda s: s.worker.job_stalled_s),
    ("SITECHECK_WORKER_HTTP_PORT", 0, 65535, lambda s: s.worker.http_port),
]

BOOLEANS: list[tuple[str, Callable[[Settings], bool]]] = [
    ("S3_PATH_STYLE", lambda s: s.s3.path_style),
    ("SITECHECK_WEBHOOK_ALLOW_PRIVATE", lambda s: s.webhooks.allow_private),
    ("SITECHECK_HSTS", lambda s: s.web.hsts),
    ("SITECHECK_INPROCESS_WORKER", lambda s: s.worker.inprocess),
]


def _step(value: float) -> float:
    """The smallest step past a bound for the variable's type."""
    return 1 if float(value).is_integer() else 0.01


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def test_defaults() -> None:
    settings = Settings.from_env(BASE)
    assert settings.s3.bucket == "sitecheck"
    assert settings.s3.path_style is True
    assert settings.auth.bootstrap_admin is None
    assert settings.audit.retention_days >= 183
    assert (settings.auth.cache_s, settings.hazards.threads, settings.db.pool_size) == (5, 0, 20)
    assert (settings.auth.jwt_ttl_s, settings.auth.login_max_failures) == (14 * 3600, 5)
    assert settings.auth.login_window_s == 15 * 60
    assert (settings.webhooks.allow_private, settings.web.hsts) == (False, False)
    assert settings.worker.inprocess is False
    tuned = Settings.from_env(
        {**BASE, "SITECHECK_AUTH_CACHE_S": "0", "SITECHECK_HAZARD_THREADS": "1"}
    )
    assert (tuned.auth.cache_s, tuned.hazards.threads) == (0, 1)


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "SITECHECK_BOOTSTRAP_ADMIN": "root:hunter2-hunter2",
            "SITECHECK_FACE_KEY": "ab" * 32,
        }
    )
    shown = repr(settings)
    # (S3Settings is storage's and still shows its secret key: not this module's to change.)
    for secret in ("x" * 40, "hunter2-hunter2", "u:p@127.0.0.1", "ab" * 32):
        assert secret not in shown


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
        ({"SITECHECK_FACE_MATCH_THRESHOLD": "nan"}, "SITECHECK_FACE_MATCH_THRESHOLD"),
        ({"SITECHECK_FACE_MATCH_THRESHOLD": "inf"}, "SITECHECK_FACE_MATCH_THRESHOLD"),
    ],
)
def test_bad_settings_name_the_variable(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({**BASE, **override})


def test_bootstrap_admin_parses() -> None:
    settings = Settings.from_env({**BASE, "SITECHECK_BOOTSTRAP_ADMIN": "root:pa:ss"})
    assert settings.auth.bootstrap_admin == ("root", "pa:ss")


@pytest.mark.parametrize(("name", "lo", "hi", "read"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_both_ends_of_a_range_are_accepted(
    name: str, lo: float, hi: float | None, read: Callable[[Settings], float]
) -> None:
    for value in (lo, hi) if hi is not None else (lo, lo * 10):
        assert read(Settings.from_env({**BASE, name: _text(value)})) == pytest.approx(value)


@pytest.mark.parametrize(("name", "lo", "hi", "read"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_below_the_range_stops_start_up_naming_variable_and_range(
    name: str, lo: float, hi: float | None, read: Callable[[Settings], float]
) -> None:
    below = _text(lo - _step(lo))
    allowed = f"at least {_text(lo)}" if hi is None else f"within {_text(lo)}..{_text(hi)}"
    with pytest.raises(ConfigError, match=rf"^{name} must be[^;]* {re.escape(allowed)}"):
        Settings.from_env({**BASE, name: below})


@pytest.mark.parametrize(
    ("name", "lo", "hi", "read"),
    [b for b in BOUNDS if b[2] is not None],
    ids=[b[0] for b in BOUNDS if b[2] is not None],
)
def test_above_the_range_stops_start_up_naming_variable_and_range(
    name: str, lo: float, hi: float, read: Callable[[Settings], float]
) -> None:
    above = _text(hi + _step(hi))
    allowed = f"within {_text(lo)}..{_text(hi)}"
    with pytest.raises(ConfigError, match=rf"^{name} must be[^;]* {re.escape(allowed)}"):
        Settings.from_env({**BASE, name: above})


def test_the_message_says_the_variable_the_range_and_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**BASE, "SITECHECK_DB_POOL_SIZE": "0"})
    assert str(caught.value) == "SITECHECK_DB_POOL_SIZE must be within 1..200, got 0"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**BASE, "SITECHECK_LOGIN_WINDOW_S": "15m"})
    assert str(caught.value) == (
        "SITECHECK_LOGIN_WINDOW_S must be an integer within 10..86400, got '15m'"
    )


def test_every_bad_variable_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            {
                **BASE,
                "SITECHECK_JWT_SECRET": "",
                "SITECHECK_DB_POOL_SIZE": "500",
                "SITECHECK_JWT_TTL_S": "60",
                "S3_PATH_STYLE": "maybe",
                "SITECHECK_CORS_ORIGINS": "*",
            }
        )
    message = str(caught.value)
    for name in (
        "SITECHECK_JWT_SECRET is not set",
        "SITECHECK_DB_POOL_SIZE must be within 1..200",
        "SITECHECK_JWT_TTL_S must be within 300..604800",
        "S3_PATH_STYLE must be one of",
        "SITECHECK_CORS_ORIGINS",
    ):
        assert name in message


SPELLINGS = [
    (word, expected)
    for words, expected in ((TRUE_WORDS, True), (FALSE_WORDS, False))
    for base in words
    for word in (base, base.upper(), base.capitalize(), f" {base} ")
]


def test_the_accepted_words() -> None:
    assert set(TRUE_WORDS) == {"1", "true", "yes", "on"}
    assert set(FALSE_WORDS) == {"0", "false", "no", "off"}


@pytest.mark.parametrize(("name", "read"), BOOLEANS, ids=[b[0] for b in BOOLEANS])
@pytest.mark.parametrize(("word", "expected"), SPELLINGS, ids=[repr(s[0]) for s in SPELLINGS])
def test_every_boolean_takes_every_spelling(
    name: str, read: Callable[[Settings], bool], word: str, expected: bool
) -> None:
    assert read(Settings.from_env({**BASE, name: word})) is expected


@pytest.mark.parametrize(("name", "read"), BOOLEANS, ids=[b[0] for b in BOOLEANS])
@pytest.mark.parametrize("word", ["maybe", "2", "enabled", "y", "nope", "-1"])
def test_a_boolean_refuses_other_words(
    name: str, read: Callable[[Settings], bool], word: str
) -> None:
    with pytest.raises(
        ConfigError, match=rf"^{name} must be one of 1/true/yes/on or 0/false/no/off"
    ):
        Settings.from_env({**BASE, name: word})


def test_s3_path_style_zero_is_false() -> None:
    """It used to read as true: anything but the word "false" did."""
    assert Settings.from_env({**BASE, "S3_PATH_STYLE": "0"}).s3.path_style is False
    assert Settings.from_env({**BASE, "S3_PATH_STYLE": ""}).s3.path_style is True


def test_readme_states_each_range() -> None:
    """The configuration table says the same ranges the parser enforces."""
    readme = (REPO_ROOT / "README.md").read_text()
    rows = {
        name: line
        for line in readme.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1])
    }
    for name, lo, hi, _ in BOUNDS:
        allowed = f"at least {_text(lo)}" if hi is None else f"{_text(lo)}..{_text(hi)}"
        assert allowed in rows[name], name
    assert "1/true/yes/on" in readme
