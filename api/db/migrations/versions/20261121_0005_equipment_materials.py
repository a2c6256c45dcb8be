"""equipment ledger and material batches

Revision ID: 0005_equipment_materials
Revises: 0004_attendance
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0005_equipment_materials"
down_revision: str | None = "0004_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
