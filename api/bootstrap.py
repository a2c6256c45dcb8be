"""Start-up tasks: the object-store bucket and the first superadmin."""

from __future__ import annotations

import logging
import uuid

import anyio.to_thread
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Role, User
from api.lib import audit
from api.lib.passwords import hash_password
from storage.s3 import ObjectStore, StorageUnavailable

logger = logging.getLogger("sitecheck.bootstrap")

# Any constant works; it only has to be the same in every replica.
_BOOTSTRAP_LOCK_KEY = 0x51735EC4


async def ensure_bucket(store: ObjectStore) -> None:
    try:
        await store.ensure_bucket()
    except StorageUnavailable:
        # Serve anyway: /health reports storage as down until the store answers, and
        # everything that does not touch photos keeps working on site.
        logger.exception("object store unavailable at start-up")


async def bootstrap_superadmin(session: AsyncSession, login: str, password: str) -> bool:
    """Create the platform superadmin if there are no users at all; True if created."""
    # Replicas starting together must not each create one.
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _BOOTSTRAP_LOCK_KEY})
    if await session.scalar(select(func.count()).select_from(User)):
        return False
    user = User(
        id=uuid.uuid4(),
        company_id=None,
        name="Platform administrator",
        login=login.strip().lower(),
        password_hash=await anyio.to_thread.run_sync(hash_password, password),
        role=Role.SUPERADMIN,
    )
    await audit.add_and_record(session, None, user, action="bootstrap", entity="user")
    logger.info("created the bootstrap superadmin", extra={"login": user.login})
    return True
