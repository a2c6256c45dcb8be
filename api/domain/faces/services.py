"""Face enrolment, status and erasure. Services never commit: the request's transaction does.

What is kept: sealed 128-d templates (api/domain/faces/templates.py) and the consent record.
What is not: the enrolment photo, in any form (it is read in memory, encoded, dropped;
nothing goes to S3), so erasure is deleting the template rows.

Decisions where the contract is silent:
- Samples roll: at the limit (SITECHECK_FACE_MAX_SAMPLES) a new sample replaces the
  oldest, so re-enrolling after a haircut or a new beard keeps working without a DELETE.
- A new sample must match the worker's existing samples (threshold as for punches),
  else 422 `face_mismatch`: otherwise anyone allowed to enrol could quietly add a second
  person to a worker's templates (a buddy punch made permanent). Replacing a person's
  face takes an explicit, audited DELETE first.
- DELETE also withdraws the consent in force (the record stays, marked withdrawn): the
  worker punches through the non-face path (foreman co-sign) until they consent again.
  Their kept selfies are deleted too (api/domain/attendance/selfies.py); punches stay.
- Who confirms a face (api/domain/faces/enrolments.py): the first enrolment ever is trusted
  as onboarding; after an erasure, an enrolment by the worker or their foreman is kept
  but unverified (punches that match it go to review, `face_reenrolled`) until a
  manager or admin of the worker verifies it or enrols the face themself. Anyone may
  still erase their own face at any time: that is the worker's right, and it never
  re-arms anything.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import FaceConsent, FaceEnrolment, FaceTemplate, User
from api.db.models.base import utcnow
from api.domain.attendance.punches import lock_worker
from api.domain.attendance.selfies import release_selfies
from api.domain.faces.enrolments import confirms_for
from api.domain.faces.recognition import encode_photo
from api.domain.faces.schemas import FaceEnrolForm, FaceStatus, FaceSummary
from api.domain.faces.templates import count_templates, load_templates, require_key, seal
from api.lib import audit
from api.lib.authz import get_visible_user
from api.lib.context import Actor
from api.lib.errors import Conflict, Forbidden, Invalid
from api.lib.idempotency import create_once
from api.lib.uploads import read_upload
from inference.face import MODEL_NAME, FaceError, face_distance

DEFAULT_CONSENT_VERSION = "1"
_VERSION_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class ConsentRequired(Invalid):
    code = "consent_required"
    title = "Face enrolment needs the worker's recorded consent"


class FaceRefused(Invalid):
    """The photo cannot be enrolled; `code` is face_not_found, multiple_faces,
    image_invalid or face_mismatch."""

    title = "The photo cannot be enrolled"


async def _active_consent(session: AsyncSession, user_id: uuid.UUID) -> FaceConsent | None:
    return await session.scalar(
        select(FaceConsent).where(
            FaceConsent.user_id == user_id, FaceConsent.withdrawn_at.is_(None)
        )
    )


async def _status(session: AsyncSession, user_id: uuid.UUID) -> FaceStatus:
    samples = await count_templates(session, user_id)
    consent = await _active_consent(session, user_id)
    enrolment = await session.get(FaceEnrolment, user_id)
    return FaceStatus(
        enrolled=samples > 0,
        samples=samples,
        verified=samples > 0 and enrolment is not None and enrolment.verified_at is not None,
        consented_at=consent.consented_at if consent else None,
        consent_version=consent.text_version if consent else None,
        first_enrolled_at=enrolment.first_enrolled_at if enrolment else None,
    )


async def face_summaries(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, FaceSummary]:
    """The face state of many users at once (a page of the staff list): two queries."""
    rows = await session.execute(
        select(FaceTemplate.user_id, func.count())
        .where(FaceTemplate.user_id.in_(user_ids))
        .group_by(FaceTemplate.user_id)
    )
    counts = {user_id: int(n) for user_id, n in rows}
    verified = set(
        await session.scalars(
            select(FaceEnrolment.user_id).where(
                FaceEnrolment.user_id.in_(user_ids), FaceEnrolment.verified_at.is_not(None)
            )
        )
    )
    summaries = {}
    for user_id in user_ids:
        samples = counts.get(user_id, 0)
        summaries[user_id] = FaceSummary(
            enrolled=samples > 0, verified=samples > 0 and user_id in verified, samples=samples
        )
    return summaries


async def face_status(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> FaceStatus:
    user = await get_visible_user(session, actor, user_id)
    return await _status(session, user.id)


def _consent_version(form: FaceEnrolForm) -> str:
    if (form.consent or "").strip().lower() != "true":
        raise ConsentRequired('The form part "consent" must be "true"')
    version = (form.consent_version or DEFAULT_CONSENT_VERSION).strip()
    if not _VERSION_RE.match(version):
        raise Invalid(
            "consent_version must be 1-32 letters, digits, dots, dashes or underscores",
            code="consent_version_invalid",
        )
    return version


async def _record_consent(
    session: AsyncSession, actor: Actor, user: User, version: str
) -> FaceConsent:
    consent = await _active_consent(session, user.id)
    if consent is not None and consent.text_version == version:
        return consent
    now = utcnow()
    if consent is not None:
        # Agreeing to a newer notice supersedes the old agreement; both stay on record.
        consent.withdrawn_at = now
        consent.withdrawn_by_id = actor.id
        await session.flush()
    consent = FaceConsent(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        user_id=user.id,
        text_version=version,
        consented_at=now,
        recorded_by_id=actor.id,
    )
    session.add(consent)
    await session.flush()
    return consent


async def _enrol(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    user: User,
    image: bytes,
    version: str,
) -> FaceStatus:
    key = require_key(settings.faces.key)
    try:
        encoding, _ = await encode_photo(image)
    except FaceError as exc:
        raise FaceRefused(str(exc), code=exc.code) from exc
    # Serialise enrolments of one worker, so two at once cannot both pass the sample
    # count or the same-person check.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    existing = await load_templates(session, key, user.id)
    closest = face_distance(encoding.vector, existing) if existing else None
    if closest is not None and closest > settings.faces.match_threshold:
        raise FaceRefused(
            f"this face does not match the {len(existing)} enrolled sample(s) "
            f"(distance {closest:.2f}); erase the enrolment first to enrol someone else",
            code="face_mismatch",
        )
    replaced: list[uuid.UUID] = []
    overflow = len(existing) + 1 - settings.faces.max_samples
    if overflow > 0:
        oldest = await session.scalars(
            select(FaceTemplate.id)
            .where(FaceTemplate.user_id == user.id)
            .order_by(FaceTemplate.created_at, FaceTemplate.id)
            .limit(overflow)
        )
        replaced = list(oldest)
        await session.execute(delete(FaceTemplate).where(FaceTemplate.id.in_(replaced)))
    how = await _confirm_enrolment(session, actor, user, re_enrolment=not existing)
    template_id = uuid.uuid4()
    session.add(
        FaceTemplate(
            id=template_id,
            company_id=actor.company_id,
            user_id=user.id,
            model=MODEL_NAME,
            template=seal(key, template_id, user.id, encoding.vector),
            created_at=utcnow(),
            created_by_id=actor.id,
        )
    )
    await session.flush()
    consent = await _record_consent(session, actor, user, version)
    status = await _status(session, user.id)
    await audit.record(
        session,
        actor,
        action="face_enrol",
        entity="user_face",
        entity_id=user.id,
        after={
            "template_id": str(template_id),
            "samples": status.samples,
            "replaced": [str(r) for r in replaced],
            "distance_to_enrolled": None if closest is None else round(closest, 4),
            "consent_id": str(consent.id),
            "consent_version": consent.text_version,
            "verified": status.verified,
            # first_enrolment | confirmed_by_reviewer | unverified_reenrolment |
            # added_to_verified | added_to_unverified
            "enrolment": how,
        },
    )
    return status


async def _confirm_enrolment(
    session: AsyncSession, actor: Actor, user: User, *, re_enrolment: bool
) -> str:
    """Records the sample's effect on whether the face check counts (module docstring);
    returns how this sample was judged, for the audit trail."""
    now = utcnow()
    enrolment = await session.get(FaceEnrolment, user.id)
    if enrolment is None:
        enrolment = FaceEnrolment(
            user_id=user.id,
            company_id=actor.company_id,
            first_enrolled_at=now,
            verified_at=now,
            verified_by_id=actor.id,
        )
        session.add(enrolment)
        return "first_enrolment"
    if confirms_for(actor, user.id):
        if re_enrolment or enrolment.verified_at is None:
            enrolment.verified_at = now
            enrolment.verified_by_id = actor.id
        return "confirmed_by_reviewer"
    if re_enrolment:
        # A face enrolled after an erasure may be anyone's: it waits for a manager.
        enrolment.verified_at = None
        enrolment.verified_by_id = None
        return "unverified_reenrolment"
    # A matching sample keeps the enrolment as it was, confirmed or not.
    return "added_to_verified" if enrolment.verified_at else "added_to_unverified"


async def _read_image(form: FaceEnrolForm, max_bytes: int) -> bytes:
    if form.image is None:
        raise FaceRefused('The form part "image" is missing', code="image_invalid")
    # The same cap as every other upload: a sample bigger than a photo is no face photo.
    image = await read_upload(form.image, max_bytes, part="image")
    if not image:
        raise FaceRefused("The image is empty", code="image_invalid")
    return image


def _request_hash(user: User, image: bytes, version: str) -> str:
    # Identifies a resend of the same photo; a hash cannot be turned back into a face.
    digest = hashlib.sha256(b"face_sample\0" + user.id.bytes + version.encode() + b"\0")
    digest.update(image)
    return digest.hexdigest()


async def enrol(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    user_id: uuid.UUID,
    form: FaceEnrolForm,
) -> FaceStatus:
    """Add one sample; with a client `id`, a resend answers like the first time."""
    user = await get_visible_user(session, actor, user_id)
    version = _consent_version(form)
    image = await _read_image(form, settings.uploads.max_bytes)
    require_key(settings.faces.key)

    async def work() -> FaceStatus:
        return await _enrol(session, actor, settings, user, image, version)

    if form.id is None:
        return await work()
    outcome = await create_once(
        session,
        actor,
        scope="face_sample",
        client_id=form.id,
        request_hash=_request_hash(user, image, version),
        create=work,
        out=FaceStatus,
    )
    return outcome.body


async def erase(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> list[str]:
    """Returns the selfie keys let go of, for the caller to delete after its commit."""
    user = await get_visible_user(session, actor, user_id)
    # The punch lock before the row lock, in a punch's order (it locks, then inserts rows
    # referring to the user): a punch in progress finishes and its selfie is released
    # below; a later one finds no templates and keeps no selfie.
    await lock_worker(session, user.id)
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    selfies = await release_selfies(session, user.id)
    removed = await session.scalars(
        delete(FaceTemplate).where(FaceTemplate.user_id == user.id).returning(FaceTemplate.id)
    )
    removed_ids = [str(r) for r in removed]
    consent = await _active_consent(session, user.id)
    if consent is not None:
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by_id = actor.id
    enrolment = await session.get(FaceEnrolment, user.id)
    was_verified = enrolment is not None and enrolment.verified_at is not None
    if enrolment is not None:
        # The row stays (the worker enrolled before); the next face enrolled needs a
        # manager's confirmation unless a manager enrols it.
        enrolment.verified_at = None
        enrolment.verified_by_id = None
    await session.flush()
    await audit.record(
        session,
        actor,
        action="face_erase",
        entity="user_face",
        entity_id=user.id,
        before={
            "templates": removed_ids,
            "samples": len(removed_ids),
            "consent_id": str(consent.id) if consent else None,
            "verified": was_verified,
        },
        after={
            "samples": 0,
            "consent_withdrawn": consent is not None,
            "verified": False,
            "selfies_deleted": len(selfies),
        },
    )
    return selfies


async def verify(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> FaceStatus:
    """A manager or admin of the worker confirms that the enrolled face is the worker's
    (they have seen the worker and the enrolment): matching selfies count again."""
    user = await get_visible_user(session, actor, user_id)
    if not confirms_for(actor, user.id):
        raise Forbidden("Nobody verifies their own face enrolment", code="self_verify")
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    samples = await count_templates(session, user.id)
    if samples == 0:
        raise Conflict("No face is enrolled for this person", code="face_not_enrolled")
    enrolment = await session.get(FaceEnrolment, user.id)
    if enrolment is not None and enrolment.verified_at is not None:
        return await _status(session, user.id)  # already confirmed: nothing to record
    now = utcnow()
    if enrolment is None:
        # Templates with no enrolment record (written outside this module) are treated
        # as unconfirmed; verifying them starts the record.
        enrolment = FaceEnrolment(
            user_id=user.id, company_id=actor.company_id, first_enrolled_at=now
        )
        session.add(enrolment)
    enrolment.verified_at = now
    enrolment.verified_by_id = actor.id
    await session.flush()
    await audit.record(
        session,
        actor,
        action="face_verify",
        entity="user_face",
        entity_id=user.id,
        before={"samples": samples, "verified": False},
        after={"samples": samples, "verified": True},
    )
    return await _status(session, user.id)
