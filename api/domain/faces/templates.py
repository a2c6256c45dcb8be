"""Face templates at rest: AES-256-GCM sealed, bound to their row, key from the environment.

A template is a 128-d float32 encoding (512 bytes). Sealed form, as stored in
`face_templates.template`:

    version (1 byte, 0x01) | nonce (12 random bytes) | ciphertext (512) | GCM tag (16)

The additional authenticated data names the template id and the user id, so a sealed
template copied onto another worker's row (or another row id) fails authentication
instead of letting that worker punch with someone else's face. Without
SITECHECK_FACE_KEY the bytes in the database are noise; with a wrong key, opening fails.
"""

from __future__ import annotations

import os
import uuid
from typing import Final

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import FaceTemplate
from api.lib.errors import ServiceUnavailable
from inference.face import ENCODING_SIZE, MODEL_NAME, Vector

_VERSION: Final = b"\x01"
_NONCE_BYTES: Final = 12
_PLAIN_BYTES: Final = ENCODING_SIZE * 4
SEALED_BYTES: Final = 1 + _NONCE_BYTES + _PLAIN_BYTES + 16


class FaceKeyMissing(ServiceUnavailable):
    code = "face_key_missing"
    title = "Face checks are not configured on this server"


class TemplateUnreadable(ServiceUnavailable):
    """A stored template does not open with the configured key (a changed or wrong
    SITECHECK_FACE_KEY, or a tampered row): an operator problem, not the worker's."""

    code = "face_templates_unreadable"
    title = "Stored face templates cannot be read with the configured key"


def require_key(key: bytes | None) -> bytes:
    if key is None:
        raise FaceKeyMissing("SITECHECK_FACE_KEY is not set on this server")
    return key


def _aad(template_id: uuid.UUID, user_id: uuid.UUID) -> bytes:
    return b"sitecheck/face-template/v1/" + template_id.bytes + user_id.bytes


def seal(key: bytes, template_id: uuid.UUID, user_id: uuid.UUID, vector: Vector) -> bytes:
    plain = np.asarray(vector, dtype="<f4").tobytes()
    if len(plain) != _PLAIN_BYTES:
        raise ValueError("a face template has 128 values")
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plain, _aad(template_id, user_id))


def unseal(key: bytes, template_id: uuid.UUID, user_id: uuid.UUID, sealed: bytes) -> Vector:
    if len(sealed) != SEALED_BYTES or sealed[:1] != _VERSION:
        raise TemplateUnreadable(f"template {template_id} has an unknown format")
    nonce = sealed[1 : 1 + _NONCE_BYTES]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed[1 + _NONCE_BYTES :], _aad(template_id, user_id))
    except InvalidTag:
        raise TemplateUnreadable(f"template {template_id} does not open with this key") from None
    return np.frombuffer(plain, dtype="<f4").astype(np.float64)


async def count_templates(session: AsyncSession, user_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.count()).select_from(FaceTemplate).where(FaceTemplate.user_id == user_id)
    )
    return int(total or 0)


async def load_templates(
    session: AsyncSession, key: bytes | None, user_id: uuid.UUID
) -> list[Vector]:
    """The user's templates in the current model, opened; [] when not enrolled."""
    rows = (
        await session.execute(
            select(FaceTemplate.id, FaceTemplate.template).where(
                FaceTemplate.user_id == user_id, FaceTemplate.model == MODEL_NAME
            )
        )
    ).all()
    if not rows:
        return []
    opened = require_key(key)
    return [unseal(opened, row.id, user_id, row.template) for row in rows]
