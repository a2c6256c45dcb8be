"""equipment ledger and material batches

Revision ID: 0005_equipment_materials
Revises: 0004_attendance
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_equipment_materials"
down_revision: str | None = "0004_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equipment",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("serial_no", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("rented", sa.Boolean(), nullable=False),
        sa.Column("certificate_no", sa.String(length=100), nullable=True),
        sa.Column("certificate_expires_on", sa.Date(), nullable=True),
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["company_id"], ["companies.id"], name=op.f("fk_equipment_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["users.id"],
            name=op.f("fk_equipment_holder_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_equipment_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment")),
        sa.UniqueConstraint("code", name=op.f("uq_equipment_code")),
        sa.UniqueConstraint("company_id", "serial_no", name=op.f("uq_equipment_company_id")),
    )
    op.create_index(op.f("ix_equipment_company_id"), "equipment", ["company_id"], unique=False)
    op.create_index(op.f("ix_equipment_holder_id"), "equipment", ["holder_id"], unique=False)
    op.create_index(op.f("ix_equipment_site_id"), "equipment", ["site_id"], unique=False)
    op.create_table(
        "maintenance_plans",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("last_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["company_id"], ["companies.id"], name=op.f("fk_maintenance_plans_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_maintenance_plans_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_plans")),
    )
    op.create_index(
        "ix_maintenance_plans_company_due",
        "maintenance_plans",
        ["company_id", "next_due_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_maintenance_plans_equipment_id"),
        "maintenance_plans",
        ["equipment_id"],
        unique=False,
    )
    op.create_table(
        "equipment_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "inspection",
                "maintenance",
                "check_out",
                "check_in",
                "defect",
                name="equipment_event_kind",
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_equipment_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["users.id"],
            name=op.f("fk_equipment_events_closed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_equipment_events_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_equipment_events_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["users.id"],
            name=op.f("fk_equipment_events_holder_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["maintenance_plans.id"],
            name=op.f("fk_equipment_events_plan_id_maintenance_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_equipment_events_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_events")),
    )
    op.create_index(
        op.f("ix_equipment_events_company_id"), "equipment_events", ["company_id"], unique=False
    )
    op.create_index(
        "ix_equipment_events_equipment_at",
        "equipment_events",
        ["equipment_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_equipment_events_site_id"), "equipment_events", ["site_id"], unique=False
    )
    op.create_table(
        "equipment_event_photos",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["equipment_events.id"],
            name=op.f("fk_equipment_event_photos_event_id_equipment_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_equipment_event_photos_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "photo_id", name=op.f("pk_equipment_event_photos")),
    )

    op.create_table(
        "material_batches",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("material", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.String(length=200), nullable=True),
        sa.Column("batch_no", sa.String(length=100), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3, asdecimal=False), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("certificate_key", sa.String(length=300), nullable=True),
        sa.Column("certificate_content_type", sa.String(length=100), nullable=True),
        sa.Column("certificate_bytes", sa.Integer(), nullable=True),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("certificate_expires_on", sa.Date(), nullable=True),
        sa.Column("certificate_uploaded_at", sa.DateTime(timezone=True), nullable=True),
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
            ["company_id"], ["companies.id"], name=op.f("fk_material_batches_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_material_batches_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_batches")),
        sa.UniqueConstraint("code", name=op.f("uq_material_batches_code")),
        sa.UniqueConstraint(
            "site_id", "material", "supplier", "batch_no", name=op.f("uq_material_batches_site_id")
        ),
    )
    op.create_index(
        op.f("ix_material_batches_company_id"), "material_batches", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_material_batches_site_id"), "material_batches", ["site_id"], unique=False
    )
    op.create_table(
        "material_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3, asdecimal=False), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_by", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["material_batches.id"],
            name=op.f("fk_material_receipts_batch_id_material_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_material_receipts_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["received_by"],
            ["users.id"],
            name=op.f("fk_material_receipts_received_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_receipts")),
    )
    op.create_index(
        "ix_material_receipts_batch_at",
        "material_receipts",
        ["batch_id", "received_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_material_receipts_company_id"), "material_receipts", ["company_id"], unique=False
    )
    op.create_table(
        "material_receipt_photos",
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_material_receipt_photos_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["material_receipts.id"],
            name=op.f("fk_material_receipt_photos_receipt_id_material_receipts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("receipt_id", "photo_id", name=op.f("pk_material_receipt_photos")),
    )


def downgrade() -> None:
    op.drop_table("material_receipt_photos")
    op.drop_table("material_receipts")
    op.drop_table("material_batches")
    op.drop_table("equipment_event_photos")
    op.drop_table("equipment_events")
    op.drop_table("maintenance_plans")
    op.drop_table("equipment")
    op.execute("DROP TYPE IF EXISTS equipment_event_kind")
