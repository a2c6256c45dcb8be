"""photos (shared), inspections, the job queue schema

Revision ID: 0002_photos_jobs
Revises: adbe064e3ee1
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0002_photos_jobs"
down_revision: str | None = "adbe064e3ee1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
