"""After the rush: wait for the hazard backlog, then hold the database and the bucket
against what the server acknowledged (read-only: SQLAlchemy for the rows, boto3 for the
bucket listing)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from api.config import Settings
from benchmarks.rush_stats import Check, Ledger, exact_once, object_problems
from storage.s3 import make_client

POLL_S = 0.5
FINISHED = ("clear", "flagged")

# Jobs still to run for this company's photos: the photo rows and the queue both.
_BACKLOG = text(
    """
    SELECT (SELECT count(*) FROM photos
             WHERE company_id = :company AND hazard_status = 'pending')
         + (SELECT count(*) FROM procrastinate_jobs
             WHERE queue_name = 'inference' AND status IN ('todo', 'doing'))
    """
)


@dataclass(frozen=True)
class DrainResult:
    done: bool
    left: int
    finished_at: float
    after_rush_s: float

    def since(self, moment: float | None) -> float:
        return self.finished_at - moment if moment is not None else 0.0


async def drain(env: Mapping[str, str], company_id: uuid.UUID, timeout_s: float) -> DrainResult:
    """Poll until no hazard check of the company's photos is pending or queued."""
    engine = create_async_engine(env["DATABASE_URL"], pool_size=1)
    started = time.monotonic()
    left = -1
    try:
        while True:
            async with engine.connect() as conn:
                left = int((await conn.execute(_BACKLOG, {"company": company_id})).scalar_one())
            now = time.monotonic()
            if left == 0 or now - started > timeout_s:
                return DrainResult(left == 0, left, now, now - started)
            await asyncio.sleep(POLL_S)
    finally:
        await engine.dispose()


async def _ids(conn: AsyncConnection, sql: str, company_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.execute(text(sql), {"company": company_id})
    return [uuid.UUID(str(r[0])) for r in rows]


# kind -> (its rows, its audit 'create'-like entries), both one id per row.
_STORED = {
    "punch": (
        "SELECT id FROM punches WHERE company_id = :company",
        "SELECT entity_id FROM audit_log WHERE company_id = :company "
        "AND entity = 'punch' AND action = 'create'",
    ),
    "inspection": (
        "SELECT id FROM inspections WHERE company_id = :company",
        "SELECT entity_id FROM audit_log WHERE company_id = :company "
        "AND entity = 'inspection' AND action = 'create'",
    ),
    "photo": (
        "SELECT id FROM photos WHERE company_id = :company",
        "SELECT entity_id FROM audit_log WHERE company_id = :company "
        "AND entity = 'photo' AND action = 'create'",
    ),
    "equipment_event": (
        "SELECT id FROM equipment_events WHERE company_id = :company AND kind = 'inspection'",
        "SELECT after->>'event_id' FROM audit_log WHERE company_id = :company "
        "AND entity = 'equipment' AND action = 'inspection'",
    ),
}


def _list_bucket(settings: Settings) -> list[str]:
    client: Any = make_client(settings.s3)
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.s3.bucket):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


async def verify(
    env: Mapping[str, str],
    company_id: uuid.UUID,
    ledger: Ledger,
    photo_bare: Mapping[uuid.UUID, bool],
) -> list[Check]:
    settings = Settings.from_env(env)
    engine = create_async_engine(settings.db.url, pool_size=1)
    checks: list[Check] = []
    try:
        async with engine.connect() as conn:
            for kind, (rows_sql, audit_sql) in _STORED.items():
                accepted = ledger.accepted.get(kind, set())
                rows = await _ids(conn, rows_sql, company_id)
                audits = await _ids(conn, audit_sql, company_id)
                checks.append(
                    Check(
                        f"{kind}: stored exactly once",
                        exact_once(accepted, rows)
                        + [f"audit: {p}" for p in exact_once(accepted, audits)],
                        f"{len(accepted)} accepted, {len(rows)} rows, {len(audits)} audit entries",
                    )
                )
            verdicts = Counter(
                f"{status} {','.join(reasons)}".strip()
                for status, reasons in await conn.execute(
                    text("SELECT status, reasons FROM punches WHERE company_id = :company"),
                    {"company": company_id},
                )
            )
            not_accepted = {k: n for k, n in verdicts.items() if not k.startswith("accepted")}
            checks.append(
                Check(
                    "punch verdicts: all accepted (face, geofence, accuracy, clock)",
                    [f"{n} {k}" for k, n in sorted(not_accepted.items())],
                    f"{verdicts.get('accepted', 0)} accepted",
                )
            )
            referenced = [
                str(r[0])
                for r in await conn.execute(
                    text(
                        "SELECT key FROM photos UNION SELECT thumb_key FROM photos "
                        "UNION SELECT selfie_key FROM punches WHERE selfie_key IS NOT NULL "
                        "UNION SELECT certificate_key FROM material_batches "
                        "WHERE certificate_key IS NOT NULL"
                    )
                )
            ]
            pending = int(
                (await conn.execute(text("SELECT count(*) FROM pending_objects"))).scalar_one()
            )
            statuses: dict[uuid.UUID, str] = dict(
                (
                    await conn.execute(
                        text("SELECT id, hazard_status FROM photos WHERE company_id = :company"),
                        {"company": company_id},
                    )
                ).all()
            )
    finally:
        await engine.dispose()

    objects = await anyio.to_thread.run_sync(_list_bucket, settings)
    checks.append(
        Check(
            "S3 against the rows: no orphans, nothing missing",
            object_problems(objects, referenced)
            + ([f"{pending} keys still in pending_objects"] if pending else []),
            f"{len(objects)} objects, {len(set(referenced))} keys referenced",
        )
    )
    unfinished = Counter(s for s in statuses.values() if s not in FINISHED)
    flagged = [pid for pid, s in statuses.items() if s == "flagged"]
    bare = [pid for pid, is_bare in photo_bare.items() if is_bare and pid in statuses]
    flagged_bare = sum(1 for pid in flagged if photo_bare.get(pid))
    checks.append(
        Check(
            "every photo's hazard check finished",
            [f"{n} {s}" for s, n in sorted(unfinished.items())],
            f"{len(flagged)} of {len(statuses)} flagged; "
            f"{flagged_bare} of {len(bare)} with a labelled bare head",
        )
    )
    pairs = Counter(ledger.duplicate_pairs)
    doubled = [p for p in ledger.duplicate_pairs if p == (201, 201)]
    lost = [p for p in ledger.duplicate_pairs if None in p]
    checks.append(
        Check(
            "concurrent duplicates: one create, one replay",
            ([f"{len(doubled)} pairs both created (201, 201)"] if doubled else [])
            + ([f"{len(lost)} pairs with a failed side"] if lost else []),
            ", ".join(f"{a}+{b}: {n}" for (a, b), n in sorted(pairs.items(), key=str)) or "none",
        )
    )
    return checks
