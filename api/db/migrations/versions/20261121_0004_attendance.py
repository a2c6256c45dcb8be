"""punches, devices, events and webhooks

Revision ID: 0004_attendance
Revises: 0003_faces
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0004_attendance"
down_revision: str | None = "0003_faces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
