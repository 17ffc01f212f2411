"""Writing to Kursbloggen: posts, comments, hiding, members' settings. Every function checks who may do what.

The caller says who acts (`by`, a Member) and when (`now`, an aware time: the service's clock, or a demo's
simulated one). Refusals raise a BlogRefusal whose message is Swedish and tells the member what to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tornado.web import HTTPError

from ensak.outreach.kursbloggen.database import stored_time
from ensak.outreach.kursbloggen.schema import (
    FREE_KINDS,
    MAX_COMMENT_CHARS,
    MAX_POST_CHARS,
    MAX_REASON_CHARS,
    MAX_TITLE_CHARS,
    REFLECTION,
    comments,
    members,
    posts,
)

# Visits closer together than this are one visit: reloading the page keeps "Nytt sedan du var här".
VISIT_GAP = dt.timedelta(minutes=30)


class BlogRefusal(HTTPError):
    """Something a member asked for cannot be done; `status` is the HTTP status, `message` Swedish.

    An HTTPError, so that a refusal raised anywhere under a request handler answers with its status.
    """

    status = 400

    def __init__(self, message: str):
        super().__init__(self.status)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(BlogRefusal):
    status = 404


class NotAllowed(BlogRefusal):
    status = 403


@dataclass(frozen=True)
class Member:
    """Someone who may read and write in the course's blog."""

    id: str
    name: str
    coordinator: bool = False


def clean_text(text: object, limit: int, what: str) -> str:
    """`text` stripped, or a refusal saying why it cannot be saved."""
    if not isinstance(text, str) or not text.strip():
        raise BlogRefusal(f"{what} är tomt. Skriv något först.")
    text = text.strip().replace("\r\n", "\n")
    if len(text) > limit:
        raise BlogRefusal(f"{what} är {len(text)} tecken långt; högst {limit} tecken går. Korta texten och spara igen.")
    return text


def _one(engine: Engine, table: sa.Table, row_id: int, what: str):
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        raise NotFound(f"{what} finns inte (längre). Det kan ha tagits bort.")
    return row


def _require_author(row, by: Member, what: str) -> None:
    if row["author"] != by.id:
        raise NotAllowed(f"Bara den som skrev {what} kan ändra eller ta bort det.")


# --- posts ----------------------------------------------------------------------------------------------


def share_reflection(engine: Engine, by: Member, task: str, text: str, *, share: bool, publish: bool,
                     now: dt.datetime, title: str = "") -> int | None:
    """The learner's reflection on `task`, as their sharing widget says: shared, publishable, both or neither.

    Sharing again replaces the text and the choices. Saying no to both removes the post (and the comments on
    it): a reflection nobody may read is not kept. Returns the post's id, or None when nothing is kept.
    """
    with engine.begin() as conn:
        existing = conn.execute(sa.select(posts.c.id).where(
            posts.c.author == by.id, posts.c.task == task, posts.c.kind == REFLECTION)).scalar()
        if not (share or publish):
            if existing is not None:
                conn.execute(sa.delete(comments).where(comments.c.post_id == existing))
                conn.execute(sa.delete(posts).where(posts.c.id == existing))
            return None
        body = clean_text(text, MAX_POST_CHARS, "Reflektionen")
        values = {"body": body, "shared": bool(share), "publish": bool(publish), "title": title[:MAX_TITLE_CHARS]}
        if existing is not None:
            conn.execute(sa.update(posts).where(posts.c.id == existing).values(edited=stored_time(now), **values))
            return existing
        return conn.execute(sa.insert(posts).values(author=by.id, kind=REFLECTION, task=task,
                                                    created=stored_time(now), **values)).inserted_primary_key[0]


def create_post(engine: Engine, by: Member, *, kind: str, title: str, body: str, task: str | None = None,
                publish: bool = False, now: dt.datetime) -> int:
    """A free post, a question or a tip, with or without a task. It is shared with the course by being written."""
    if kind not in FREE_KINDS:
        raise BlogRefusal("Välj om inlägget är en fråga eller ett tips.")
    title = clean_text(title, MAX_TITLE_CHARS, "Rubriken")
    body = clean_text(body, MAX_POST_CHARS, "Inlägget")
    with engine.begin() as conn:
        return conn.execute(sa.insert(posts).values(
            author=by.id, kind=kind, task=task or None, title=title, body=body, shared=True,
            publish=bool(publish), created=stored_time(now))).inserted_primary_key[0]


def edit_post(engine: Engine, by: Member, post_id: int, *, body: str, title: str | None = None,
              publish: bool | None = None, now: dt.datetime) -> None:
    row = _one(engine, posts, post_id, "Inlägget")
    _require_author(row, by, "inlägget")
    values = {"body": clean_text(body, MAX_POST_CHARS, "Inlägget"), "edited": stored_time(now)}
    if title is not None and row["kind"] != REFLECTION:
        values["title"] = clean_text(title, MAX_TITLE_CHARS, "Rubriken")
    if publish is not None:
        values["publish"] = bool(publish)
    with engine.begin() as conn:
        conn.execute(sa.update(posts).where(posts.c.id == post_id).values(**values))


def delete_post(engine: Engine, by: Member, post_id: int) -> None:
    """The author removes their post, and with it the conversation under it."""
    row = _one(engine, posts, post_id, "Inlägget")
    _require_author(row, by, "inlägget")
    with engine.begin() as conn:
        conn.execute(sa.delete(comments).where(comments.c.post_id == post_id))
        conn.execute(sa.delete(posts).where(posts.c.id == post_id))


# --- comments -------------------------------------------------------------------------------------------


def add_comment(engine: Engine, by: Member, post_id: int, body: str, *, now: dt.datetime,
                parent_id: int | None = None) -> int:
    """A comment on a post, or a reply to a comment under it; the coordinator's are marked as hers."""
    post = _one(engine, posts, post_id, "Inlägget")
    if not post["shared"] or (post["hidden_reason"] is not None and not (by.coordinator or post["author"] == by.id)):
        raise NotFound("Inlägget finns inte (längre). Det kan ha tagits bort.")
    body = clean_text(body, MAX_COMMENT_CHARS, "Kommentaren")
    if parent_id is not None:
        parent = _one(engine, comments, parent_id, "Kommentaren du svarar på")
        if parent["post_id"] != post_id:
            raise BlogRefusal("Svaret hör till ett annat inlägg än kommentaren. Ladda om sidan och försök igen.")
    with engine.begin() as conn:
        return conn.execute(sa.insert(comments).values(
            post_id=post_id, parent_id=parent_id, author=by.id, body=body, by_coordinator=by.coordinator,
            created=stored_time(now))).inserted_primary_key[0]


def edit_comment(engine: Engine, by: Member, comment_id: int, body: str, *, now: dt.datetime) -> int:
    """Returns the post the comment belongs to."""
    row = _one(engine, comments, comment_id, "Kommentaren")
    _require_author(row, by, "kommentaren")
    with engine.begin() as conn:
        conn.execute(sa.update(comments).where(comments.c.id == comment_id).values(
            body=clean_text(body, MAX_COMMENT_CHARS, "Kommentaren"), edited=stored_time(now)))
    return row["post_id"]


def _remove_comments(conn: sa.Connection, ids: list[int]) -> None:
    # Colleagues' replies stay: they move up to the removed comment's own parent.
    if not ids:
        return
    removed = conn.execute(sa.select(comments.c.id, comments.c.parent_id).where(comments.c.id.in_(ids))).all()
    for comment_id, parent_id in removed:
        conn.execute(sa.update(comments).where(comments.c.parent_id == comment_id).values(parent_id=parent_id))
    conn.execute(sa.delete(comments).where(comments.c.id.in_(ids)))


def delete_comment(engine: Engine, by: Member, comment_id: int) -> int:
    """The author removes their comment; replies to it stay. Returns the post it was under."""
    row = _one(engine, comments, comment_id, "Kommentaren")
    _require_author(row, by, "kommentaren")
    with engine.begin() as conn:
        _remove_comments(conn, [comment_id])
    return row["post_id"]


# --- the coordinator hides -------------------------------------------------------------------------------


def _set_hidden(engine: Engine, by: Member, table: sa.Table, row_id: int, reason: str | None,
                now: dt.datetime, what: str):
    if not by.coordinator:
        raise NotAllowed("Bara kursledaren kan dölja inlägg och kommentarer.")
    row = _one(engine, table, row_id, what)
    values = ({"hidden_reason": None, "hidden_at": None} if reason is None else
              {"hidden_reason": clean_text(reason, MAX_REASON_CHARS, "Skälet"), "hidden_at": stored_time(now)})
    with engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == row_id).values(**values))
    return row


def hide_post(engine: Engine, by: Member, post_id: int, reason: str | None, *, now: dt.datetime) -> None:
    """The coordinator hides a post from everyone but its author (who sees `reason`); None shows it again."""
    _set_hidden(engine, by, posts, post_id, reason, now, "Inlägget")


def hide_comment(engine: Engine, by: Member, comment_id: int, reason: str | None, *, now: dt.datetime) -> int:
    """As hide_post, for a comment; returns the post it is under."""
    return _set_hidden(engine, by, comments, comment_id, reason, now, "Kommentaren")["post_id"]


# --- members --------------------------------------------------------------------------------------------


def _ensure_member(conn: sa.Connection, member_id: str) -> dict:
    row = conn.execute(sa.select(members).where(members.c.id == member_id)).mappings().first()
    if row is None:
        conn.execute(sa.insert(members).values(id=member_id, digest=False))
        row = conn.execute(sa.select(members).where(members.c.id == member_id)).mappings().first()
    return dict(row)


def member_settings(engine: Engine, member_id: str) -> dict:
    with engine.begin() as conn:
        return _ensure_member(conn, member_id)


def record_visit(engine: Engine, member_id: str, now: dt.datetime) -> dt.datetime | None:
    """The member opens the blog's start page: returns since when things count as new (None: everything).

    What arrived since the last page view is new; a reload within VISIT_GAP keeps showing the same news.
    """
    now = stored_time(now)
    with engine.begin() as conn:
        row = _ensure_member(conn, member_id)
        new_since = row["new_since"]
        if row["seen_at"] is None or now - row["seen_at"] > VISIT_GAP:
            new_since = row["seen_at"]
        conn.execute(sa.update(members).where(members.c.id == member_id).values(seen_at=now, new_since=new_since))
    return new_since


def set_digest(engine: Engine, member_id: str, wanted: bool, *, now: dt.datetime) -> None:
    """Opt in to (or out of) the e-mail digest; only what arrives after opting in is ever mailed."""
    with engine.begin() as conn:
        row = _ensure_member(conn, member_id)
        values = {"digest": bool(wanted)}
        if wanted and not row["digest"]:
            values["digest_since"] = stored_time(now)
        conn.execute(sa.update(members).where(members.c.id == member_id).values(**values))
