"""Reading Kursbloggen for its pages: paginated lists, one post's conversation, what is new, the unread count.

Each query uses one of the indexes in schema.py and touches one page of rows, so a page costs the same with
20 posts or 20,000. Hidden posts are left out for everyone but their author and the coordinator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ensak.outreach.kursbloggen.database import aware, stored_time
from ensak.outreach.kursbloggen.schema import comments, members, posts
from ensak.outreach.kursbloggen.store import Member

PER_PAGE = 20


@dataclass(frozen=True)
class PostRow:
    id: int
    author: str
    kind: str
    task: str | None
    title: str
    body: str
    shared: bool
    publish: bool
    created: dt.datetime
    edited: dt.datetime | None
    hidden_reason: str | None
    comment_count: int = 0


@dataclass(frozen=True)
class CommentRow:
    id: int
    post_id: int
    parent_id: int | None
    author: str
    body: str
    by_coordinator: bool
    created: dt.datetime
    edited: dt.datetime | None
    hidden_reason: str | None


@dataclass(frozen=True)
class Unread:
    posts: int
    replies: int

    @property
    def total(self) -> int:
        return self.posts + self.replies


@dataclass(frozen=True)
class Page:
    posts: list[PostRow]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def _post(row, count: int = 0) -> PostRow:
    return PostRow(id=row.id, author=row.author, kind=row.kind, task=row.task, title=row.title, body=row.body,
                   shared=row.shared, publish=row.publish, created=aware(row.created), edited=aware(row.edited),
                   hidden_reason=row.hidden_reason, comment_count=count)


def _comment(row) -> CommentRow:
    return CommentRow(id=row.id, post_id=row.post_id, parent_id=row.parent_id, author=row.author, body=row.body,
                      by_coordinator=row.by_coordinator, created=aware(row.created), edited=aware(row.edited),
                      hidden_reason=row.hidden_reason)


def _visible_posts(viewer: Member):
    condition = posts.c.shared.is_(True)
    if not viewer.coordinator:
        condition = condition & sa.or_(posts.c.hidden_reason.is_(None), posts.c.author == viewer.id)
    return condition


def _comment_counts(conn: sa.Connection, post_ids: list[int]) -> dict[int, int]:
    if not post_ids:
        return {}
    rows = conn.execute(sa.select(comments.c.post_id, sa.func.count()).where(comments.c.post_id.in_(post_ids))
                        .group_by(comments.c.post_id)).all()
    return dict(rows)


def list_posts(engine: Engine, viewer: Member, *, task: str | None = None, page: int = 1) -> Page:
    """One page of the posts `viewer` may read, newest first; `task` narrows to one task's posts."""
    condition = _visible_posts(viewer)
    if task is not None:
        condition = condition & (posts.c.task == task)
    page = max(1, page)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(posts).where(condition)).scalar_one()
        rows = conn.execute(sa.select(posts).where(condition).order_by(posts.c.created.desc(), posts.c.id.desc())
                            .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
        counts = _comment_counts(conn, [row.id for row in rows])
    return Page(posts=[_post(row, counts.get(row.id, 0)) for row in rows], number=page, total=total)


def get_post(engine: Engine, viewer: Member, post_id: int) -> PostRow | None:
    """The post if `viewer` may read it (their own unshared reflection too)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(posts).where(posts.c.id == post_id)).first()
        if row is None:
            return None
        if row.author != viewer.id and not row.shared:
            return None
        if row.hidden_reason is not None and not (viewer.coordinator or row.author == viewer.id):
            return None
        count = _comment_counts(conn, [row.id]).get(row.id, 0)
    return _post(row, count)


def get_comment(engine: Engine, comment_id: int) -> CommentRow | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(comments).where(comments.c.id == comment_id)).first()
    return _comment(row) if row is not None else None


def post_comments(engine: Engine, post_id: int) -> list[CommentRow]:
    """Every comment under a post, oldest first (the page shows hidden ones as a line saying so)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(comments).where(comments.c.post_id == post_id)
                            .order_by(comments.c.created, comments.c.id)).all()
    return [_comment(row) for row in rows]


def thread(rows: list[CommentRow]) -> list[tuple[CommentRow, int]]:
    """Comments in reading order with their depth: each reply right under what it answers."""
    children: dict[int | None, list[CommentRow]] = {}
    known = {row.id for row in rows}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in known else None, []).append(row)
    ordered: list[tuple[CommentRow, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append((row, depth))
            walk(row.id, depth + 1)

    walk(None, 0)
    return ordered


def task_counts(engine: Engine, viewer: Member) -> dict[str, int]:
    """{task id: how many posts `viewer` may read about it}."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(posts.c.task, sa.func.count()).where(
            _visible_posts(viewer) & posts.c.task.is_not(None)).group_by(posts.c.task)).all()
    return dict(rows)


def _new_posts(viewer: Member, since: dt.datetime | None):
    condition = posts.c.shared.is_(True) & posts.c.hidden_reason.is_(None) & (posts.c.author != viewer.id)
    return condition & (posts.c.created > stored_time(since)) if since is not None else condition


def _reply_ids(viewer: Member, since: dt.datetime | None):
    """Ids of comments by others on the viewer's posts or answering the viewer's comments.

    Two indexed lookups joined by UNION (the viewer's few posts and comments lead to their replies), rather
    than one OR over every comment in the course.
    """
    parent = comments.alias("parent")
    on_posts = (sa.select(comments.c.id).select_from(comments.join(posts, posts.c.id == comments.c.post_id))
                .where(posts.c.author == viewer.id, posts.c.shared.is_(True)))
    on_comments = (sa.select(comments.c.id).select_from(comments.join(parent, parent.c.id == comments.c.parent_id))
                   .where(parent.c.author == viewer.id))
    parts = []
    for part in (on_posts, on_comments):
        part = part.where(comments.c.author != viewer.id, comments.c.hidden_reason.is_(None))
        parts.append(part.where(comments.c.created > stored_time(since)) if since is not None else part)
    return sa.union(*parts)


def _replies_to(viewer: Member, since: dt.datetime | None):
    return sa.select(comments).where(comments.c.id.in_(sa.select(_reply_ids(viewer, since).subquery().c.id)))


def count_new(engine: Engine, viewer: Member, since: dt.datetime | None) -> Unread:
    """How many posts by others and replies to the viewer arrived after `since` (None: ever)."""
    with engine.connect() as conn:
        new_posts = conn.execute(sa.select(sa.func.count()).select_from(posts)
                                 .where(_new_posts(viewer, since))).scalar_one()
        replies = conn.execute(sa.select(sa.func.count()).select_from(
            _reply_ids(viewer, since).subquery())).scalar_one()
    return Unread(posts=new_posts, replies=replies)


def last_seen(engine: Engine, viewer: Member) -> dt.datetime | None:
    with engine.connect() as conn:
        return aware(conn.execute(sa.select(members.c.seen_at).where(members.c.id == viewer.id)).scalar())


def unread(engine: Engine, viewer: Member) -> Unread:
    """New posts by others and replies to the viewer since they last opened the blog's start page."""
    return count_new(engine, viewer, last_seen(engine, viewer))


def news(engine: Engine, viewer: Member, since: dt.datetime | None, limit: int = 10
         ) -> tuple[list[PostRow], list[CommentRow], Unread]:
    """For "Nytt sedan du var här": the newest posts by others and replies to the viewer since `since`."""
    with engine.connect() as conn:
        new_posts = conn.execute(sa.select(posts).where(_new_posts(viewer, since))
                                 .order_by(posts.c.created.desc()).limit(limit)).all()
        replies = conn.execute(_replies_to(viewer, since).order_by(comments.c.created.desc()).limit(limit)).all()
    return [_post(row) for row in new_posts], [_comment(row) for row in replies], count_new(engine, viewer, since)


def posts_by_ids(engine: Engine, ids: list[int]) -> dict[int, PostRow]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(posts).where(posts.c.id.in_(ids))).all()
    return {row.id: _post(row) for row in rows}


def totals(engine: Engine) -> tuple[int, int]:
    """(posts, comments) in the whole blog, for the coordinator's overview."""
    with engine.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(posts)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(comments)).scalar_one())
