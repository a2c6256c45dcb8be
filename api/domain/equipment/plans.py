"""Maintenance plans (every N days) and the list of what is due or overdue.

Maintenance resets the next due date of the plan it fulfils (or of every plan of the
item when it names none) to `every_days` after the day it was done, in the site's
calendar.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Equipment,
    MaintenancePlan,
    Site,
)
from api.domain.equipment.ledger import (
    get_equipment_id,
    locked_item,
    site_timezone,
)
from api.domain.equipment.schemas import (
    DueItem,
    DueList,
    PlanIn,
    PlanOut,
)
from api.lib import audit
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.dates import site_today
from api.lib.errors import NotFound


async def reset_plans(
    session: AsyncSession, actor: Actor, item: Equipment, plan_id: uuid.UUID | None, at: datetime
) -> None:
    query = select(MaintenancePlan).where(
        MaintenancePlan.equipment_id == item.id, MaintenancePlan.is_active
    )
    if plan_id is not None:
        query = query.where(MaintenancePlan.id == plan_id)
    plans = list((await session.scalars(query.with_for_update())).all())
    if plan_id is not None and not plans:
        raise NotFound("No such maintenance plan on this item", code="plan_not_found")
    # The day it was done in the site's calendar, so "every 7 days" means a week.
    done_on = site_today(await site_timezone(session, item.site_id), at)
    for plan in plans:
        plan.next_due_on = done_on + timedelta(days=plan.every_days)
        plan.last_done_at = at


def _plan_out(plan: MaintenancePlan) -> PlanOut:
    return PlanOut(
        id=plan.id,
        equipment_id=plan.equipment_id,
        title=plan.title,
        every_days=plan.every_days,
        next_due_on=plan.next_due_on,
        last_done_at=plan.last_done_at,
        is_active=plan.is_active,
        created_at=plan.created_at,
    )


async def create_plan(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, data: PlanIn
) -> PlanOut:
    item = await locked_item(session, actor, item_id)
    today = site_today(await site_timezone(session, item.site_id))
    next_due = data.next_due_on or today + timedelta(days=data.every_days)
    plan = MaintenancePlan(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        equipment_id=item.id,
        title=data.title,
        every_days=data.every_days,
        next_due_on=next_due,
    )
    await audit.add_and_record(session, actor, plan, entity="maintenance_plan")
    return _plan_out(plan)


async def list_plans(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> list[PlanOut]:
    await get_equipment_id(session, actor, item_id)
    plans = await session.scalars(
        select(MaintenancePlan)
        .where(MaintenancePlan.equipment_id == item_id)
        .order_by(MaintenancePlan.next_due_on, MaintenancePlan.id)
    )
    return [_plan_out(p) for p in plans]


async def due_list(
    session: AsyncSession, actor: Actor, site_id: uuid.UUID | None, within_days: int
) -> DueList:
    """Maintenance due within `within_days` or overdue, and inspection certificates that
    expire within the same window or already have, soonest first."""
    if site_id is not None:
        await get_visible_site(session, actor, site_id)
    # The widest window any site's calendar can reach; each row is then judged in its
    # own site's calendar.
    horizon = datetime.now(UTC).date() + timedelta(days=within_days + 1)
    scope: list[ColumnElement[bool]] = [
        Equipment.company_id == actor.company_id,
        Equipment.is_active.is_(True),
        visible_sites(actor),
    ]
    if site_id is not None:
        scope.append(Equipment.site_id == site_id)
    plan_rows = await session.execute(
        select(
            MaintenancePlan.id,
            MaintenancePlan.title,
            MaintenancePlan.next_due_on,
            Equipment.id,
            Equipment.code,
            Equipment.name,
            Site.id,
            Site.name,
            Site.timezone,
        )
        .join(Equipment, Equipment.id == MaintenancePlan.equipment_id)
        .join(Site, Site.id == Equipment.site_id)
        .where(*scope, MaintenancePlan.is_active, MaintenancePlan.next_due_on <= horizon)
    )
    items: list[DueItem] = []
    for plan_id, title, due_on, eq_id, code, name, s_id, s_name, tz in plan_rows:
        days_left = (due_on - site_today(tz)).days
        if days_left > within_days:
            continue
        items.append(
            DueItem(
                kind="maintenance",
                status="overdue" if days_left < 0 else "due",
                equipment_id=eq_id,
                code=code,
                name=name,
                site_id=s_id,
                site_name=s_name,
                due_on=due_on,
                days_left=days_left,
                plan_id=plan_id,
                title=title,
            )
        )
    cert_rows = await session.execute(
        select(
            Equipment.certificate_expires_on,
            Equipment.certificate_no,
            Equipment.id,
            Equipment.code,
            Equipment.name,
            Site.id,
            Site.name,
            Site.timezone,
        )
        .join(Site, Site.id == Equipment.site_id)
        .where(*scope, Equipment.certificate_expires_on <= horizon)
    )
    for expires_on, number, eq_id, code, name, s_id, s_name, tz in cert_rows:
        assert expires_on is not None  # the WHERE compared it
        days_left = (expires_on - site_today(tz)).days
        if days_left > within_days:
            continue
        items.append(
            DueItem(
                kind="certificate",
                status="expired" if days_left < 0 else "expiring",
                equipment_id=eq_id,
                code=code,
                name=name,
                site_id=s_id,
                site_name=s_name,
                due_on=expires_on,
                days_left=days_left,
                plan_id=None,
                title=f"Inspection certificate {number}" if number else "Inspection certificate",
            )
        )
    items.sort(key=lambda i: (i.due_on, i.name))
    return DueList(items=items, within_days=within_days)
