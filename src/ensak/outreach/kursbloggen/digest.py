"""The opt-in e-mail digest: for each member who asked for it, what is new for them that no digest has carried yet.

`pending_digests` only reads; `record_digests_sent` notes each item against the member once the messages module
has sent it, so the same post or reply is never mailed twice, even if the digest runs twice a minute.
`take_digests` does both, for a caller that sends in the same breath.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ensak.outreach.kursbloggen.database import stored_time
from ensak.outreach.kursbloggen.queries import CommentRow, PostRow, _comment, _post
from ensak.outreach.kursbloggen.schema import COMMENT_ITEM, POST_ITEM, comments, digest_items, members, posts


@dataclass(frozen=True)
class Digest:
    """One member's digest: new posts by colleagues and replies to them, oldest first."""

    member: str
    posts: list[PostRow] = field(default_factory=list)
    replies: list[CommentRow] = field(default_factory=list)
    on_own_posts: int = 0          # of the replies, those under the member's own posts

    @property
    def summary(self) -> str:
        """"3 nya inlägg och 2 svar på ditt inlägg", for the subject line."""
        return digest_summary(len(self.posts), self.on_own_posts, len(self.replies) - self.on_own_posts)


def digest_summary(new_posts: int, on_posts: int, on_comments: int) -> str:
    parts = []
    if new_posts:
        parts.append(f"{new_posts} {'nytt inlägg' if new_posts == 1 else 'nya inlägg'}")
    if on_posts:
        parts.append(f"{on_posts} svar på ditt inlägg")
    if on_comments:
        parts.append(f"{on_comments} svar på {'din kommentar' if on_comments == 1 else 'dina kommentarer'}")
    if not parts:
        return "Inget nytt"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} och {parts[-1]}"


def _not_sent(member_column, kind: str, item_column):
    return ~sa.exists().where(digest_items.c.member == member_column, digest_items.c.item_kind == kind,
                              digest_items.c.item_id == item_column)


def pending_digests(engine: Engine, now: dt.datetime) -> list[Digest]:
    """A digest for every opted-in member with something new, up to `now`; members with nothing get none."""
    until = stored_time(now)
    digests = []
    with engine.connect() as conn:
        subscribers = conn.execute(sa.select(members.c.id, members.c.digest_since)
                                   .where(members.c.digest.is_(True)).order_by(members.c.id)).all()
        for member, since in subscribers:
            since = since or until
            new_posts = conn.execute(sa.select(posts).where(
                posts.c.shared.is_(True), posts.c.hidden_reason.is_(None), posts.c.author != member,
                posts.c.created > since, posts.c.created <= until,
                _not_sent(sa.literal(member), POST_ITEM, posts.c.id)).order_by(posts.c.created)).all()
            parent = comments.alias("parent")
            reply_rows = conn.execute(
                sa.select(comments, (posts.c.author == member).label("on_own_post"))
                .select_from(comments.join(posts, posts.c.id == comments.c.post_id)
                             .outerjoin(parent, parent.c.id == comments.c.parent_id))
                .where(comments.c.author != member, comments.c.hidden_reason.is_(None), posts.c.shared.is_(True),
                       sa.or_(posts.c.author == member, parent.c.author == member),
                       comments.c.created > since, comments.c.created <= until,
                       _not_sent(sa.literal(member), COMMENT_ITEM, comments.c.id))
                .order_by(comments.c.created)).all()
            if new_posts or reply_rows:
                digests.append(Digest(member=member, posts=[_post(row) for row in new_posts],
                                      replies=[_comment(row) for row in reply_rows],
                                      on_own_posts=sum(1 for row in reply_rows if row.on_own_post)))
    return digests


def record_digests_sent(engine: Engine, digests: list[Digest], now: dt.datetime) -> int:
    """Note every item of `digests` as mailed to its member; returns how many items were new to the ledger."""
    rows = [{"member": d.member, "item_kind": kind, "item_id": item.id, "sent_at": stored_time(now)}
            for d in digests for kind, items in ((POST_ITEM, d.posts), (COMMENT_ITEM, d.replies)) for item in items]
    if not rows:
        return 0
    written = 0
    with engine.begin() as conn:
        known = {(m, k, i) for m, k, i in conn.execute(sa.select(
            digest_items.c.member, digest_items.c.item_kind, digest_items.c.item_id).where(
            digest_items.c.member.in_({row["member"] for row in rows})))}
        fresh = [row for row in rows if (row["member"], row["item_kind"], row["item_id"]) not in known]
        if fresh:
            conn.execute(sa.insert(digest_items), fresh)
            written = len(fresh)
    return written


def take_digests(engine: Engine, now: dt.datetime) -> list[Digest]:
    """The pending digests, recorded as sent: for a caller that sends them right away."""
    digests = pending_digests(engine, now)
    record_digests_sent(engine, digests, now)
    return digests
