"""Kursbloggen's tables. Every name starts with `kursbloggen_`, so the blog can share a database with nbgrader's gradebook.

Times are stored as naive UTC (SQLite keeps no time zone); ensak.outreach.kursbloggen.clock converts at the edges.
"""

from __future__ import annotations

import sqlalchemy as sa

PREFIX = "kursbloggen_"
# Alembic's own bookkeeping, named apart from nbgrader's `alembic_version` in a shared database.
VERSION_TABLE = f"{PREFIX}alembic_version"

REFLECTION, QUESTION, TIP = "reflektion", "fraga", "tips"
POST_KINDS = (REFLECTION, QUESTION, TIP)
# Free posts are one of these; a reflection comes from a task's sharing widget.
FREE_KINDS = (QUESTION, TIP)

# Item kinds in the digest ledger.
POST_ITEM, COMMENT_ITEM = "post", "comment"

MAX_TITLE_CHARS = 120
MAX_POST_CHARS = 20_000
# A comment is a few sentences to a colleague; a wall of text belongs in a post of one's own.
MAX_COMMENT_CHARS = 2_000
MAX_REASON_CHARS = 500

metadata = sa.MetaData()

members = sa.Table(
    f"{PREFIX}members", metadata,
    sa.Column("id", sa.String(128), primary_key=True),          # the learner id (hub name = nbgrader id)
    sa.Column("seen_at", sa.DateTime, nullable=True),           # the last time the start page was shown
    sa.Column("new_since", sa.DateTime, nullable=True),         # start of "Nytt sedan du var här" for this visit
    sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("digest_since", sa.DateTime, nullable=True),      # opted in at: older items are never mailed
)

posts = sa.Table(
    f"{PREFIX}posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("task", sa.String(128), nullable=True),
    sa.Column("title", sa.String(MAX_TITLE_CHARS * 2), nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("shared", sa.Boolean, nullable=False),            # readable by the course
    sa.Column("publish", sa.Boolean, nullable=False),           # may go into the public export after the course
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("edited", sa.DateTime, nullable=True),
    sa.Column("hidden_reason", sa.Text, nullable=True),         # set by the coordinator; the author sees it
    sa.Column("hidden_at", sa.DateTime, nullable=True),
    sa.Index(f"ix_{PREFIX}posts_shared_created", "shared", "created"),
    sa.Index(f"ix_{PREFIX}posts_task_created", "task", "created"),
    sa.Index(f"ix_{PREFIX}posts_author", "author"),
    # One reflection per learner and task: sharing again updates it.
    sa.Index(f"ux_{PREFIX}posts_reflection", "author", "task", unique=True,
             sqlite_where=sa.text("kind = 'reflektion'"), postgresql_where=sa.text("kind = 'reflektion'")),
)

comments = sa.Table(
    f"{PREFIX}comments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("post_id", sa.Integer, sa.ForeignKey(f"{PREFIX}posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"{PREFIX}comments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("by_coordinator", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("edited", sa.DateTime, nullable=True),
    sa.Column("hidden_reason", sa.Text, nullable=True),
    sa.Column("hidden_at", sa.DateTime, nullable=True),
    sa.Index(f"ix_{PREFIX}comments_post_created", "post_id", "created"),
    sa.Index(f"ix_{PREFIX}comments_created", "created"),
    sa.Index(f"ix_{PREFIX}comments_author", "author"),
    sa.Index(f"ix_{PREFIX}comments_parent", "parent_id"),
)

# What each member's e-mail digest has carried: an item is never mailed to the same person twice.
digest_items = sa.Table(
    f"{PREFIX}digest_items", metadata,
    sa.Column("member", sa.String(128), primary_key=True),
    sa.Column("item_kind", sa.String(8), primary_key=True),
    sa.Column("item_id", sa.Integer, primary_key=True),
    sa.Column("sent_at", sa.DateTime, nullable=False),
)

TABLES = (members, posts, comments, digest_items)

# The course's roster as the coordinator's commands last wrote it (ensak.course.roster.store), for a blog that
# cannot read roster.csv: on Kubernetes the roster is on the coordinator's own volume and the blog is a pod of
# its own. Derived from roster.csv and rewritten whole with it, so it is not in TABLES (backup, erase): forgetting
# someone removes them from roster.csv, and so from here.
roster = sa.Table(
    f"{PREFIX}roster", metadata,
    sa.Column("id", sa.String(128), primary_key=True),          # the learner id
    sa.Column("first_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("last_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False),            # False: has left (keeps a name on old posts)
)
