"""Reading the ledger: one query gives an item with everything a scan or a list shows
(site, holder, open defects, the next maintenance), and `equipment_out` turns a row of
it into the response, deriving status and certificate state in the site's calendar.

The query selects plain columns, not ORM objects: a scan is the hottest read of the
app, and rows skip the identity map and attribute instrumentation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.db.models import (
    Equipment,
    EquipmentEvent,
    EquipmentEventKind,
    MaintenancePlan,
    Role,
    Site,
    User,
)
from api.domain.equipment.schemas import (
    EquipmentCertificate,
    EquipmentOut,
    Holder,
    NextMaintenance,
)
from api.domain.labels.qr import scan_url
from api.lib.authz import visible_sites
from api.lib.context import Actor
from api.lib.dates import certificate_state, site_today
from api.lib.errors import NotFound

INSPECTORS = frozenset({Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER})
# Who records maintenance: the people who organise it on site.
MAINTAINERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN})
# Who closes a defect (the item is fit for use again).
DEFECT_CLOSERS = INSPECTORS
REGISTRARS = frozenset({Role.ADMIN, Role.MANAGER})

_holder = aliased(User, name="holder")


def open_defect_filter(equipment_id: Any) -> ColumnElement[bool]:
    return and_(
        EquipmentEvent.equipment_id == equipment_id,
        EquipmentEvent.kind == EquipmentEventKind.DEFECT,
        EquipmentEvent.closed_at.is_(None),
    )


def ledger_query(actor: Actor) -> Select[Any]:
    """Items on sites the actor can see, with what every view of an item shows."""
    open_defects = (
        select(func.count())
        .where(open_defect_filter(Equipment.id))
        .correlate(Equipment)
        .scalar_subquery()
    )
    next_plan = (
        select(
            MaintenancePlan.id.label("plan_id"),
            MaintenancePlan.title.label("plan_title"),
            MaintenancePlan.next_due_on.label("plan_due_on"),
        )
        .where(MaintenancePlan.equipment_id == Equipment.id, MaintenancePlan.is_active)
        .order_by(MaintenancePlan.next_due_on)
        .limit(1)
        .correlate(Equipment)
        .lateral("next_plan")
    )
    return (
        select(
            *Equipment.__table__.c,
            Site.name.label("site_name"),
            Site.timezone.label("site_timezone"),
            _holder.name.label("holder_name"),
            open_defects.label("open_defects"),
            next_plan.c.plan_id,
            next_plan.c.plan_title,
            next_plan.c.plan_due_on,
        )
        .join(Site, Site.id == Equipment.site_id)
        .outerjoin(_holder, _holder.id == Equipment.holder_id)
        .outerjoin(next_plan, true())
        .where(Equipment.company_id == actor.company_id, visible_sites(actor))
    )


def equipment_out(row: Mapping[Any, Any], public_base: str) -> EquipmentOut:
    today = site_today(row["site_timezone"])
    expires_on = row["certificate_expires_on"]
    present = row["certificate_no"] is not None or expires_on is not None
    next_maintenance = None
    if row["plan_id"] is not None:
        days_left = (row["plan_due_on"] - today).days
        next_maintenance = NextMaintenance(
            plan_id=row["plan_id"],
            title=row["plan_title"],
            due_on=row["plan_due_on"],
            days_left=days_left,
            overdue=days_left < 0,
        )
    holder = None
    if row["holder_id"] is not None:
        holder = Holder(id=row["holder_id"], name=row["holder_name"])
    return EquipmentOut(
        id=row["id"],
        code=row["code"],
        scan_url=scan_url(public_base, row["code"]),
        site_id=row["site_id"],
        site_name=row["site_name"],
        name=row["name"],
        category=row["category"],
        model=row["model"],
        serial_no=row["serial_no"],
        owner=row["owner"],
        rented=row["rented"],
        certificate=EquipmentCertificate(
            number=row["certificate_no"],
            expires_on=expires_on,
            state=certificate_state(expires_on, today, present=present),
        ),
        status=_status(row),
        holder=holder,
        checked_out_at=row["checked_out_at"],
        next_maintenance=next_maintenance,
        open_defects=row["open_defects"],
        is_active=row["is_active"],
        created_at=row["created_at"],
    )


def _status(row: Mapping[Any, Any]) -> Any:
    if not row["is_active"]:
        return "retired"
    if row["open_defects"]:
        return "defective"
    if row["holder_id"] is not None:
        return "checked_out"
    return "available"


def allowed_actions(role: Role, item: EquipmentOut) -> list[str]:
    """What this person may do next with this item; the event rules enforce the same."""
    actions: list[str] = []
    if item.is_active:
        if item.holder is None:
            if not item.open_defects and item.certificate.state != "expired":
                actions.append("check_out")
        else:
            actions.append("check_in")
        actions.append("defect")
        if role in INSPECTORS:
            actions.append("inspection")
        if role in MAINTAINERS:
            actions.append("maintenance")
        if item.open_defects and role in DEFECT_CLOSERS:
            actions.append("close_defect")
    if role in REGISTRARS:
        actions.append("edit")
    return actions


def flags(item: EquipmentOut) -> list[str]:
    """Warnings a scan shows first."""
    out: list[str] = []
    if not item.is_active:
        out.append("retired")
    if item.open_defects:
        out.append("open_defects")
    if item.certificate.state in ("expired", "expiring"):
        out.append(f"certificate_{item.certificate.state}")
    if item.next_maintenance is not None:
        if item.next_maintenance.overdue:
            out.append("maintenance_overdue")
        elif item.next_maintenance.days_left <= 7:
            out.append("maintenance_due")
    return out


async def load_item(
    session: AsyncSession, actor: Actor, equipment_id: uuid.UUID
) -> RowMapping | None:
    row = (await session.execute(ledger_query(actor).where(Equipment.id == equipment_id))).first()
    return None if row is None else row._mapping


class EquipmentNotFound(NotFound):
    code = "equipment_not_found"
    title = "No such equipment"


async def item_out(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, base: str
) -> EquipmentOut:
    row = await load_item(session, actor, item_id)
    if row is None:
        raise EquipmentNotFound()
    return equipment_out(row, base)


async def locked_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> Equipment:
    """The item, row-locked for the rest of the transaction, if the actor may see it."""
    item = await session.scalar(
        select(Equipment)
        .join(Site, Site.id == Equipment.site_id)
        .where(
            Equipment.id == item_id,
            Equipment.company_id == actor.company_id,
            visible_sites(actor),
        )
        .with_for_update(of=Equipment)
    )
    if item is None:
        raise EquipmentNotFound()
    return item


async def get_equipment_id(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> uuid.UUID:
    found = await session.scalar(
        select(Equipment.id)
        .join(Site, Site.id == Equipment.site_id)
        .where(
            Equipment.id == item_id, Equipment.company_id == actor.company_id, visible_sites(actor)
        )
    )
    if found is None:
        raise EquipmentNotFound()
    return found


async def site_timezone(session: AsyncSession, site_id: uuid.UUID) -> str:
    tz: str = (await session.execute(select(Site.timezone).where(Site.id == site_id))).scalar_one()
    return tz
