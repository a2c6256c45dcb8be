"""Command-line tasks against the configured database (same environment as the API).

    uv run python -m api.cli import-equipment ledger.xlsx --company "Acme Build" --site North
    uv run python -m api.cli import-batches deliveries.csv --company <id> --dry-run

Imports run the same checks as the HTTP import (api/domain/labels/imports.py) as one of the
company's admins (the first one, or `--as LOGIN`), so the audit trail names a person.
Rows with problems are reported (and written to `--errors-csv` if given); the good rows
are committed together. Exit status: 0 all rows imported, 1 some rows refused, 2 nothing
imported (unreadable file, missing columns, unknown company).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from api.config import Settings
from api.db.models import Company, Role, Site, User
from api.domain.equipment.imports import EQUIPMENT_IMPORT
from api.domain.labels.imports import Importer, ImportResult, run_import
from api.domain.materials.imports import BATCH_IMPORT
from api.lib.context import Actor
from api.lib.errors import AppError
from api.lib.spreadsheets import read_table

IMPORTERS: dict[str, Importer] = {
    "import-equipment": EQUIPMENT_IMPORT,
    "import-batches": BATCH_IMPORT,
}
# A file on the operator's own disk may be bigger than an upload.
CLI_MAX_ROWS = 200_000

console = Console(stderr=True)


class CliError(Exception):
    """A problem that stops the command; the message says what to fix."""


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def _company(session: AsyncSession, ref: str) -> Company:
    ident = _as_uuid(ref)
    condition = Company.id == ident if ident else func.lower(Company.name) == ref.strip().lower()
    found = list((await session.scalars(select(Company).where(condition))).all())
    if len(found) != 1:
        raise CliError(f"{'no' if not found else 'more than one'} company matches {ref!r}")
    return found[0]


async def _admin(session: AsyncSession, company: Company, login: str | None) -> User:
    query = select(User).where(
        User.company_id == company.id, User.role == Role.ADMIN, User.is_active
    )
    if login is not None:
        query = query.where(func.lower(User.login) == login.lower())
    user = await session.scalar(query.order_by(User.created_at).limit(1))
    if user is None:
        who = f"admin {login!r}" if login else "admin"
        raise CliError(f"no active {who} in company {company.name!r}")
    return user


async def _site(session: AsyncSession, company: Company, ref: str | None) -> uuid.UUID | None:
    if ref is None:
        return None
    ident = _as_uuid(ref)
    condition = Site.id == ident if ident else func.lower(Site.name) == ref.strip().lower()
    found = list(
        (
            await session.scalars(select(Site.id).where(Site.company_id == company.id, condition))
        ).all()
    )
    if len(found) != 1:
        raise CliError(f"{'no' if not found else 'more than one'} site matches {ref!r}")
    return found[0]


def _write_errors(path: Path, result: ImportResult) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "field", "message"])
        for error in result.errors:
            writer.writerow([error.row, error.field, error.message])


async def run(args: argparse.Namespace, settings: Settings) -> int:
    importer = IMPORTERS[args.command]
    data = args.file.read_bytes()
    table = await asyncio.to_thread(
        lambda: read_table(data, max_rows=CLI_MAX_ROWS, max_elements=None, timeout_s=None)
    )
    engine = create_async_engine(settings.db.url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            company = await _company(session, args.company)
            actor = Actor(user=await _admin(session, company, args.as_login), device_id="cli")
            site_id = await _site(session, company, args.site)
            with Progress(
                TextColumn(f"[bold]{args.command}[/] {args.file.name}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                bar = progress.add_task("rows", total=len(table.rows))
                result = await run_import(
                    session,
                    actor,
                    importer,
                    table,
                    default_site_id=site_id,
                    dry_run=args.dry_run,
                    progress=lambda n: progress.advance(bar, n),
                )
                progress.update(bar, completed=len(table.rows))
            if args.dry_run:
                await session.rollback()
            else:
                await session.commit()
    finally:
        await engine.dispose()
    verb = "would import" if args.dry_run else "imported"
    console.print(f"{verb} {result.imported} of {result.rows} rows; {len(result.errors)} problems")
    for error in result.errors[:50]:
        console.print(f"  row {error.row} [bold]{error.field}[/]: {error.message}")
    if len(result.errors) > 50:
        console.print(f"  ... and {len(result.errors) - 50} more")
    if args.errors_csv is not None:
        _write_errors(args.errors_csv, result)
    return 0 if not result.errors else 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m api.cli", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (
        ("import-equipment", "equipment items"),
        ("import-batches", "material batches"),
    ):
        cmd = commands.add_parser(name, help=f"import {what} from an XLSX or CSV file")
        cmd.add_argument("file", type=Path)
        cmd.add_argument("--company", required=True, help="company id or exact name")
        cmd.add_argument("--site", help="site (id or name) for rows without a site column")
        cmd.add_argument(
            "--as", dest="as_login", help="login of the admin to record (default: first)"
        )
        cmd.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
        cmd.add_argument("--errors-csv", type=Path, help="write the row problems to this CSV file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
        return asyncio.run(run(args, settings))
    except (CliError, AppError, OSError) as exc:
        console.print(f"[red]error:[/] {getattr(exc, 'detail', None) or exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
