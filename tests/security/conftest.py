"""A second live server for the security tests, started like the session's own
(tests/support/live_server.py) on the same database and bucket, with the settings a hardened
deployment turns on and a log the tests read:

- SITECHECK_CORS_ORIGINS names one browser origin, SITECHECK_HSTS=1;
- another SITECHECK_FACE_KEY than the session server's, so templates enrolled through
  one do not open on the other (a restored backup with a lost or rotated key);
- SITECHECK_LOG_LEVEL=INFO (the production default): one access line per request.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import serve_api

ALLOWED_ORIGIN = "https://app.sitecheck.example"


@dataclass(frozen=True)
class Hardened:
    base_url: str
    log: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def hardened_server(
    app_env: dict[str, str], migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hardened]:
    env = {
        **app_env,
        "SITECHECK_CORS_ORIGINS": ALLOWED_ORIGIN,
        "SITECHECK_HSTS": "1",
        "SITECHECK_FACE_KEY": secrets.token_hex(32),
        "SITECHECK_LOG_LEVEL": "INFO",
    }
    assert env["SITECHECK_FACE_KEY"] != app_env["SITECHECK_FACE_KEY"]
    log = tmp_path_factory.mktemp("hardened") / "api.log"
    with serve_api(env, log) as base:
        yield Hardened(base, log, env)


@pytest.fixture
async def hardened(hardened_server: Hardened, engine: object) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the hardened server; `engine` makes the per-test table wipe apply."""
    async with httpx.AsyncClient(base_url=hardened_server.base_url, timeout=30) as client:
        yield client
