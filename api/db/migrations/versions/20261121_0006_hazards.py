"""hazard detections, reviews and rectifications

Revision ID: 0006_hazards
Revises: 0005_equipment_materials
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0006_hazards"
down_revision: str | None = "0005_equipment_materials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
