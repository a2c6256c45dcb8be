"""SITECHECK_BOOTSTRAP_ADMIN creates the superadmin once, on an empty database only."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Settings
from api.db.models import Role, User


async def test_bootstrap_superadmin_once(settings: Settings, engine: AsyncEngine) -> None:
    boot = dataclasses.replace(
        settings,
        auth=dataclasses.replace(settings.auth, bootstrap_admin=("Root", "root-password-1")),
    )
    for _ in range(2):
        async with AsyncTestClient(create_app(boot)) as client:
            login = await client.post(
                "/api/auth/login", json={"login": "root", "password": "root-password-1"}
            )
            assert login.status_code == 200
            assert login.json()["user"]["role"] == "superadmin"
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(User).where(User.role == Role.SUPERADMIN)
        )
    assert count == 1


async def test_no_bootstrap_when_users_exist(
    settings: Settings, engine: AsyncEngine, world: object
) -> None:
    boot = dataclasses.replace(
        settings,
        auth=dataclasses.replace(settings.auth, bootstrap_admin=("intruder", "root-password-1")),
    )
    async with AsyncTestClient(create_app(boot)) as client:
        login = await client.post(
            "/api/auth/login", json={"login": "intruder", "password": "root-password-1"}
        )
    assert login.status_code == 401
