"""a per-user token version, so tokens issued before a password change end

Revision ID: 0009_token_version
Revises: 0008_face_reenrolment
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_token_version"
down_revision: str | None = "0008_face_reenrolment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 0 for everyone: tokens issued before this version carry no version claim, which
    # reads as 0, so nobody is signed out by the upgrade itself.
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "token_version")
