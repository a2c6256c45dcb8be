"""The review loop: flagged photo -> confirm or dismiss -> rectification -> closed with
an after photo the model no longer flags (or the officer's noted override)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Hazard, Photo, Rectification, Role, Site, User
from api.db.models.base import utcnow
from api.domain.hazards.schemas import (
    CloseIn,
    Decision,
    HazardOut,
    RectificationOut,
    ReviewIn,
)
from api.domain.photos.services import photo_body, photos_for_attachment
from api.lib import audit
from api.lib.authz import visible_sites
from api.lib.context import Actor
from api.lib.errors import Conflict, Forbidden, Invalid, NotFound
from api.lib.pagination import PageParams, fetch_page
from storage.s3 import ObjectStore

# A fix with no due date given is due in three days: soon enough to matter on a site,
# long enough to order a part.
DEFAULT_DUE = timedelta(days=3)
REVIEWERS = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER)


class HazardNotFound(NotFound):
    code = "hazard_not_found"
    title = "No such hazard"


class RectificationNotFound(NotFound):
    code = "rectification_not_found"
    title = "No such rectification"


def _on_visible_site(actor: Actor, site_column: Any) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = site_column.in_(select(Site.id).where(visible_sites(actor)))
    return clause


def visible_rectifications(actor: Actor) -> ColumnElement[bool]:
    """Reviewers see their sites' fixes; anyone else the fixes assigned to them."""
    clause = Rectification.company_id == actor.company_id
    if actor.role in REVIEWERS:
        return clause & _on_visible_site(actor, Rectification.site_id)
    return clause & (Rectification.assignee_id == actor.id)


def _hazard_out(
    hazard: Hazard,
    photo: Photo,
    rectification_id: uuid.UUID | None,
    store: ObjectStore,
    settings: Settings,
) -> HazardOut:
    return HazardOut(
        id=hazard.id,
        site_id=hazard.site_id,
        status=hazard.status,
        model=hazard.model,
        top_score=hazard.top_score,
        created_at=hazard.created_at,
        photo=photo_body(photo, store, settings),
        reviewed_by=hazard.reviewed_by,
        reviewed_at=hazard.reviewed_at,
        review_note=hazard.review_note,
        rectification_id=rectification_id,
    )


def rectification_out(r: Rectification) -> RectificationOut:
    return RectificationOut(
        id=r.id,
        site_id=r.site_id,
        hazard_id=r.hazard_id,
        status=r.status,
        assignee_id=r.assignee_id,
        due_at=r.due_at,
        overdue=r.status != "closed" and r.due_at < utcnow(),
        note=r.note,
        created_by=r.created_by,
        created_at=r.created_at,
        after_photo_id=r.after_photo_id,
        close_note=r.close_note,
        override=r.override,
        closed_by=r.closed_by,
        closed_at=r.closed_at,
        refused_reason=r.refused_reason,
    )


def rectification_body(r: Rectification) -> dict[str, Any]:
    """The same fields as a dict (values not yet JSON: datetimes stay datetimes), for
    an alert's payload and a problem's `extra`."""
    return msgspec.structs.asdict(rectification_out(r))


async def list_hazards(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    page: PageParams,
    site_id: uuid.UUID | None,
    status: str | None,
) -> tuple[list[HazardOut], int]:
    query = select(Hazard).where(
        Hazard.company_id == actor.company_id, _on_visible_site(actor, Hazard.site_id)
    )
    if site_id is not None:
        query = query.where(Hazard.site_id == site_id)
    if status is not None:
        query = query.where(Hazard.status == status)
    # Open items: surest flags first; decided ones: newest first.
    order = (
        (Hazard.top_score.desc(), Hazard.created_at.desc())
        if status == "open"
        else (Hazard.created_at.desc(),)
    )
    hazards, total = await fetch_page(session, query.order_by(*order, Hazard.id), page)
    ids = [h.id for h in hazards]
    photos = {
        p.id: p
        for p in await session.scalars(
            select(Photo).where(Photo.id.in_([h.photo_id for h in hazards]))
        )
    }
    rows = await session.execute(
        select(Rectification.hazard_id, Rectification.id).where(Rectification.hazard_id.in_(ids))
    )
    fixes = {hazard_id: fix_id for hazard_id, fix_id in rows.tuples()}
    items = [_hazard_out(h, photos[h.photo_id], fixes.get(h.id), store, settings) for h in hazards]
    return items, total


async def _get_hazard(session: AsyncSession, actor: Actor, hazard_id: uuid.UUID) -> Hazard:
    hazard = await session.scalar(
        select(Hazard)
        .where(
            Hazard.id == hazard_id,
            Hazard.company_id == actor.company_id,
            _on_visible_site(actor, Hazard.site_id),
        )
        .with_for_update()
    )
    if hazard is None:
        raise HazardNotFound(f"hazard {hazard_id} not found")
    return hazard


async def _check_assignee(session: AsyncSession, actor: Actor, assignee_id: uuid.UUID) -> User:
    # Anyone active in the company may be given a fix (a safety officer assigns foremen
    # and subcontractors they otherwise have no reason to list).
    user = await session.scalar(
        select(User).where(User.id == assignee_id, User.company_id == actor.company_id)
    )
    if user is None:
        raise NotFound(f"user {assignee_id} not found", code="user_not_found")
    if not user.is_active:
        raise Invalid("the assignee is deactivated", code="assignee_invalid")
    return user


async def review(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    hazard_id: uuid.UUID,
    data: ReviewIn,
) -> HazardOut:
    hazard = await _get_hazard(session, actor, hazard_id)
    if hazard.status != "open":
        raise Conflict(f"hazard already {hazard.status}", code="already_reviewed")
    now = utcnow()
    hazard.status = "confirmed" if data.decision is Decision.CONFIRM else "dismissed"
    hazard.reviewed_by = actor.id
    hazard.reviewed_at = now
    hazard.review_note = data.note
    fix: Rectification | None = None
    if data.decision is Decision.CONFIRM:
        if data.due_at is not None and data.due_at.tzinfo is None:
            raise Invalid("due_at needs a timezone offset", code="due_at_invalid")
        if data.assignee_id is not None:
            await _check_assignee(session, actor, data.assignee_id)
        fix = Rectification(
            id=uuid.uuid4(),
            company_id=hazard.company_id,
            site_id=hazard.site_id,
            hazard_id=hazard.id,
            status="open",
            assignee_id=data.assignee_id,
            due_at=data.due_at or now + DEFAULT_DUE,
            note=data.note,
            created_by=actor.id,
        )
        session.add(fix)
    await session.flush()
    await audit.record(
        session,
        actor,
        action=hazard.status,
        entity="hazard",
        entity_id=hazard.id,
        after={"decision": data.decision.value, "note": data.note},
    )
    photo = await session.get(Photo, hazard.photo_id)
    assert photo is not None
    return _hazard_out(hazard, photo, fix.id if fix else None, store, settings)


async def list_rectifications(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    site_id: uuid.UUID | None,
    status: str | None,
    overdue: bool | None,
) -> tuple[list[RectificationOut], int]:
    query = select(Rectification).where(visible_rectifications(actor))
    if site_id is not None:
        query = query.where(Rectification.site_id == site_id)
    if status is not None:
        query = query.where(Rectification.status == status)
    if overdue:
        query = query.where(Rectification.status != "closed", Rectification.due_at < utcnow())
    rows, total = await fetch_page(
        session, query.order_by(Rectification.due_at, Rectification.id), page
    )
    return [rectification_out(r) for r in rows], total


async def close(
    session: AsyncSession, actor: Actor, rectification_id: uuid.UUID, data: CloseIn
) -> tuple[RectificationOut, int]:
    """200 closed, or 202 `verifying` while the model checks the after photo (the job
    then closes it, or reopens it with `refused_reason: after_photo_flagged`)."""
    fix = await session.scalar(
        select(Rectification)
        .where(Rectification.id == rectification_id, visible_rectifications(actor))
        .with_for_update()
    )
    if fix is None:
        raise RectificationNotFound(f"rectification {rectification_id} not found")
    if fix.status == "closed":
        if fix.after_photo_id == data.photo_id:
            return rectification_out(fix), 200  # a resend of the close that worked
        raise Conflict("the rectification is already closed", code="already_closed")
    if data.override and actor.role not in REVIEWERS:
        # Overruling the model is a reviewer's call, never the assignee's own.
        raise Forbidden(
            "only an admin, manager or safety officer may overrule the model",
            code="override_not_allowed",
        )
    if not data.note.strip():
        # Every close says what was done; an override says why the model is wrong.
        raise Invalid("a closing note is required", code="note_required")
    (after,) = await photos_for_attachment(session, actor, [data.photo_id], fix.site_id)
    hazard = await session.get(Hazard, fix.hazard_id)
    if hazard is not None and hazard.photo_id == after.id:
        raise Invalid("the after photo must be a new photo", code="after_photo_invalid")
    await _check_after_photo_free(session, fix, after)
    before = {"status": fix.status, "after_photo_id": _text(fix.after_photo_id)}
    fix.after_photo_id = after.id
    fix.close_note = data.note
    fix.override = data.override
    fix.refused_reason = None
    fix.closed_by = actor.id
    status = resolve(fix, after)
    await session.flush()
    await audit.record(
        session,
        actor,
        action="close" if fix.status == "closed" else "close_requested",
        entity="rectification",
        entity_id=fix.id,
        before=before,
        after={
            "photo_id": str(after.id),
            "override": data.override,
            "note": data.note,
            "status": fix.status,
        },
    )
    if fix.status == "open":
        raise Conflict(
            "the model still flags the after photo; fix it, or close with override and a note",
            code="after_photo_flagged",
            extra={"rectification": rectification_body(fix)},
        )
    return rectification_out(fix), status


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


async def _check_after_photo_free(session: AsyncSession, fix: Rectification, after: Photo) -> None:
    """An after photo proves this fix only. A photo with a hazard row (the model flagged
    it: open in the queue, or decided) is that hazard's evidence and stays so; closing
    with it would hide or borrow another hazard. Nor may one photo close two fixes. A
    photo still unchecked at the close is not queued if the model flags it later
    (detection.record_result): by then it is this fix's, judged by this close."""
    other_hazard = await session.scalar(select(Hazard.id).where(Hazard.photo_id == after.id))
    if other_hazard is not None:
        raise Conflict(
            "this photo is another hazard's photo (the model flagged it); take a new one",
            code="after_photo_is_hazard",
        )
    other_fix = await session.scalar(
        select(Rectification.id).where(
            Rectification.after_photo_id == after.id, Rectification.id != fix.id
        )
    )
    if other_fix is not None:
        raise Conflict(
            "this photo is the after photo of another rectification; take a new one",
            code="after_photo_in_use",
        )


def resolve(fix: Rectification, after: Photo) -> int:
    """Decide a requested close (`closed_by` set) from the after photo's check; returns
    the HTTP status it amounts to."""
    verdict = after.hazard_status
    if verdict == "pending":
        fix.status = "verifying"
        return 202
    if verdict == "clear" or fix.override:
        fix.status = "closed"
        fix.closed_at = utcnow()
        return 200
    # Flagged, or the check failed: not proven fixed.
    fix.status = "open"
    fix.closed_by = None
    fix.refused_reason = "after_photo_flagged" if verdict == "flagged" else "after_photo_unchecked"
    return 409


async def resolve_verifying(session: AsyncSession, photo: Photo) -> None:
    """After the model checked `photo`: settle the closes that waited for it."""
    waiting = await session.scalars(
        select(Rectification)
        .where(Rectification.after_photo_id == photo.id, Rectification.status == "verifying")
        .with_for_update()
    )
    for fix in waiting:
        resolve(fix, photo)
