"""Kursbloggen's first tables: members, posts, comments and the digest ledger.

Revision ID: 0001_kursbloggen
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_kursbloggen"
down_revision = None
branch_labels = None
depends_on = None

REFLECTION_ONLY = "kind = 'reflektion'"


def upgrade() -> None:
    op.create_table(
        "kursbloggen_members",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("seen_at", sa.DateTime, nullable=True),
        sa.Column("new_since", sa.DateTime, nullable=True),
        sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("digest_since", sa.DateTime, nullable=True),
    )
    op.create_table(
        "kursbloggen_posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("task", sa.String(128), nullable=True),
        sa.Column("title", sa.String(240), nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("publish", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("edited", sa.DateTime, nullable=True),
        sa.Column("hidden_reason", sa.Text, nullable=True),
        sa.Column("hidden_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_kursbloggen_posts_shared_created", "kursbloggen_posts", ["shared", "created"])
    op.create_index("ix_kursbloggen_posts_task_created", "kursbloggen_posts", ["task", "created"])
    op.create_index("ix_kursbloggen_posts_author", "kursbloggen_posts", ["author"])
    op.create_index("ux_kursbloggen_posts_reflection", "kursbloggen_posts", ["author", "task"], unique=True,
                    sqlite_where=sa.text(REFLECTION_ONLY), postgresql_where=sa.text(REFLECTION_ONLY))
    op.create_table(
        "kursbloggen_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("kursbloggen_posts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("kursbloggen_comments.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("by_coordinator", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("edited", sa.DateTime, nullable=True),
        sa.Column("hidden_reason", sa.Text, nullable=True),
        sa.Column("hidden_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_kursbloggen_comments_post_created", "kursbloggen_comments", ["post_id", "created"])
    op.create_index("ix_kursbloggen_comments_created", "kursbloggen_comments", ["created"])
    op.create_index("ix_kursbloggen_comments_author", "kursbloggen_comments", ["author"])
    op.create_index("ix_kursbloggen_comments_parent", "kursbloggen_comments", ["parent_id"])
    op.create_table(
        "kursbloggen_digest_items",
        sa.Column("member", sa.String(128), primary_key=True),
        sa.Column("item_kind", sa.String(8), primary_key=True),
        sa.Column("item_id", sa.Integer, primary_key=True),
        sa.Column("sent_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kursbloggen_digest_items")
    op.drop_table("kursbloggen_comments")
    op.drop_table("kursbloggen_posts")
    op.drop_table("kursbloggen_members")
