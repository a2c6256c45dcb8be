"""photos (shared), inspections, the job queue schema

Revision ID: 0002_photos_jobs
Revises: adbe064e3ee1
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0002_photos_jobs"
down_revision: str | None = "adbe064e3ee1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# procrastinate owns these objects; its own upgrade SQL files are applied as new
# migrations when the pinned version moves.
DROP_JOB_QUEUE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
               AND t.typtype IN ('e', 'c') LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
    END LOOP;
END;
$$
"""


def _execute_script(sql: str) -> None:
    """Run a multi-statement script as it is: asyncpg's simple-query path takes several
    statements at once (its prepared path does not), and nothing is parsed for bind
    parameters on the way."""
    from sqlalchemy.util import await_only

    driver_connection = op.get_bind().connection.driver_connection
    await_only(driver_connection.execute(sql))


def upgrade() -> None:
    op.create_table(
        "pending_objects",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pending_objects")),
    )
    op.create_index(
        op.f("ix_pending_objects_created_at"), "pending_objects", ["created_at"], unique=False
    )
    op.create_table(
        "inspections",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("equipment_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_inspections_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_inspections_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_inspections_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index(op.f("ix_inspections_company_id"), "inspections", ["company_id"], unique=False)
    op.create_index(op.f("ix_inspections_created_by"), "inspections", ["created_by"], unique=False)
    op.create_index(
        op.f("ix_inspections_equipment_id"), "inspections", ["equipment_id"], unique=False
    )
    op.create_index(op.f("ix_inspections_site_id"), "inspections", ["site_id"], unique=False)
    op.create_table(
        "photos",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("thumb_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source_bytes", sa.Integer(), nullable=False),
        sa.Column("source_width", sa.Integer(), nullable=False),
        sa.Column("source_height", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("hazard_status", sa.String(length=16), nullable=False),
        sa.Column("hazard_model", sa.String(length=200), nullable=True),
        sa.Column("hazard_detections", postgresql.JSONB(astext_type=Text()), nullable=True),
        sa.Column("hazard_attempts", sa.SmallInteger(), nullable=False),
        sa.Column("hazard_error", sa.Text(), nullable=True),
        sa.Column("hazard_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "hazard_status IN ('pending', 'clear', 'flagged', 'failed')",
            name=op.f("ck_photos_hazard_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_photos_company_id_companies")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_photos_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_photos_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    op.create_index(
        "ix_photos_company_hazard_status", "photos", ["company_id", "hazard_status"], unique=False
    )
    op.create_index(op.f("ix_photos_company_id"), "photos", ["company_id"], unique=False)
    op.create_index(op.f("ix_photos_key"), "photos", ["key"], unique=False)
    op.create_index(op.f("ix_photos_site_id"), "photos", ["site_id"], unique=False)
    op.create_index(op.f("ix_photos_thumb_key"), "photos", ["thumb_key"], unique=False)
    op.create_table(
        "inspection_photos",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_photos_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_inspection_photos_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inspection_id", "photo_id", name=op.f("pk_inspection_photos")),
    )
    _execute_script(SchemaManager.get_schema())


def downgrade() -> None:
    op.execute(DROP_JOB_QUEUE)
    op.drop_table("inspection_photos")
    op.drop_index(op.f("ix_photos_thumb_key"), table_name="photos")
    op.drop_index(op.f("ix_photos_site_id"), table_name="photos")
    op.drop_index(op.f("ix_photos_key"), table_name="photos")
    op.drop_index(op.f("ix_photos_company_id"), table_name="photos")
    op.drop_index("ix_photos_company_hazard_status", table_name="photos")
    op.drop_table("photos")
    op.drop_index(op.f("ix_inspections_site_id"), table_name="inspections")
    op.drop_index(op.f("ix_inspections_equipment_id"), table_name="inspections")
    op.drop_index(op.f("ix_inspections_created_by"), table_name="inspections")
    op.drop_index(op.f("ix_inspections_company_id"), table_name="inspections")
    op.drop_table("inspections")
    op.drop_index(op.f("ix_pending_objects_created_at"), table_name="pending_objects")
    op.drop_table("pending_objects")
