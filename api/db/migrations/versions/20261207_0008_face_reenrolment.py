"""face enrolment state: ever enrolled, and whether the current templates are confirmed

Revision ID: 0008_face_reenrolment
Revises: 0007_site_hazard_tiling
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_face_reenrolment"
down_revision: str | None = "0007_site_hazard_tiling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "face_enrolments",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("first_enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_face_enrolments_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_face_enrolments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_face_enrolments_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_face_enrolments")),
    )
    op.create_index(
        op.f("ix_face_enrolments_company_id"), "face_enrolments", ["company_id"], unique=False
    )
    # Everyone who ever consented enrolled (consent is recorded with the first sample).
    # Templates held today were armed under the old rules, so they stay trusted; an
    # erased enrolment stays erased, and the next one will need a manager.
    op.execute(
        """
        INSERT INTO face_enrolments (user_id, company_id, first_enrolled_at, verified_at)
        SELECT c.user_id, c.company_id, min(c.consented_at),
               (SELECT min(t.created_at) FROM face_templates t WHERE t.user_id = c.user_id)
        FROM face_consents c
        GROUP BY c.user_id, c.company_id
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_face_enrolments_company_id"), table_name="face_enrolments")
    op.drop_table("face_enrolments")
