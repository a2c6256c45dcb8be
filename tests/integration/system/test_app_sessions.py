"""Every app commits and closes its requests' sessions, also the second one in a process.

advanced-alchemy makes each config's session scope key unique within a process: the
first app stores a request's session under the default key, a second one (the tests
make several) under a suffixed key. The before-send hook that commits must read the key
its own app uses, or a second app's writes answer 200 and are never committed."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Settings
from api.db.models import Role, Site
from tests.support.factories import World

IDLE_IN_TRANSACTION = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND state = 'idle in transaction'"
)


async def test_a_second_app_in_one_process_commits_and_closes_its_sessions(
    settings: Settings, world: World, engine: AsyncEngine
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    for name in ("Named by the first app", "Named by the second app"):
        async with AsyncTestClient(create_app(settings)) as client:
            patched = await client.patch(
                f"/api/sites/{world.a.site.id}", json={"name": name}, headers=admin
            )
            assert patched.status_code == 200, patched.text
            async with engine.connect() as conn:
                stored = await conn.scalar(select(Site.name).where(Site.id == world.a.site.id))
                left_open = await conn.scalar(IDLE_IN_TRANSACTION)
        assert stored == name
        assert left_open == 0
