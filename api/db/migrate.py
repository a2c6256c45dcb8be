"""Apply Alembic migrations from code (the run command and the tests use this)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers

from api.config import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What autogenerate compares: our models, not the job queue's tables (procrastinate
    installs and upgrades its own schema) nor the indexes GeoAlchemy2 makes itself."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    if table is not None and table.startswith("procrastinate"):
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))  # type: ignore[no-untyped-call]
