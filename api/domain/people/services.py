"""Login, users and companies. Services never commit: the request's transaction does."""

from __future__ import annotations

import uuid

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Company, Crew, Role, Site, User
from api.domain.faces.schemas import FaceSummary
from api.domain.faces.services import face_summaries
from api.domain.people.schemas import (
    CompanyBrief,
    CompanyIn,
    CompanyOut,
    CrewBrief,
    MeOut,
    SiteBrief,
    UserIn,
    UserOut,
    UserPatch,
)
from api.lib import audit
from api.lib.authz import (
    check_can_grant,
    get_visible_crew,
    get_visible_user,
    visible_sites,
    visible_users,
)
from api.lib.context import Actor
from api.lib.errors import BadCredentials, Conflict, Invalid, NotFound
from api.lib.pagination import PageParams, fetch_page
from api.lib.passwords import hash_password, verify_password
from api.lib.throttle import LoginThrottler
from api.server.principals import end_tokens


def normalise_login(login: str) -> str:
    return login.strip().lower()


# A user just created has no face: no query needed for the create's reply.
NO_FACE = FaceSummary(enrolled=False, verified=False, samples=0)


def user_out(user: User, face: FaceSummary) -> UserOut:
    return UserOut(
        id=user.id,
        company_id=user.company_id,
        name=user.name,
        login=user.login,
        phone=user.phone,
        role=user.role,
        crew_id=user.crew_id,
        is_active=user.is_active,
        created_at=user.created_at,
        face=face,
    )


async def users_out(session: AsyncSession, users: list[User]) -> list[UserOut]:
    faces = await face_summaries(session, [u.id for u in users])
    return [user_out(u, faces[u.id]) for u in users]


async def _hash(password: str) -> str:
    # argon2 is deliberately slow CPU work: keep it off the event loop.
    return await anyio.to_thread.run_sync(hash_password, password)


async def authenticate(
    session: AsyncSession,
    throttler: LoginThrottler,
    login: str,
    password: str,
    ip: str | None,
) -> User:
    keys = throttler.keys(login, ip)
    await throttler.check(keys)
    user = await session.scalar(select(User).where(User.login == normalise_login(login)))
    company_active = True
    if user is not None and user.company_id is not None:
        company_active = bool(
            await session.scalar(select(Company.is_active).where(Company.id == user.company_id))
        )
    # Hand the pooled connection back before the deliberately slow hash check: at 7 a.m.
    # a crew logs in at once, and connections held through argon2 ran the pool dry (503s
    # for every other request; benchmarks/rush.py). Closing keeps the loaded user
    # (detached) and the session usable for the audit row written after.
    await session.close()
    ok = await anyio.to_thread.run_sync(
        verify_password, user.password_hash if user else None, password
    )
    if not ok or user is None or not user.is_active or not company_active:
        await throttler.fail(keys)
        raise BadCredentials("Wrong login or password")
    await throttler.succeed(keys[0])
    return user


async def _ensure_login_free(session: AsyncSession, login: str) -> None:
    if await session.scalar(select(User.id).where(User.login == login)):
        raise Conflict(f"The login {login!r} is taken", code="login_taken")


async def _flush_unique(session: AsyncSession, login: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_users_login" not in str(exc.orig):
            raise
        # Two requests raced for the same login; the loser gets the same answer.
        raise Conflict(f"The login {login!r} is taken", code="login_taken") from exc


async def _add_user(
    session: AsyncSession,
    actor: Actor,
    *,
    company_id: uuid.UUID,
    login: str,
    name: str,
    phone: str | None,
    password: str,
    role: Role,
    crew_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> User:
    """Create, flush and audit one user; the login must be normalised already."""
    await _ensure_login_free(session, login)
    user = User(
        id=user_id or uuid.uuid4(),
        company_id=company_id,
        name=name,
        phone=phone,
        login=login,
        password_hash=await _hash(password),
        role=role,
        crew_id=crew_id,
    )
    await audit.add_and_record(
        session,
        actor,
        user,
        entity="user",
        company_id=company_id,
        flush=lambda: _flush_unique(session, login),
    )
    return user


async def create_company(session: AsyncSession, actor: Actor, data: CompanyIn) -> CompanyOut:
    login = normalise_login(data.admin.login)
    company = Company(id=uuid.uuid4(), name=data.name)
    # No ORM relationships tie users to companies, so the company is flushed first.
    await audit.add_and_record(session, actor, company, entity="company", company_id=company.id)
    admin = await _add_user(
        session,
        actor,
        company_id=company.id,
        login=login,
        name=data.admin.name,
        phone=data.admin.phone,
        password=data.admin.password,
        role=Role.ADMIN,
    )
    return CompanyOut(
        id=company.id,
        name=company.name,
        admin_id=admin.id,
        is_active=True,
        created_at=company.created_at,
    )


async def list_companies(session: AsyncSession, page: PageParams) -> tuple[list[CompanyOut], int]:
    first_admin = (
        select(User.id)
        .where(User.company_id == Company.id, User.role == Role.ADMIN)
        .order_by(User.created_at)
        .limit(1)
        .correlate(Company)
        .scalar_subquery()
    )
    total = await session.scalar(select(func.count()).select_from(Company))
    rows = await session.execute(
        select(Company, first_admin)
        .order_by(Company.created_at.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    out = [
        CompanyOut(
            id=c.id,
            name=c.name,
            admin_id=admin_id,
            is_active=c.is_active,
            created_at=c.created_at,
        )
        for c, admin_id in rows
    ]
    return out, int(total or 0)


async def create_user(session: AsyncSession, actor: Actor, data: UserIn) -> UserOut:
    check_can_grant(actor, data.role)
    if data.crew_id is not None:
        await get_visible_crew(session, actor, data.crew_id)
    login = normalise_login(data.login or data.phone or "")
    if not login:
        raise Invalid("A user needs a login or a phone number", code="login_required")
    user = await _add_user(
        session,
        actor,
        company_id=actor.company_id,
        login=login,
        name=data.name,
        phone=data.phone,
        password=data.password,
        role=data.role,
        crew_id=data.crew_id,
        user_id=data.id,
    )
    return user_out(user, NO_FACE)


async def list_users(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    role: Role | None = None,
    crew_id: uuid.UUID | None = None,
) -> tuple[list[UserOut], int]:
    query = select(User).where(visible_users(actor)).order_by(User.created_at.desc())
    if role is not None:
        query = query.where(User.role == role)
    if crew_id is not None:
        query = query.where(User.crew_id == crew_id)
    users, total = await fetch_page(session, query, page)
    return await users_out(session, list(users)), total


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> UserOut:
    return (await users_out(session, [await get_visible_user(session, actor, user_id)]))[0]


async def patch_user(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: UserPatch
) -> UserOut:
    user = await get_visible_user(session, actor, user_id)
    before = audit.snapshot(user)
    if user.id != actor.id:
        # Editing someone means being allowed to hand out their current role.
        check_can_grant(actor, user.role)
    if data.role is not None and data.role != user.role:
        check_can_grant(actor, data.role)
        user.role = data.role
    if data.crew_id is not None:
        await get_visible_crew(session, actor, data.crew_id)
        user.crew_id = data.crew_id
    if data.name is not None:
        user.name = data.name
    if data.phone is not None:
        user.phone = data.phone
    ended_tokens = False
    if data.is_active is not None and data.is_active != user.is_active:
        user.is_active = data.is_active
        # A deactivation ends the tokens it refuses, so a reactivation cannot revive them.
        ended_tokens = True
    if data.password is not None:
        user.password_hash = await _hash(data.password)
        # Whoever held the old password (the reason to change it) holds its tokens too.
        ended_tokens = True
    if ended_tokens:
        end_tokens(user)
    await session.flush()
    after = audit.snapshot(user)
    if data.password is not None:
        after["password_changed"] = True
    await audit.record(
        session,
        actor,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    return (await users_out(session, [user]))[0]


async def sign_out_everywhere(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> None:
    """End every token issued to a user so far (a lost phone, a shared login). Others
    are signed out by whoever may edit them (their scope, a role one may grant)."""
    user = await get_visible_user(session, actor, user_id)
    if user.id != actor.id:
        check_can_grant(actor, user.role)
    await _sign_out(session, actor, user)


async def sign_out_me(session: AsyncSession, actor: Actor) -> None:
    # The actor's user is the cached, detached principal: change the session's own row.
    user = await session.get(User, actor.id, with_for_update=True)
    if user is None:
        raise NotFound("No such user", code="user_not_found")
    await _sign_out(session, actor, user)


async def _sign_out(session: AsyncSession, actor: Actor, user: User) -> None:
    end_tokens(user)
    await session.flush()
    await audit.record(
        session,
        actor,
        action="sign_out",
        entity="user",
        entity_id=user.id,
        after={"token_version": user.token_version},
        company_id=user.company_id,
    )


async def me(session: AsyncSession, actor: Actor) -> MeOut:
    user = actor.user
    company = None
    crew = None
    sites: list[SiteBrief] = []
    if user.company_id is not None:
        row = await session.get(Company, user.company_id)
        company = CompanyBrief(id=row.id, name=row.name) if row else None
        if user.crew_id is not None:
            c = await session.get(Crew, user.crew_id)
            crew = CrewBrief(id=c.id, name=c.name, site_id=c.site_id) if c else None
        rows = await session.scalars(
            select(Site).where(visible_sites(actor), Site.is_active).order_by(func.lower(Site.name))
        )
        sites = [SiteBrief(id=s.id, name=s.name, timezone=s.timezone) for s in rows]
    return MeOut(
        id=user.id,
        name=user.name,
        login=user.login,
        phone=user.phone,
        role=user.role,
        company_id=user.company_id,
        company=company,
        crew=crew,
        sites=sites,
    )
