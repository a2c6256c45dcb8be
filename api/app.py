"""The Litestar application factory."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar, Request, Router
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.security.jwt import JWTAuth, Token
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.bootstrap import bootstrap_superadmin, ensure_bucket
from api.config import Settings
from api.db.models import User
from api.db.pool import ping_when_idle
from api.domain.alerts.controllers import EventController, WebhookController
from api.domain.attendance.controllers import AttendanceController
from api.domain.audit.controllers import AuditController
from api.domain.equipment.controllers import EquipmentController
from api.domain.faces.controllers import FaceController
from api.domain.faces.recognition import warm_up_faces
from api.domain.hazards.controllers import HazardController, RectificationController
from api.domain.hazards.model_check import check_model_files
from api.domain.inspections.controllers import InspectionController
from api.domain.materials.controllers import BatchController
from api.domain.people.controllers import AuthController, CompanyController, UserController
from api.domain.photos.controllers import PhotoController
from api.domain.scan.controllers import ScanController
from api.domain.sites.controllers import CrewController, ProjectController, SiteController
from api.domain.system.controllers import HealthController, metrics
from api.domain.system.pwa import pwa_file, pwa_root
from api.jobs.queue import JobQueue, commit_then_defer, job_queue_middleware, job_queue_running
from api.lib.authz import PUBLIC, role_guard
from api.lib.deps import dependencies
from api.lib.errors import exception_handlers
from api.lib.throttle import LoginThrottler
from api.lib.uploads import refuse_repeated_parts
from api.server.bearer import BearerOnlyMiddleware
from api.server.headers import cors_config, security_headers_hook
from api.server.json_depth import JsonDepthRequest
from api.server.logs import configure_logging, request_context_middleware
from api.server.metrics import http_metrics_middleware
from api.server.openapi_docs import openapi_doc_plugins
from api.server.principals import (
    PrincipalCache,
    check_token_current,
    load_active_user,
    watch_sessions,
)
from api.server.query_params import refuse_ambiguous_query_params
from storage.s3 import ObjectStore

API_VERSION = "1.0.0"


async def _refuse_ambiguous_input(request: Request[Any, Any, Any]) -> None:
    """One value per query parameter and per multipart part (see each hook)."""
    await refuse_ambiguous_query_params(request)
    await refuse_repeated_parts(request)


def create_app(
    settings: Settings | None = None, *, bind: AsyncConnection | None = None
) -> Litestar:
    """The app. `bind` is for the tests' in-process tier: a connection inside a
    transaction the test rolls back; every session the app opens joins it through a
    savepoint, so a handler's commit ends there. Reads that bypass the session
    (`state.engine`, api/lib/reads.py) and the job queue still use connections of their
    own, so tests that rely on them stay on the live server."""
    settings = settings or Settings.from_env()
    configure_logging(settings.observability.log_level)
    session_config = (
        AsyncSessionConfig(expire_on_commit=False)
        if bind is None
        else AsyncSessionConfig(
            expire_on_commit=False, bind=bind, join_transaction_mode="create_savepoint"
        )
    )

    db_config = SQLAlchemyAsyncConfig(
        connection_string=settings.db.url,
        session_config=session_config,
        engine_config=EngineConfig(
            pool_size=settings.db.pool_size,
            # No overflow: a connection opened for a burst and dropped straight after
            # costs a TLS probe, authentication and type introspection, far more than
            # waiting a moment for a pooled one (under load that churn was most of the
            # scan's CPU).
            max_overflow=0,
            pool_recycle=1800,
        ),
        set_default_exception_handler=False,
    )
    # One request, one transaction: committed on 2xx, rolled back otherwise; the jobs
    # the request asked for are deferred after its commit (api/jobs/enqueue.py). Set
    # once the config exists: advanced-alchemy makes each config's session scope key
    # unique within a process, so a second app in one process (tests) stores its
    # sessions under a suffixed key, and a hook reading the default key would never
    # commit or close them.
    db_config.before_send_handler = commit_then_defer(db_config.session_scope_key)
    engine = db_config.get_engine()
    ping_when_idle(engine)
    store = ObjectStore(settings.s3)

    principals = PrincipalCache(settings.auth.cache_s)

    async def retrieve_user(
        token: Token, _connection: ASGIConnection[Any, Any, Any, Any]
    ) -> User | None:
        try:
            user_id = uuid.UUID(token.sub)
        except ValueError:
            return None

        async def load() -> User | None:
            # Its own short session: the request's stays untouched, so a handler may
            # still choose how it reads (api/lib/reads.py).
            async with db_config.get_session() as session:
                return await load_active_user(session, user_id)

        user = await principals.get(user_id, load)
        if user is not None:
            check_token_current(user, token)
        return user

    jwt_auth = JWTAuth[User](
        retrieve_user_handler=retrieve_user,
        token_secret=settings.auth.jwt_secret,
        algorithm="HS256",
        default_token_expiration=timedelta(seconds=settings.auth.jwt_ttl_s),
        exclude_opt_key="exclude_from_auth",
        authentication_middleware_class=BearerOnlyMiddleware,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # A hazard policy that does not fit its model stops the start, saying why.
        await anyio.to_thread.run_sync(check_model_files, settings)
        await ensure_bucket(store)
        if settings.auth.bootstrap_admin:
            login, password = settings.auth.bootstrap_admin
            async with db_config.get_session() as session:
                await bootstrap_superadmin(session, login, password)
                await session.commit()
        stop_watching = watch_sessions(principals)
        # Everything built so far (routes, models, the compiled schema) lives as long
        # as the process; parked outside the collector, it is no longer re-scanned by
        # every full collection, which otherwise paused requests for tens of ms.
        gc.freeze()
        try:
            async with job_queue_running(app.state.jobs, settings):
                yield
        finally:
            stop_watching()

    def new_session() -> AsyncSession:
        return db_config.create_session_maker()()

    throttler = LoginThrottler(
        new_session,
        max_failures=settings.auth.login_max_failures,
        window_s=settings.auth.login_window_s,
    )

    app = Litestar(
        route_handlers=[
            AuthController,
            CompanyController,
            UserController,
            FaceController,
            SiteController,
            ProjectController,
            CrewController,
            AuditController,
            EquipmentController,
            BatchController,
            ScanController,
            InspectionController,
            PhotoController,
            HazardController,
            RectificationController,
            AttendanceController,
            WebhookController,
            EventController,
            HealthController,
            metrics,
            pwa_root,
            pwa_file,
        ],
        plugins=[SQLAlchemyPlugin(config=db_config), *openapi_doc_plugins()],
        on_app_init=[jwt_auth.on_app_init],
        lifespan=[lifespan],
        on_startup=[warm_up_faces],
        guards=[role_guard],
        dependencies=dependencies,
        exception_handlers=exception_handlers,
        before_request=_refuse_ambiguous_input,
        before_send=[security_headers_hook(settings)],
        cors_config=cors_config(settings),
        openapi_config=OpenAPIConfig(
            title="SiteCheck API",
            version=API_VERSION,
            path="/schema",
            # The contract is public (API.md); the guard needs the router to say so.
            # The document and its viewers are not operations of the API itself.
            openapi_router=Router(
                "/schema", route_handlers=[], opt=PUBLIC, include_in_schema=False
            ),
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
        ),
        state=State(
            {
                "settings": settings,
                # For reads that bypass the session (api/lib/reads.py).
                "engine": engine,
                "store": store,
                "jwt_auth": jwt_auth,
                "throttler": throttler,
                "jobs": JobQueue(settings.db.url),
                "pwa_dist": settings.web.pwa_dist,
            }
        ),
        request_max_body_size=30 * 1024 * 1024,
        request_class=JsonDepthRequest,
        debug=False,
        # Logging is configured by configure_logging (JSON lines with request ids).
        logging_config=None,
    )
    # Outside the router, so requests that match no route (404, 405) are timed as
    # "unmatched", get a request id and an access line too; outside the JWT middleware,
    # so refused tokens are logged with their id.
    app.asgi_handler = request_context_middleware(
        http_metrics_middleware(job_queue_middleware(app.asgi_handler))
    )
    return app
