"""Whether a worker's enrolled templates may arm the punch face check.

A face check proves only that the selfie shows whoever was enrolled. So the check
counts (a matching selfie can make a punch `accepted`) only while the enrolment is
confirmed as the worker's own: the first enrolment ever, an enrolment made or verified
by a manager or admin, and samples added to either (they must match it). An enrolment
made by the worker or their foreman after an earlier one was erased is not confirmed
until a manager or admin verifies it: otherwise "erase, enrol a friend" would let the
friend punch for the worker (api/domain/faces/services.py applies the rules).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import FaceEnrolment, Role
from api.lib.context import Actor

# Who confirms a face as the worker's: the roles that already decide punches in review.
CONFIRMING_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def confirms_for(actor: Actor, user_id: uuid.UUID) -> bool:
    """Does this actor's own enrolment or verification confirm the face? Nobody
    vouches for their own face, as nobody co-signs or reviews their own punch."""
    return actor.role in CONFIRMING_ROLES and actor.id != user_id


async def enrolment_verified(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """False without a row too: templates nobody recorded an enrolment for (only
    possible by writing the table directly) are not trusted."""
    verified_at = await session.scalar(
        select(FaceEnrolment.verified_at).where(FaceEnrolment.user_id == user_id)
    )
    return verified_at is not None
