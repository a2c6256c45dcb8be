"""What a scan of a material batch label shows: the public face of this domain for
api/domain/scan (which also asks the equipment domain)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import MaterialBatch
from api.domain.labels.qr import public_base
from api.domain.materials.schemas import BatchOut
from api.domain.materials.services import BatchReader, batch_actions, batch_flags, batch_query
from api.lib.context import Actor
from api.lib.deps import provide_settings, provide_store
from api.lib.reads import PreparedRead
from api.lib.statements import PerActorStatements

_by_code = PerActorStatements(
    lambda actor: PreparedRead(batch_query(actor).where(MaterialBatch.code == bindparam("code")))
)


class BatchScan(msgspec.Struct, tag_field="kind", tag="material_batch"):
    code: str
    item: BatchOut
    # Warnings to show first: certificate_missing/expired/expiring,
    # rejected_deliveries, over_delivered.
    flags: list[str]
    # What this person may do next: receive, upload_certificate, edit.
    actions: list[str]


def provide_reader(request: Request[Any, Any, Any]) -> BatchReader:
    """Batch responses for this request: label links on its address, certificate links
    presigned for the configured lifetime."""
    state = request.app.state
    return BatchReader(
        public_base(request), provide_store(state), provide_settings(state).uploads.presign_ttl_s
    )


async def scan_batch(
    engine: AsyncEngine, actor: Actor, code: str, reader: BatchReader
) -> BatchScan | None:
    row = await _by_code.get(actor).first(engine, code=code)
    if row is None:
        return None
    item = reader.out(row)
    return BatchScan(
        code=item.code, item=item, flags=batch_flags(item), actions=batch_actions(actor.role)
    )
