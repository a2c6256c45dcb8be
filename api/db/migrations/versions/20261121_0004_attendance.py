"""punches, devices, events and webhooks

Revision ID: 0004_attendance
Revises: 0003_faces
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_attendance"
down_revision: str | None = "0003_faces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    punch_kind = postgresql.ENUM("in", "out", name="punch_kind", create_type=False)
    punch_status = postgresql.ENUM(
        "accepted", "review", "rejected", name="punch_status", create_type=False
    )
    webhook_format = postgresql.ENUM("json", "wecom", name="webhook_format", create_type=False)
    delivery_status = postgresql.ENUM(
        "pending", "delivered", "failed", name="delivery_status", create_type=False
    )
    bind = op.get_bind()
    for enum in (punch_kind, punch_status, webhook_format, delivery_status):
        enum.create(bind, checkfirst=False)

    op.create_table(
        "punches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", punch_kind, nullable=False),
        sa.Column("status", punch_status, nullable=False),
        sa.Column("reasons", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("age_s", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("face_distance", sa.Float(), nullable=True),
        sa.Column("selfie_key", sa.String(length=300), nullable=True),
        sa.Column("selfie_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cosigned_by", sa.Uuid(), nullable=True),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_punches_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["cosigned_by"], ["users.id"], name=op.f("fk_punches_cosigned_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_punches_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_punches_site_id_sites")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_punches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_punches")),
    )
    op.create_index(
        "ix_punches_company_site_captured",
        "punches",
        ["company_id", "site_id", "captured_at"],
        unique=False,
    )
    op.create_index("ix_punches_user_captured", "punches", ["user_id", "captured_at"], unique=False)
    op.create_index(
        "ix_punches_selfie_expires_at",
        "punches",
        ["selfie_expires_at"],
        unique=False,
        postgresql_where=sa.text("selfie_key IS NOT NULL"),
    )

    op.create_table(
        "worker_devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("bound", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_worker_devices_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_worker_devices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "device_id", name=op.f("pk_worker_devices")),
    )
    op.create_index(
        op.f("ix_worker_devices_company_id"), "worker_devices", ["company_id"], unique=False
    )

    op.create_table(
        "events",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_events_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_events_site_id_sites"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("company_id", "dedupe_key", name="uq_events_company_dedupe"),
    )
    op.create_index("ix_events_company_created", "events", ["company_id", "created_at"])
    op.create_index("ix_events_company_kind", "events", ["company_id", "kind"])

    op.create_table(
        "webhooks",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kinds", sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("format", webhook_format, nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_webhooks_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_webhooks_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_company_id"), "webhooks", ["company_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("status", delivery_status, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_webhook_deliveries_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_webhook_deliveries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("event_id", "webhook_id", name="uq_webhook_deliveries_event_webhook"),
    )
    op.create_index(
        "ix_webhook_deliveries_webhook_created",
        "webhook_deliveries",
        ["webhook_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("events")
    op.drop_table("worker_devices")
    op.drop_table("punches")
    bind = op.get_bind()
    for name in ("delivery_status", "webhook_format", "punch_status", "punch_kind"):
        postgresql.ENUM(name=name).drop(bind, checkfirst=False)
