"""face templates and consent

Revision ID: 0003_faces
Revises: 0002_photos_jobs
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0003_faces"
down_revision: str | None = "0002_photos_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
