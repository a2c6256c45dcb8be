"""a site's own hazard tile grid

Revision ID: 0007_site_hazard_tiling
Revises: 0006_hazards
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_site_hazard_tiling"
down_revision: str | None = "0006_hazards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: every existing site keeps the model policy's own tiling.
    op.add_column(
        "sites", sa.Column("hazard_tiling", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("sites", "hazard_tiling")
