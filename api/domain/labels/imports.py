"""Bulk import of QR-labelled items (equipment, material batches) from XLSX or CSV.

Mode: valid rows only. Every row is checked first and every problem reported as
{row, field, message} (row numbers as the spreadsheet shows them, the header being row
1); the rows without a problem are then written together, in the caller's transaction,
so either all of them are stored or, if the database fails, none. A file whose required
columns are missing, or that cannot be read, imports nothing (422). With `dry_run` the
rows are checked and nothing is written.

Re-importing a sheet is safe: a row whose unique key (an item's serial number, a
batch's site + material + supplier + batch number) is already registered, or repeats
an earlier row of the same file, is reported instead of registered twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import anyio.to_thread
import msgspec
from litestar.datastructures import UploadFile
from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Site
from api.domain.labels.qr import fresh_codes
from api.lib import audit
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.errors import Invalid
from api.lib.spreadsheets import RowError, RowReader, Table, normalise_header, read_table
from api.lib.uploads import read_upload
from api.server.openapi_docs import REQUIRED_PART

# Rows per INSERT: big enough to be fast, small enough for a smooth progress bar.
CHUNK = 500
# Rows one request may import; the CLI reads bigger files in one go.
MAX_ROWS = 10_000
MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ImportErrorOut(msgspec.Struct):
    row: int
    field: str
    message: str


class ImportedItem(msgspec.Struct):
    row: int
    id: uuid.UUID
    code: str


class ImportResult(msgspec.Struct):
    dry_run: bool
    rows: int
    imported: int
    errors: list[ImportErrorOut]
    items: list[ImportedItem]


class ImportColumnsMissing(Invalid):
    code = "import_columns_missing"
    title = "Required columns are missing"


@dataclass(frozen=True)
class Importer:
    """What one kind of item needs from the generic import."""

    model: Any  # an ORM class with id, company_id, site_id and code columns
    entity: str  # the audit trail's entity name
    # Accepted (normalised) headers, aliases included, and the field each one fills.
    columns: Mapping[str, str]
    required: frozenset[str]
    # Typed values of a row's own fields; problems go to the reader's errors.
    read_row: Callable[[RowReader], dict[str, Any]]
    # The unique key within a company: company_id or site_id plus these fields.
    unique_fields: tuple[str, ...]
    unique_scope: str  # "company_id" or "site_id"
    unique_message: str


Progress = Callable[[int], None]


async def run_import(
    session: AsyncSession,
    actor: Actor,
    importer: Importer,
    table: Table,
    *,
    default_site_id: uuid.UUID | None,
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportResult:
    present = {importer.columns[h] for h in table.headers if h in importer.columns}
    missing = sorted(importer.required - present)
    if default_site_id is None and "site" not in present:
        missing.append("site")
    if missing:
        raise ImportColumnsMissing(
            f"columns missing: {', '.join(missing)}",
            extra={
                "errors": [{"row": 1, "field": m, "message": "column is missing"} for m in missing]
            },
        )
    default_site = None
    if default_site_id is not None:
        default_site = (await get_visible_site(session, actor, default_site_id)).id
    sites = await _site_lookup(session, actor)

    errors: list[RowError] = []
    candidates: list[tuple[int, dict[str, Any]]] = []
    for number, raw in table.rows:
        values = {importer.columns[k]: v for k, v in raw.items() if k in importer.columns}
        reader = RowReader(number, values)
        fields = importer.read_row(reader)
        site_id = _resolve_site(reader, sites, default_site)
        if reader.errors:
            errors.extend(reader.errors)
            continue
        fields["site_id"] = site_id
        candidates.append((number, fields))

    good = await _drop_duplicates(session, actor, importer, candidates, errors)
    items: list[ImportedItem] = []
    if not dry_run and good:
        items = await _insert(session, actor, importer, good, errors, progress)
    errors.sort(key=lambda e: (e.row, e.field))
    return ImportResult(
        dry_run=dry_run,
        rows=len(table.rows),
        imported=len(items),
        errors=[ImportErrorOut(e.row, e.field, e.message) for e in errors],
        items=items,
    )


def header_map(fields: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """{field: (aliases...)} -> {normalised header: field}."""
    out: dict[str, str] = {}
    for field, aliases in fields.items():
        for name in (field, *aliases):
            out[normalise_header(name)] = field
    return out


async def _site_lookup(session: AsyncSession, actor: Actor) -> dict[str, uuid.UUID | None]:
    """Visible sites by id and by lower-case name; a name two sites share maps to None."""
    out: dict[str, uuid.UUID | None] = {}
    rows = await session.execute(select(Site.id, Site.name).where(visible_sites(actor)))
    for site_id, name in rows:
        out[str(site_id)] = site_id
        key = name.strip().lower()
        out[key] = None if key in out else site_id
    return out


def _resolve_site(
    reader: RowReader, sites: dict[str, uuid.UUID | None], default: uuid.UUID | None
) -> uuid.UUID | None:
    text = reader.text("site")
    if text is None:
        if default is None:
            reader.error("site", "is required")
        return default
    key = text.strip().lower()
    if key not in sites:
        reader.error("site", f"no site {text!r} that you can see")
        return None
    site_id = sites[key]
    if site_id is None:
        reader.error("site", f"several sites are called {text!r}; use the site's id")
    return site_id


def _key(importer: Importer, actor: Actor, fields: dict[str, Any]) -> tuple[Any, ...] | None:
    scope = actor.company_id if importer.unique_scope == "company_id" else fields["site_id"]
    values = tuple(fields.get(f) for f in importer.unique_fields)
    # NULL never clashes in a unique index (an item without a serial number).
    return None if any(v is None for v in values) else (scope, *values)


async def _drop_duplicates(
    session: AsyncSession,
    actor: Actor,
    importer: Importer,
    candidates: list[tuple[int, dict[str, Any]]],
    errors: list[RowError],
) -> list[tuple[int, dict[str, Any]]]:
    keys = {k for _, f in candidates if (k := _key(importer, actor, f)) is not None}
    columns = [getattr(importer.model, c) for c in (importer.unique_scope, *importer.unique_fields)]
    taken: set[tuple[Any, ...]] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), CHUNK):
        rows = await session.execute(
            select(*columns).where(
                importer.model.company_id == actor.company_id,
                tuple_(*columns).in_(key_list[start : start + CHUNK]),
            )
        )
        taken.update(tuple(r) for r in rows)
    seen: dict[tuple[Any, ...], int] = {}
    good = []
    field = importer.unique_fields[-1]
    for number, fields in candidates:
        key = _key(importer, actor, fields)
        if key is not None and key in taken:
            errors.append(RowError(number, field, f"{importer.unique_message} already registered"))
        elif key is not None and key in seen:
            errors.append(RowError(number, field, f"repeats row {seen[key]}"))
        else:
            if key is not None:
                seen[key] = number
            good.append((number, fields))
    return good


async def _insert(
    session: AsyncSession,
    actor: Actor,
    importer: Importer,
    good: list[tuple[int, dict[str, Any]]],
    errors: list[RowError],
    progress: Progress | None,
) -> list[ImportedItem]:
    items: list[ImportedItem] = []
    model = importer.model
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        pending = {uuid.uuid4(): (number, fields) for number, fields in chunk}
        # A row the database refuses on insert raced a concurrent registration of the
        # same key (reported), or drew a code another insert took meanwhile (retried).
        for _attempt in range(3):
            if not pending:
                break
            codes = await fresh_codes(session, len(pending))
            rows = [
                {**fields, "id": row_id, "company_id": actor.company_id, "code": code}
                for (row_id, (_, fields)), code in zip(pending.items(), codes, strict=True)
            ]
            stored = await session.execute(
                insert(model).values(rows).on_conflict_do_nothing().returning(model.id, model.code)
            )
            for row_id, code in stored:
                number, fields = pending.pop(row_id)
                items.append(ImportedItem(number, row_id, code))
                await audit.record(
                    session,
                    actor,
                    action="import",
                    entity=importer.entity,
                    entity_id=row_id,
                    after=msgspec.to_builtins({**fields, "code": code, "row": number}),
                )
            await _report_races(session, actor, importer, pending, errors)
        for number, _fields in pending.values():
            errors.append(RowError(number, "code", "could not be stored; import the row again"))
        if progress is not None:
            progress(len(chunk))
    return items


async def _report_races(
    session: AsyncSession,
    actor: Actor,
    importer: Importer,
    pending: dict[uuid.UUID, tuple[int, dict[str, Any]]],
    errors: list[RowError],
) -> None:
    if not pending:
        return
    still = await _drop_duplicates(session, actor, importer, list(pending.values()), errors)
    kept = {number for number, _ in still}
    for row_id in [r for r, (number, _) in pending.items() if number not in kept]:
        del pending[row_id]


@dataclass
class ImportForm:
    """A spreadsheet (`file`: XLSX or CSV) and the site its rows go to when they do not
    name one themselves."""

    file: UploadFile | None = dataclass_field(default=None, metadata=REQUIRED_PART)
    site_id: str | None = None


def parse_site_id(raw: str | None) -> uuid.UUID | None:
    if raw is None or not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise Invalid("site_id is not a UUID", code="site_id_invalid") from None


async def read_import(form: ImportForm) -> Table:
    data = await read_upload(form.file, MAX_IMPORT_BYTES)
    return await anyio.to_thread.run_sync(lambda: read_table(data, max_rows=MAX_ROWS))
