"""Reading punches, and the two ways a punch in review is settled: a foreman's co-sign
(the non-face path) and a manager's review decision.

Who sees which punches: workers their own, foremen their crews' (and their own),
managers and safety officers those on their sites, admins the company's. Selfie links
go only to those who settle punches (admins, managers, foremen) and to the worker.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Punch, PunchStatus, Role, Site, User, WorkerDevice
from api.db.models.base import utcnow
from api.domain.attendance.schemas import CosignIn, PunchOut, ReviewDecision, ReviewIn
from api.domain.attendance.verdicts import COSIGN_REQUIRED, IDENTITY_REASONS, NEW_DEVICE
from api.domain.attendance.views import punch_out
from api.lib import audit
from api.lib.authz import visible_sites, visible_users
from api.lib.context import Actor
from api.lib.errors import Conflict, Forbidden, NotFound
from api.lib.pagination import PageParams, fetch_page
from storage.s3 import ObjectStore

_SELFIE_VIEWERS = frozenset({Role.ADMIN, Role.MANAGER, Role.FOREMAN})


def visible_punches(actor: Actor) -> ColumnElement[bool]:
    in_company = Punch.company_id == actor.company_id
    if actor.role is Role.ADMIN:
        return in_company
    if actor.role in (Role.MANAGER, Role.SAFETY_OFFICER):
        return in_company & Punch.site_id.in_(select(Site.id).where(visible_sites(actor)))
    return in_company & Punch.user_id.in_(select(User.id).where(visible_users(actor)))


def _view(punch: Punch, actor: Actor, store: ObjectStore) -> PunchOut:
    url = None
    if punch.selfie_key and (actor.role in _SELFIE_VIEWERS or punch.user_id == actor.id):
        url = store.presigned_get_url(punch.selfie_key)
    return punch_out(punch, selfie_url=url)


async def list_punches(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    page: PageParams,
    *,
    site_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    status: PunchStatus | None,
) -> tuple[list[PunchOut], int]:
    query = select(Punch).where(visible_punches(actor))
    if site_id is not None:
        query = query.where(Punch.site_id == site_id)
    if user_id is not None:
        query = query.where(Punch.user_id == user_id)
    if since is not None:
        query = query.where(Punch.captured_at >= since)
    if until is not None:
        query = query.where(Punch.captured_at < until)
    if status is not None:
        query = query.where(Punch.status == status)
    punches, total = await fetch_page(
        session, query.order_by(Punch.captured_at.desc(), Punch.id), page
    )
    return [_view(p, actor, store) for p in punches], total


async def _visible_punch(
    session: AsyncSession, actor: Actor, punch_id: uuid.UUID, *, lock: bool = False
) -> Punch:
    query = select(Punch).where(Punch.id == punch_id, visible_punches(actor))
    if lock:
        # Two reviewers deciding at once: the second sees the first one's decision.
        query = query.with_for_update()
    punch = await session.scalar(query)
    if punch is None:
        raise NotFound("No such punch", code="punch_not_found")
    return punch


async def get_punch(
    session: AsyncSession, actor: Actor, store: ObjectStore, punch_id: uuid.UUID
) -> PunchOut:
    return _view(await _visible_punch(session, actor, punch_id), actor, store)


async def cosign(
    session: AsyncSession, actor: Actor, store: ObjectStore, punch_id: uuid.UUID, data: CosignIn
) -> PunchOut:
    """The worker's foreman (foremen see only their crews' punches), or a manager or
    admin of the site, vouches in person for who punched. That settles the identity
    reasons only (verdicts.IDENTITY_REASONS); a punch with any other reason (stale, GPS,
    new device, travel...) stays in review with those, for a manager to decide."""
    punch = await _visible_punch(session, actor, punch_id, lock=True)
    if punch.user_id == actor.id:
        raise Forbidden("Nobody co-signs their own punch", code="self_cosign")
    if punch.cosigned_by == actor.id:
        return _view(punch, actor, store)  # a resend of the same co-sign
    if punch.cosigned_by is not None:
        raise Conflict("Someone else already co-signed this punch", code="already_cosigned")
    if punch.status is not PunchStatus.REVIEW or COSIGN_REQUIRED not in punch.reasons:
        raise Conflict(
            "Only punches waiting for a co-sign (cosign_required) can be co-signed",
            code="cosign_not_applicable",
        )
    before = audit.snapshot(punch)
    # The settled reasons leave the list (the audit row keeps them, and checks.face
    # the evidence), so `reasons` keeps saying what is still to be decided.
    remaining = [r for r in punch.reasons if r not in IDENTITY_REASONS]
    punch.reasons = remaining
    punch.status = PunchStatus.REVIEW if remaining else PunchStatus.ACCEPTED
    punch.cosigned_by = actor.id
    punch.cosigned_at = utcnow()
    punch.review_note = data.note
    await session.flush()
    await audit.record(
        session,
        actor,
        action="cosign",
        entity="punch",
        entity_id=punch.id,
        before=before,
        after=audit.snapshot(punch),
    )
    return _view(punch, actor, store)


_DECIDED = {
    ReviewDecision.ACCEPT: PunchStatus.ACCEPTED,
    ReviewDecision.REJECT: PunchStatus.REJECTED,
}


async def review(
    session: AsyncSession, actor: Actor, store: ObjectStore, punch_id: uuid.UUID, data: ReviewIn
) -> PunchOut:
    punch = await _visible_punch(session, actor, punch_id, lock=True)
    if punch.user_id == actor.id:
        raise Forbidden("Nobody reviews their own punch", code="self_review")
    decided = _DECIDED[data.decision]
    if punch.reviewed_by == actor.id and punch.status is decided:
        return _view(punch, actor, store)  # a resend of the same decision
    if punch.status is not PunchStatus.REVIEW:
        raise Conflict(
            f"The punch is {punch.status.value}, not waiting for review",
            code="punch_not_in_review",
        )
    before = audit.snapshot(punch)
    punch.status = decided
    punch.reviewed_by = actor.id
    punch.reviewed_at = utcnow()
    punch.review_note = data.note
    if decided is PunchStatus.ACCEPTED and NEW_DEVICE in punch.reasons:
        # Accepting a punch from a new phone vouches for the phone too.
        await session.execute(
            update(WorkerDevice)
            .where(WorkerDevice.user_id == punch.user_id, WorkerDevice.device_id == punch.device_id)
            .values(bound=True)
        )
    await session.flush()
    await audit.record(
        session,
        actor,
        action="review",
        entity="punch",
        entity_id=punch.id,
        before=before,
        after=audit.snapshot(punch),
    )
    return _view(punch, actor, store)
