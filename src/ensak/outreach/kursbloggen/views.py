"""What the pages show of a post or a comment: names, Swedish times, safe HTML, and what the reader may do with it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ensak.outreach.kursbloggen.markdown import render_markdown
from ensak.outreach.kursbloggen.queries import CommentRow, PostRow
from ensak.outreach.kursbloggen.schema import QUESTION, REFLECTION, TIP
from ensak.outreach.kursbloggen.store import Member
from ensak.swedish import swedish_date

LOCAL = ZoneInfo("Europe/Stockholm")
KIND_LABELS = {REFLECTION: "Reflektion", QUESTION: "Fråga", TIP: "Tips"}


def local_time(moment: dt.datetime | None) -> str:
    """"1 december 2026 kl. 10.05", in Swedish local time."""
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL)
    return f"{swedish_date(local.date())} kl. {local:%H.%M}"


def iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def post_title(settings, row: PostRow) -> str:
    """A reflection is titled by its task; a question or a tip by its author."""
    if row.kind == REFLECTION:
        return settings.tasks.get(row.task or "", row.task or "Reflektion")
    return row.title


class Presenter:
    """Turns rows into what the templates show, for one reader."""

    def __init__(self, blog, reader: Member):
        self.blog = blog
        self.reader = reader

    def url(self, path: str = "") -> str:
        return self.blog.settings.prefix + path.lstrip("/")

    def post_title(self, row: PostRow) -> str:
        return post_title(self.blog.settings, row)

    def post(self, row: PostRow, *, formgrader_comment: str = "") -> dict:
        settings, membership = self.blog.settings, self.blog.membership
        author = membership.member(row.author)
        return {
            "id": row.id,
            "url": self.url(f"inlagg/{row.id}"),
            "title": self.post_title(row),
            "kind": row.kind,
            "kind_label": KIND_LABELS.get(row.kind, row.kind),
            "author": membership.name(row.author),
            "by_coordinator": bool(author and author.coordinator),
            "own": row.author == self.reader.id,
            "task": row.task,
            "task_title": settings.tasks.get(row.task, row.task) if row.task else "",
            "task_url": self.url(f"uppgift/{row.task}") if row.task else "",
            "created": local_time(row.created),
            "created_iso": iso(row.created),
            "edited": local_time(row.edited),
            "html": render_markdown(row.body, remote_images=settings.remote_images),
            "body": row.body,
            "shared": row.shared,
            "publish": row.publish,
            "hidden_reason": row.hidden_reason,
            "can_hide": self.reader.coordinator,
            "comment_count": row.comment_count,
            "formgrader_comment": (render_markdown(formgrader_comment, remote_images=settings.remote_images)
                                   if formgrader_comment else ""),
        }

    def comment(self, row: CommentRow, depth: int = 0) -> dict:
        visible = row.hidden_reason is None or self.reader.coordinator or row.author == self.reader.id
        return {
            "id": row.id,
            "post_id": row.post_id,
            "anchor": f"kommentar-{row.id}",
            "author": self.blog.membership.name(row.author),
            "by_coordinator": row.by_coordinator,
            "own": row.author == self.reader.id,
            "created": local_time(row.created),
            "created_iso": iso(row.created),
            "edited": local_time(row.edited),
            "visible": visible,
            "html": render_markdown(row.body, remote_images=self.blog.settings.remote_images) if visible else "",
            "body": row.body if visible else "",
            "hidden_reason": row.hidden_reason,
            "depth": min(depth, 4),
            "can_hide": self.reader.coordinator,
        }


def page_links(number: int, pages: int) -> dict:
    return {"number": number, "pages": pages,
            "previous": number - 1 if number > 1 else None, "next": number + 1 if number < pages else None}
