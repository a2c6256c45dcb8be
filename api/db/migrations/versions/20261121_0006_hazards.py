"""hazard detections, reviews and rectifications

Revision ID: 0006_hazards
Revises: 0005_equipment_materials
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_hazards"
down_revision: str | None = "0005_equipment_materials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hazards",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("top_score", sa.Double(), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
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
            "status IN ('open', 'confirmed', 'dismissed')", name=op.f("ck_hazards_status")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_hazards_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_hazards_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_hazards_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_hazards_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_hazards_photo_id")),
    )
    op.create_index(
        "ix_hazards_company_site_status",
        "hazards",
        ["company_id", "site_id", "status"],
        unique=False,
    )
    op.create_table(
        "rectifications",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("after_photo_id", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_reason", sa.String(length=64), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('open', 'verifying', 'closed')", name=op.f("ck_rectifications_status")
        ),
        sa.ForeignKeyConstraint(
            ["after_photo_id"], ["photos.id"], name=op.f("fk_rectifications_after_photo_id_photos")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_rectifications_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_rectifications_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_rectifications_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_rectifications_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_rectifications_hazard_id_hazards")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_rectifications_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
        sa.UniqueConstraint("hazard_id", name=op.f("uq_rectifications_hazard_id")),
    )
    op.create_index(
        op.f("ix_rectifications_assignee_id"), "rectifications", ["assignee_id"], unique=False
    )
    op.create_index(
        "ix_rectifications_company_site_status",
        "rectifications",
        ["company_id", "site_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_rectifications_status_due_at", "rectifications", ["status", "due_at"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_inspections_equipment_id_equipment"),
        "inspections",
        "equipment",
        ["equipment_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_inspections_equipment_id_equipment"), "inspections", type_="foreignkey"
    )
    op.drop_index("ix_rectifications_status_due_at", table_name="rectifications")
    op.drop_index("ix_rectifications_company_site_status", table_name="rectifications")
    op.drop_index(op.f("ix_rectifications_assignee_id"), table_name="rectifications")
    op.drop_table("rectifications")
    op.drop_index("ix_hazards_company_site_status", table_name="hazards")
    op.drop_table("hazards")
