"""HTTP routes for login, the current user, users and companies (thin: services decide)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.security.jwt import JWTAuth
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Role, User
from api.domain.people import services
from api.domain.people.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPage,
    LoginIn,
    LoginOut,
    MeOut,
    UserBrief,
    UserIn,
    UserOut,
    UserPage,
    UserPatch,
)
from api.lib import audit
from api.lib.authz import PUBLIC, allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams
from api.lib.throttle import LoginThrottler
from api.server.principals import TOKEN_VERSION_CLAIM


class AuthController(Controller):
    path = "/api"
    tags = ["auth"]

    @post("/auth/login", opt=PUBLIC, status_code=200, summary="Log in with login and password")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginIn],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> LoginOut:
        throttler: LoginThrottler = state.throttler
        jwt_auth: JWTAuth[User] = state.jwt_auth
        ip = request.client.host if request.client else None
        user = await services.authenticate(db_session, throttler, data.login, data.password, ip)
        ttl = int(jwt_auth.default_token_expiration.total_seconds())
        token = jwt_auth.create_token(
            identifier=str(user.id),
            token_expiration=timedelta(seconds=ttl),
            token_extras={
                "role": user.role.value,
                "cid": str(user.company_id or ""),
                TOKEN_VERSION_CLAIM: user.token_version,
            },
        )
        await audit.record(
            db_session,
            Actor(user=user, ip=ip, device_id=request.headers.get("x-device-id")),
            action="login",
            entity="user",
            entity_id=user.id,
        )
        return LoginOut(
            access_token=token,
            token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
            expires_in=ttl,
            user=UserBrief(id=user.id, name=user.name, role=user.role, company_id=user.company_id),
        )

    @get(
        "/me",
        opt={"roles": frozenset(Role)},
        summary="The current user, with crew and sites",
    )
    async def me(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> MeOut:
        return await services.me(db_session, actor)

    @post(
        "/me/sign-out",
        opt={"roles": frozenset(Role)},
        status_code=204,
        summary="Sign out everywhere: end every token issued to me so far",
    )
    async def sign_out_me(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> None:
        await services.sign_out_me(db_session, actor)


class CompanyController(Controller):
    path = "/api/companies"
    tags = ["companies"]

    @post("/", opt=allow(Role.SUPERADMIN), summary="Create a company and its first admin")
    async def create(
        self,
        data: JSONBody[CompanyIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> CompanyOut:
        return await services.create_company(db_session, actor, data)

    @get("/", opt=allow(Role.SUPERADMIN), summary="List companies")
    async def list(
        self, db_session: NamedDependency[AsyncSession], page: NamedDependency[PageParams]
    ) -> CompanyPage:
        items, total = await services.list_companies(db_session, page)
        return page.of(items, total)


_REPLAY = ResponseSpec(data_container=UserOut, description="Replay of an earlier create")


class UserController(Controller):
    path = "/api/users"
    tags = ["people"]

    @post(
        "/",
        opt=allow(Role.ADMIN, Role.MANAGER),
        responses={200: _REPLAY},
        summary="Create a user (login defaults to the phone number)",
    )
    async def create(
        self,
        data: JSONBody[UserIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[UserOut]:
        return await create_response(
            db_session, actor, scope="user", data=data, create=services.create_user, out=UserOut
        )

    @get("/", opt=allow(Role.ADMIN, Role.MANAGER, Role.FOREMAN), summary="List people")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        role: FromQuery[Role | None] = None,
        crew_id: FromQuery[uuid.UUID | None] = None,
    ) -> UserPage:
        items, total = await services.list_users(db_session, actor, page, role, crew_id)
        return page.of(items, total)

    @get("/{user_id:uuid}", opt=allow_tenant_roles(), summary="One user")
    async def get(
        self,
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> UserOut:
        return await services.get_user(db_session, actor, user_id)

    @patch("/{user_id:uuid}", opt=allow(Role.ADMIN, Role.MANAGER), summary="Change a user")
    async def update(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[UserPatch],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> UserOut:
        return await services.patch_user(db_session, actor, user_id, data)

    @post(
        "/{user_id:uuid}/sign-out",
        opt=allow(Role.ADMIN, Role.MANAGER),
        status_code=204,
        summary="Sign a person out everywhere: end every token issued to them so far",
    )
    async def sign_out(
        self,
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.sign_out_everywhere(db_session, actor, user_id)
