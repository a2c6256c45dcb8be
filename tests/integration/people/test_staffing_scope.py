"""Staffing and password resets stay within what the caller already may manage.

Staff of a site are in its manager's scope, so staffing someone widens what a manager may
do to them (edit them, reset their password). A manager could add any company user to
their own site and then take the account over; now they staff only people already in their
scope (404 `user_not_found` otherwise, as for any id outside it). Admins' scope is the
company, so they still staff new hires and move people between sites."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from api.db.models import Role, Site, User
from tests.support.factories import (
    PASSWORD,
    World,
    create_crew,
    create_project,
    create_site,
    create_user,
    square,
)

pytestmark = pytest.mark.in_process

TAKEN_OVER = "taken-over-password"


@dataclass
class OtherSite:
    """A second site of company A, under another project and another manager."""

    site: Site
    manager: User
    safety_officer: User
    worker: User


async def _other_site(bind: AsyncEngine | AsyncConnection, world: World) -> OtherSite:
    company_id = world.a.company.id
    maker = async_sessionmaker(
        bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    async with maker() as session, session.begin():
        manager = await create_user(session, company_id, Role.MANAGER)
        officer = await create_user(session, company_id, Role.SAFETY_OFFICER)
        project = await create_project(session, company_id, "Acme depot", manager_id=manager.id)
        site = await create_site(
            session,
            company_id,
            project.id,
            "Acme depot site",
            square(116.5, 39.9),
            staff_id=officer.id,
        )
        crew = await create_crew(session, company_id, site.id, "Depot crew")
        worker = await create_user(session, company_id, Role.WORKER, crew_id=crew.id)
    return OtherSite(site, manager, officer, worker)


async def _can_log_in(api: httpx.AsyncClient, user: User, password: str) -> bool:
    response = await api.post("/api/auth/login", json={"login": user.login, "password": password})
    return response.status_code == 200


async def test_a_manager_cannot_staff_a_colleague_outside_their_scope_and_take_them_over(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> None:
    other = await _other_site(bind, world)
    manager = world.headers(world.a.users[Role.MANAGER])
    for target in (other.worker, other.safety_officer, other.manager, world.a.users[Role.ADMIN]):
        staffed = await api.put(f"/api/sites/{world.a.site.id}/staff/{target.id}", headers=manager)
        assert staffed.status_code == 404, (target.role, staffed.text)
        assert staffed.json()["code"] == "user_not_found"
        reset = await api.patch(
            f"/api/users/{target.id}", json={"password": TAKEN_OVER}, headers=manager
        )
        assert reset.status_code == 404, (target.role, reset.text)
        assert not await _can_log_in(api, target, TAKEN_OVER)
        assert await _can_log_in(api, target, PASSWORD)
    # Nor did the refused staffing put anyone on the site.
    audit = await api.get(
        "/api/audit?entity=site_staff", headers=world.headers(world.a.users[Role.ADMIN])
    )
    assert audit.json()["items"] == []


async def test_staffing_and_resets_within_scope_still_work(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> None:
    other = await _other_site(bind, world)
    manager_user = world.a.users[Role.MANAGER]
    manager = world.headers(manager_user)
    # A second site of the manager's own (its creator is staffed on it).
    created = await api.post(
        "/api/sites",
        json={"name": "Annex", "geofence": square(116.7, 39.9), "timezone": "Asia/Shanghai"},
        headers=manager,
    )
    assert created.status_code == 201, created.text
    annex = created.json()["id"]
    # People of the manager's scope: a crew member and the site's safety officer.
    for target in (world.a.users[Role.WORKER], world.a.users[Role.SAFETY_OFFICER]):
        staffed = await api.put(f"/api/sites/{annex}/staff/{target.id}", headers=manager)
        assert staffed.status_code == 204, staffed.text
    worker = world.a.users[Role.WORKER]
    reset = await api.patch(
        f"/api/users/{worker.id}", json={"password": "a-new-password-1"}, headers=manager
    )
    assert reset.status_code == 200, reset.text
    assert await _can_log_in(api, worker, "a-new-password-1")
    # The admin reaches the whole company: staffing the other site's worker onto the
    # manager's site is the admin's decision, after which the manager manages them.
    admin = world.headers(world.a.users[Role.ADMIN])
    moved = await api.put(f"/api/sites/{world.a.site.id}/staff/{other.worker.id}", headers=admin)
    assert moved.status_code == 204, moved.text
    assert (await api.get(f"/api/users/{other.worker.id}", headers=manager)).status_code == 200
    # Removing someone from one's own site's staff narrows scope and stays allowed.
    removed = await api.delete(
        f"/api/sites/{annex}/staff/{world.a.users[Role.SAFETY_OFFICER].id}", headers=manager
    )
    assert removed.status_code == 204, removed.text
