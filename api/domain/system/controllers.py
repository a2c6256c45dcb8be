"""Health: is the API able to reach its database and its object store."""

from __future__ import annotations

import anyio
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.lib.authz import PUBLIC
from storage.s3 import ObjectStore, StorageUnavailable

# A health probe that hangs is worse than one that says "down".
CHECK_TIMEOUT_S = 3.0


class HealthController(Controller):
    path = "/health"
    tags = ["system"]

    @get("/", opt=PUBLIC, summary="200 when database and storage answer, 503 otherwise")
    async def health(
        self, db_session: NamedDependency[AsyncSession], state: State
    ) -> Response[dict[str, str]]:
        result = {"status": "ok", "db": "ok", "storage": "ok"}
        try:
            with anyio.fail_after(CHECK_TIMEOUT_S):
                await db_session.execute(text("SELECT 1"))
        except Exception:
            result["db"] = "down"
        store: ObjectStore = state.store
        try:
            with anyio.fail_after(CHECK_TIMEOUT_S):
                await store.ping()
        except (StorageUnavailable, TimeoutError):
            result["storage"] = "down"
        if "down" in result.values():
            result["status"] = "degraded"
            return Response(result, status_code=503)
        return Response(result, status_code=200)
