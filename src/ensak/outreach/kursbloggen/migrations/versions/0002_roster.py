"""The roster as the coordinator's commands publish it, for a blog that cannot read roster.csv (Kubernetes).

Revision ID: 0002_roster
Revises: 0001_kursbloggen
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_roster"
down_revision = "0001_kursbloggen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kursbloggen_roster",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("first_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("last_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kursbloggen_roster")
