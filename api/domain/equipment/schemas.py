"""Request and response shapes of the equipment ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from api.db.models import EquipmentEventKind
from api.lib.dates import TimesInRange
from api.lib.pagination import Page, schema_name
from api.lib.schemas import PRINTABLE, Name

Category = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=PRINTABLE)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=PRINTABLE)]
# Notes may span lines (a defect described in a few sentences), but never hold NULs.
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=r"^[^\x00]*$")]
EveryDays = Annotated[int, msgspec.Meta(ge=1, le=3650)]
PhotoIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)]


class EquipmentIn(TimesInRange, forbid_unknown_fields=True):
    site_id: uuid.UUID
    name: Name
    category: Category
    model: Name | None = None
    serial_no: ShortText | None = None
    owner: Name | None = None
    rented: bool = False
    certificate_no: ShortText | None = None
    certificate_expires_on: date | None = None
    id: uuid.UUID | None = None


class EquipmentPatch(TimesInRange, forbid_unknown_fields=True):
    """Fields left out stay as they are; optional fields sent as null are cleared."""

    site_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    category: Category | msgspec.UnsetType = msgspec.UNSET
    model: Name | msgspec.UnsetType | None = msgspec.UNSET
    serial_no: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    owner: Name | msgspec.UnsetType | None = msgspec.UNSET
    rented: bool | msgspec.UnsetType = msgspec.UNSET
    certificate_no: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    certificate_expires_on: date | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class Holder(msgspec.Struct):
    id: uuid.UUID
    name: str


class NextMaintenance(msgspec.Struct):
    plan_id: uuid.UUID
    title: str
    due_on: date
    # Negative when overdue; counted in the site's calendar.
    days_left: int
    overdue: bool


class EquipmentCertificate(msgspec.Struct):
    number: str | None
    expires_on: date | None
    state: Literal["missing", "expired", "expiring", "valid"]


class OpenDefect(msgspec.Struct):
    id: uuid.UUID
    note: str | None
    reported_at: datetime


class EquipmentOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    # What the QR label carries: the PWA page of this item.
    scan_url: str
    site_id: uuid.UUID
    site_name: str
    name: str
    category: str
    model: str | None
    serial_no: str | None
    owner: str | None
    rented: bool
    certificate: EquipmentCertificate
    # retired > defective (an open defect) > checked_out > available
    status: Literal["available", "checked_out", "defective", "retired"]
    holder: Holder | None
    checked_out_at: datetime | None
    next_maintenance: NextMaintenance | None
    open_defects: int
    is_active: bool
    created_at: datetime


EquipmentPage = Annotated[Page[EquipmentOut], schema_name("EquipmentPage")]


class EventIn(TimesInRange, forbid_unknown_fields=True):
    kind: EquipmentEventKind
    note: Note | None = None
    # check_out: who takes the item.
    holder_id: uuid.UUID | None = None
    # maintenance: which plan it fulfils (none: every plan of the item).
    plan_id: uuid.UUID | None = None
    # When it happened on site, if the phone queued it; defaults to arrival.
    occurred_at: datetime | None = None
    photo_ids: PhotoIds = msgspec.field(default_factory=list)
    id: uuid.UUID | None = None


class EventOut(msgspec.Struct):
    id: uuid.UUID
    equipment_id: uuid.UUID
    site_id: uuid.UUID
    kind: EquipmentEventKind
    note: str | None
    holder_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    occurred_at: datetime
    created_at: datetime
    # Defects only: open until closed (a repair, or a rectification).
    open: bool | None
    closed_at: datetime | None
    close_note: str | None
    photo_ids: list[uuid.UUID]


EventPage = Annotated[Page[EventOut], schema_name("EquipmentEventPage")]


class DefectClose(msgspec.Struct, forbid_unknown_fields=True):
    note: Note | None = None


class PlanIn(TimesInRange, forbid_unknown_fields=True):
    title: Name
    every_days: EveryDays
    # The first due date; by default `every_days` from today.
    next_due_on: date | None = None
    id: uuid.UUID | None = None


class PlanOut(msgspec.Struct):
    id: uuid.UUID
    equipment_id: uuid.UUID
    title: str
    every_days: int
    next_due_on: date
    last_done_at: datetime | None
    is_active: bool
    created_at: datetime


class PlanList(msgspec.Struct):
    items: list[PlanOut]


class DueItem(msgspec.Struct):
    kind: Literal["maintenance", "certificate"]
    status: Literal["overdue", "due", "expired", "expiring"]
    equipment_id: uuid.UUID
    code: str
    name: str
    site_id: uuid.UUID
    site_name: str
    due_on: date
    days_left: int
    plan_id: uuid.UUID | None
    title: str


class DueList(msgspec.Struct):
    items: list[DueItem]
    within_days: int
