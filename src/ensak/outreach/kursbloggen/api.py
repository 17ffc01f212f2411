"""Kursbloggen's JSON API, for the learner's kernel and task panel (their own hub token) and the demo's colleagues.

    GET  api/unread                 {"posts": 2, "replies": 1, "total": 3, "since": iso|null, "url": start page}
    GET  api/me                     {"name", "display_name", "coordinator", "course_id"}
    GET  api/posts?task=&page=      {"posts": [...], "page", "pages", "total"}
    POST api/posts                  {"kind": "fraga"|"tips", "title", "text", "task"?, "publish"?} -> 201 {"id", "url"}
    GET  api/posts/<id>/comments    {"comments": [...]}
    POST api/posts/<id>/comments    {"text", "parent"?} -> 201 {"id", "url"}
    GET  api/reflections/<task>     the caller's reflection on the task, or 404
    PUT  api/reflections/<task>     {"text", "share", "publish"} -> {"id"|null, "url"|null, "share", "publish"}

Only with `ensak blog serve --simulated-clock` (the demo) may a caller add "at": an ISO time to write at.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ensak.outreach.kursbloggen import queries, store
from ensak.outreach.kursbloggen.app import BlogHandler
from ensak.outreach.kursbloggen.schema import REFLECTION, posts
from ensak.outreach.kursbloggen.store import BlogRefusal, NotFound
from ensak.outreach.kursbloggen.views import iso


class APIHandler(BlogHandler):
    api = True

    def at(self, body: dict) -> dt.datetime:
        """When the request's writing happens: now, or the demo's simulated time."""
        stamp = body.get("at")
        if stamp is None or not self.blog.client_clock:
            return self.now()
        try:
            moment = dt.datetime.fromisoformat(str(stamp))
        except ValueError:
            raise BlogRefusal("\"at\" ska vara en tidpunkt i ISO-format.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)

    def post_json(self, row: queries.PostRow) -> dict:
        return {"id": row.id, "author": row.author, "kind": row.kind, "task": row.task, "title": row.title,
                "text": row.body, "shared": row.shared, "publish": row.publish, "created": iso(row.created),
                "edited": iso(row.edited) or None, "hidden": row.hidden_reason is not None,
                "comments": row.comment_count, "url": self.url(f"inlagg/{row.id}")}


class UnreadAPI(APIHandler):
    def get(self):
        counts = queries.unread(self.blog.engine, self.member)
        since = queries.last_seen(self.blog.engine, self.member)
        self.finish({"posts": counts.posts, "replies": counts.replies, "total": counts.total,
                     "since": iso(since) or None, "url": self.url()})


class MeAPI(APIHandler):
    def get(self):
        self.finish({"name": self.member.id, "display_name": self.member.name, "coordinator": self.member.coordinator,
                     "course_id": self.blog.settings.course_id})


class PostsAPI(APIHandler):
    def get(self):
        task = self.get_argument("task", None) or None
        try:
            number = max(1, int(self.get_argument("page", "1")))
        except ValueError:
            number = 1
        page = queries.list_posts(self.blog.engine, self.member, task=task, page=number)
        self.finish({"posts": [self.post_json(row) for row in page.posts], "page": page.number,
                     "pages": page.pages, "total": page.total})

    def post(self):
        body = self.json_body()
        task = body.get("task") or None
        if task is not None and task not in self.blog.settings.tasks:
            raise BlogRefusal(f"Det finns ingen uppgift {task!r} i kursen.")
        post_id = store.create_post(self.blog.engine, self.member, kind=str(body.get("kind", "")),
                                    title=body.get("title", ""), body=body.get("text", ""), task=task,
                                    publish=body.get("publish") is True, now=self.at(body))
        self.set_status(201)
        self.finish({"id": post_id, "url": self.url(f"inlagg/{post_id}")})


class CommentsAPI(APIHandler):
    def readable(self, post_id: int) -> queries.PostRow:
        row = queries.get_post(self.blog.engine, self.member, post_id)
        if row is None:
            raise NotFound("Inlägget finns inte (längre).")
        return row

    def get(self, post_id: str):
        row = self.readable(int(post_id))
        shown = [comment for comment in queries.post_comments(self.blog.engine, row.id)
                 if comment.hidden_reason is None or self.member.coordinator or comment.author == self.member.id]
        self.finish({"comments": [{"id": c.id, "parent": c.parent_id, "author": c.author, "text": c.body,
                                   "by_coordinator": c.by_coordinator, "created": iso(c.created),
                                   "hidden": c.hidden_reason is not None} for c in shown]})

    def post(self, post_id: str):
        body = self.json_body()
        parent = body.get("parent")
        if parent is not None and not isinstance(parent, int):
            raise BlogRefusal("\"parent\" ska vara en kommentars id (ett heltal).")
        comment_id = store.add_comment(self.blog.engine, self.member, int(post_id), body.get("text", ""),
                                       now=self.at(body), parent_id=parent)
        self.set_status(201)
        self.finish({"id": comment_id, "url": self.url(f"inlagg/{post_id}#kommentar-{comment_id}")})


class ReflectionAPI(APIHandler):
    def task(self, task_id: str) -> str:
        if task_id not in self.blog.settings.tasks:
            raise NotFound(f"Det finns ingen uppgift {task_id!r} i kursen.")
        return task_id

    def get(self, task_id: str):
        task = self.task(task_id)
        with self.blog.engine.connect() as conn:
            post_id = conn.execute(sa.select(posts.c.id).where(
                posts.c.author == self.member.id, posts.c.task == task, posts.c.kind == REFLECTION)).scalar()
        row = queries.get_post(self.blog.engine, self.member, post_id) if post_id is not None else None
        if row is None:
            raise NotFound("Du har inte delat någon reflektion om uppgiften.")
        self.finish(self.post_json(row))

    def put(self, task_id: str):
        task = self.task(task_id)
        body = self.json_body()
        share, publish = body.get("share") is True, body.get("publish") is True
        post_id = store.share_reflection(self.blog.engine, self.member, task, body.get("text", ""), share=share,
                                         publish=publish, now=self.at(body))
        self.finish({"id": post_id, "url": self.url(f"inlagg/{post_id}") if post_id is not None else None,
                     "share": share, "publish": publish})
