"""Health and metrics.

`/health` (API.md) says whether database and storage answer. Orchestrators get it split:
`/health/live` only says the process serves requests (a dependency outage must not get
every replica restarted), `/health/ready` adds the schema at the migrations' head (a
replica takes traffic only when it can serve it).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from api.domain.system.health import check_storage, ping_database, readiness
from api.jobs.depth import refresh_queue_depth
from api.lib.authz import PUBLIC
from api.lib.deps import provide_settings, provide_store
from api.lib.errors import Unauthenticated
from api.server.metrics import FORWARDING_HEADERS, exposition, may_scrape


class HealthController(Controller):
    path = "/health"
    tags = ["system"]

    @get("/", opt=PUBLIC, summary="200 when database and storage answer, 503 otherwise")
    async def health(self, state: State) -> Response[dict[str, str]]:
        result = {"status": "ok", "db": "ok", "storage": "ok"}
        result["db"] = await ping_database(state.engine)
        result["storage"] = await check_storage(provide_store(state))
        if "down" in result.values():
            result["status"] = "degraded"
            return Response(result, status_code=503)
        return Response(result, status_code=200)

    @get(
        "/live",
        opt=PUBLIC,
        summary="Liveness: 200 while the process serves requests; checks no dependency",
        sync_to_thread=False,
    )
    def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        opt=PUBLIC,
        summary="Readiness: 200 when database, storage and the schema (migrations at head)"
        " are ready, 503 naming what is not",
    )
    async def ready(self, state: State) -> Response[dict[str, str]]:
        ok, body = await readiness(state.engine, provide_store(state))
        return Response(body, status_code=200 if ok else 503)


@get(
    "/metrics",
    opt=PUBLIC,
    include_in_schema=False,
    summary="Prometheus text format; a Bearer token when SITECHECK_METRICS_TOKEN is set,"
    " loopback only without one",
)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    # `server` is the address this connection reached: loopback only when the client
    # is on this host too.
    server = request.scope.get("server")
    allowed = may_scrape(
        provide_settings(state).observability.metrics_token,
        request.headers.get("authorization"),
        peer=request.client.host if request.client else None,
        local=server[0] if server else None,
        forwarded=any(name in request.headers for name in FORWARDING_HEADERS),
    )
    if not allowed:
        raise Unauthenticated(
            "Metrics need the scrape token (SITECHECK_METRICS_TOKEN); without one they are"
            " served only to this host over loopback",
            code="metrics_token_required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Queue depth is counted here too: under `make run` no worker process serves it.
    await refresh_queue_depth(state.engine)
    body, content_type = exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
