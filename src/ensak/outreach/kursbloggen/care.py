"""What `ensak forget`, a GDPR access request and `ensak backup`/`restore` need from Kursbloggen.

- export_member: everything the blog holds about one member (their posts, comments and settings, which items
  their digests carried, their row in the blog's copy of the roster), as plain JSON-ready data.
- erase_member: removes their posts (with the conversation under each), their comments (colleagues' replies
  stay, moved up a level), their settings and every digest note to them or about their words; where a
  colleague's words name them, the name is taken out.
- dump_blog / load_blog: the whole blog as JSON-ready rows and back, whatever database it lives in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ensak.outreach.kursbloggen.schema import (
    COMMENT_ITEM,
    POST_ITEM,
    TABLES,
    comments,
    digest_items,
    members,
    posts,
    roster,
)
from ensak.outreach.kursbloggen.store import _remove_comments

DUMP_FORMAT = 1
NAME_REMOVED = "[namn borttaget]"


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _rows(conn: sa.Connection, statement) -> list[dict]:
    return [{key: _plain(value) for key, value in row.items()} for row in conn.execute(statement).mappings()]


def export_member(engine: Engine, learner: str) -> dict:
    """The member's own data in the blog (their words, not colleagues' words to them), and their row in the blog's
    copy of the roster (a blog in a server database has one)."""
    with engine.connect() as conn:
        has_roster = roster.name in sa.inspect(conn).get_table_names()
        return {
            "posts": _rows(conn, sa.select(posts).where(posts.c.author == learner).order_by(posts.c.created)),
            "comments": _rows(conn, sa.select(comments).where(comments.c.author == learner)
                              .order_by(comments.c.created)),
            "settings": _rows(conn, sa.select(members).where(members.c.id == learner)),
            "digest_items": _rows(conn, sa.select(digest_items).where(digest_items.c.member == learner)),
            "roster": _rows(conn, sa.select(roster).where(roster.c.id == learner)) if has_roster else [],
        }


@dataclass(frozen=True)
class Erased:
    posts: int
    comments: int
    comments_under_posts: int
    digest_notes: int
    names_removed: int = 0

    def __str__(self) -> str:
        text = (f"{self.posts} inlägg (med {self.comments_under_posts} kommentarer under dem), "
                f"{self.comments} kommentarer och {self.digest_notes} noteringar om utskickade sammanfattningar "
                "i kursbloggen")
        if self.names_removed:
            text += f"; namnet är borttaget ur {self.names_removed} inlägg och kommentarer som andra skrivit"
        return text


def _redact(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(NAME_REMOVED, text)


def erase_member(engine: Engine, learner: str, mentions: list[str] | tuple[str, ...] = ()) -> Erased:
    """Remove everything of `learner` from the blog, for good; `mentions` (their names, e-mail address) are
    taken out of what others wrote, also in the genitive ("Gretas")."""
    names = sorted({name.strip() for name in (learner, *mentions) if name and name.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(rf"\b{re.escape(name)}s?\b" for name in names))
    with engine.begin() as conn:
        post_ids = list(conn.execute(sa.select(posts.c.id).where(posts.c.author == learner)).scalars())
        under_posts = list(conn.execute(sa.select(comments.c.id).where(comments.c.post_id.in_(post_ids))).scalars())
        own_comments = [cid for cid in conn.execute(sa.select(comments.c.id).where(comments.c.author == learner))
                        .scalars() if cid not in set(under_posts)]
        notes = conn.execute(sa.delete(digest_items).where(sa.or_(
            digest_items.c.member == learner,
            (digest_items.c.item_kind == POST_ITEM) & digest_items.c.item_id.in_(post_ids),
            (digest_items.c.item_kind == COMMENT_ITEM) & digest_items.c.item_id.in_(under_posts + own_comments),
        ))).rowcount
        conn.execute(sa.delete(comments).where(comments.c.id.in_(under_posts)))
        _remove_comments(conn, own_comments)
        conn.execute(sa.delete(posts).where(posts.c.id.in_(post_ids)))
        conn.execute(sa.delete(members).where(members.c.id == learner))
        redacted = 0
        for table, columns in ((posts, ("title", "body", "hidden_reason")), (comments, ("body", "hidden_reason"))):
            for row in conn.execute(sa.select(table.c.id, *(table.c[name] for name in columns))).mappings():
                changed = {name: _redact(row[name], pattern) for name in columns
                           if row[name] and pattern.search(row[name])}
                if changed:
                    conn.execute(sa.update(table).where(table.c.id == row["id"]).values(**changed))
                    redacted += 1
    return Erased(posts=len(post_ids), comments=len(own_comments), comments_under_posts=len(under_posts),
                  digest_notes=notes, names_removed=redacted)


def mentions(engine: Engine, learner: str) -> int:
    """How many rows still carry `learner`'s id (0 after erase_member)."""
    with engine.connect() as conn:
        return sum(conn.execute(sa.select(sa.func.count()).select_from(table).where(column == learner)).scalar_one()
                   for table, column in ((posts, posts.c.author), (comments, comments.c.author),
                                         (members, members.c.id), (digest_items, digest_items.c.member)))


def dump_blog(engine: Engine) -> dict:
    """Every row of the blog's tables, JSON-ready (times as ISO text)."""
    with engine.connect() as conn:
        return {"format": DUMP_FORMAT,
                "tables": {table.name: _rows(conn, sa.select(table).order_by(*table.primary_key.columns))
                           for table in TABLES}}


def _parsed(table: sa.Table, row: dict) -> dict:
    return {key: (dt.datetime.fromisoformat(value) if isinstance(value, str)
                  and isinstance(table.c[key].type, sa.DateTime) else value) for key, value in row.items()}


def load_blog(engine: Engine, dump: dict) -> int:
    """Replace the blog's rows with a dump_blog() dump; returns how many rows were written."""
    if dump.get("format") != DUMP_FORMAT:
        raise ValueError(f"Kursbloggens säkerhetskopia har format {dump.get('format')!r}, väntade {DUMP_FORMAT}.")
    written = 0
    with engine.begin() as conn:
        for table in reversed(TABLES):
            conn.execute(sa.delete(table))
        for table in TABLES:
            rows = [_parsed(table, row) for row in dump["tables"].get(table.name, [])]
            if rows:
                conn.execute(sa.insert(table), rows)
                written += len(rows)
        if conn.dialect.name == "postgresql":
            # Rows came with their ids: the id sequences must continue after them.
            for table in (posts, comments):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                     f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    return written
