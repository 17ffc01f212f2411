"""The blog's pages for members: reading, writing, commenting, editing and deleting one's own, settings."""

from __future__ import annotations

from ensak.outreach.kursbloggen import queries, store
from ensak.outreach.kursbloggen.app import BlogHandler
from ensak.outreach.kursbloggen.formgrader import formgrader_comments
from ensak.outreach.kursbloggen.schema import FREE_KINDS, REFLECTION
from ensak.outreach.kursbloggen.store import BlogRefusal, NotFound
from ensak.outreach.kursbloggen.views import Presenter, local_time, page_links


class PageHandler(BlogHandler):
    @property
    def present(self) -> Presenter:
        return Presenter(self.blog, self.member)

    def page_number(self) -> int:
        try:
            return max(1, int(self.get_argument("sida", "1")))
        except ValueError:
            return 1

    def shown_posts(self, rows: list[queries.PostRow]) -> list[dict]:
        """Posts as the templates show them, each reflection with the coordinator's formgrader comment."""
        settings = self.blog.settings
        reflections = [(row.author, row.task) for row in rows if row.kind == REFLECTION and row.task]
        said = formgrader_comments(settings.gradebook_url, settings.course_id, reflections)
        return [self.present.post(row, formgrader_comment=said.get((row.author, row.task), "")) for row in rows]

    def readable_post(self, post_id: int) -> queries.PostRow:
        row = queries.get_post(self.blog.engine, self.member, post_id)
        if row is None:
            raise NotFound("Inlägget finns inte (längre). Det kan ha tagits bort av den som skrev det.")
        return row

    def own_post(self, post_id: int) -> queries.PostRow:
        row = self.readable_post(post_id)
        if row.author != self.member.id:
            raise store.NotAllowed("Bara den som skrev inlägget kan ändra eller ta bort det.")
        return row

    def own_comment(self, comment_id: int) -> queries.CommentRow:
        row = queries.get_comment(self.blog.engine, comment_id)
        if row is None or queries.get_post(self.blog.engine, self.member, row.post_id) is None:
            raise NotFound("Kommentaren finns inte (längre).")
        if row.author != self.member.id:
            raise store.NotAllowed("Bara den som skrev kommentaren kan ändra eller ta bort den.")
        return row

    def task_choices(self) -> list[tuple[str, str]]:
        return list(self.blog.settings.tasks.items())


class StartPage(PageHandler):
    def get(self):
        engine = self.blog.engine
        number = self.page_number()
        since = store.record_visit(engine, self.member.id, self.now()) if number == 1 else None
        new_posts, replies, counts = queries.news(engine, self.member, since) if number == 1 else ([], [], None)
        reply_posts = queries.posts_by_ids(engine, sorted({reply.post_id for reply in replies}))
        page = queries.list_posts(engine, self.member, page=number)
        self.render_page(
            "start.html.j2", title="Start", posts=self.shown_posts(page.posts),
            pages=page_links(page.number, page.pages), total=page.total, first_visit=since is None,
            since=local_time(since), news_counts=counts,
            new_posts=[self.present.post(row) for row in new_posts],
            replies=[{"comment": self.present.comment(reply),
                      "post": self.present.post(reply_posts[reply.post_id])} for reply in replies
                     if reply.post_id in reply_posts],
            removed=self.get_argument("borttaget", ""))


class TasksPage(PageHandler):
    def get(self):
        counts = queries.task_counts(self.blog.engine, self.member)
        tasks = [{"id": task_id, "title": title, "count": counts.get(task_id, 0), "url": self.url(f"uppgift/{task_id}")}
                 for task_id, title in self.blog.settings.tasks.items()]
        self.render_page("tasks.html.j2", title="Uppgifterna", tasks=tasks)


class TaskPage(PageHandler):
    def get(self, task_id: str):
        if task_id not in self.blog.settings.tasks:
            raise NotFound("Det finns ingen sådan uppgift i kursen.")
        page = queries.list_posts(self.blog.engine, self.member, task=task_id, page=self.page_number())
        self.render_page("task.html.j2", title=self.blog.settings.tasks[task_id], task_id=task_id,
                         posts=self.shown_posts(page.posts), pages=page_links(page.number, page.pages),
                         total=page.total)


class PostPage(PageHandler):
    def get(self, post_id: str):
        self.show(int(post_id))

    def show(self, post_id: int, *, status: int = 200, error: str = "", draft: str = "", reply_to: int | None = None):
        row = self.readable_post(post_id)
        comments = [self.present.comment(comment, depth)
                    for comment, depth in queries.thread(queries.post_comments(self.blog.engine, post_id))]
        self.render_page("post.html.j2", status=status, title=self.present.post_title(row),
                         post=self.shown_posts([row])[0], comments=comments, error=error, draft=draft,
                         reply_to=reply_to)


class CommentPage(PostPage):
    def post(self, post_id: str):
        post_id = int(post_id)
        parent = self.get_argument("svar_pa", "") or None
        text = self.get_argument("text", "")
        try:
            comment_id = store.add_comment(self.blog.engine, self.member, post_id, text, now=self.now(),
                                           parent_id=int(parent) if parent and parent.isdigit() else None)
        except BlogRefusal as refusal:
            if refusal.status != 400:
                raise
            self.show(post_id, status=400, error=refusal.message, draft=text,
                      reply_to=int(parent) if parent and parent.isdigit() else None)
            return
        self.redirect(self.url(f"inlagg/{post_id}#kommentar-{comment_id}"), status=303)


class NewPostPage(PageHandler):
    def get(self):
        self.form()

    def form(self, *, status: int = 200, error: str = "", values: dict | None = None):
        values = values or {"kind": "", "title": "", "text": "", "task": self.get_argument("uppgift", ""),
                            "publish": False}
        self.render_page("new.html.j2", status=status, title="Skriv ett inlägg", error=error, values=values,
                         tasks=self.task_choices(), kinds=FREE_KINDS)

    def post(self):
        values = {"kind": self.get_argument("slag", ""), "title": self.get_argument("rubrik", ""),
                  "text": self.get_argument("text", ""), "task": self.get_argument("uppgift", ""),
                  "publish": self.get_argument("publicera", "") == "ja"}
        if values["task"] and values["task"] not in self.blog.settings.tasks:
            values["task"] = ""
        try:
            post_id = store.create_post(self.blog.engine, self.member, kind=values["kind"], title=values["title"],
                                        body=values["text"], task=values["task"] or None,
                                        publish=values["publish"], now=self.now())
        except BlogRefusal as refusal:
            self.form(status=400, error=refusal.message, values=values)
            return
        self.redirect(self.url(f"inlagg/{post_id}"), status=303)


class EditPostPage(PageHandler):
    def get(self, post_id: str):
        row = self.own_post(int(post_id))
        self.form(row)

    def form(self, row, *, status: int = 200, error: str = "", values: dict | None = None):
        values = values or {"title": row.title, "text": row.body, "publish": row.publish}
        self.render_page("edit.html.j2", status=status, title="Ändra inlägget", error=error, values=values,
                         post=self.present.post(row), reflection=row.kind == REFLECTION)

    def post(self, post_id: str):
        row = self.own_post(int(post_id))
        values = {"title": self.get_argument("rubrik", row.title), "text": self.get_argument("text", ""),
                  "publish": self.get_argument("publicera", "") == "ja"}
        try:
            store.edit_post(self.blog.engine, self.member, row.id, body=values["text"], title=values["title"],
                            publish=values["publish"], now=self.now())
        except BlogRefusal as refusal:
            if refusal.status != 400:
                raise
            self.form(row, status=400, error=refusal.message, values=values)
            return
        self.redirect(self.url(f"inlagg/{row.id}"), status=303)


class DeletePostPage(PageHandler):
    def get(self, post_id: str):
        row = self.own_post(int(post_id))
        self.render_page("confirm_delete.html.j2", title="Ta bort inlägget", what="inlägget",
                         item=self.present.post(row), back=self.url(f"inlagg/{row.id}"),
                         warning="Kommentarerna under inlägget tas också bort." if row.comment_count else "")

    def post(self, post_id: str):
        row = self.own_post(int(post_id))
        store.delete_post(self.blog.engine, self.member, row.id)
        self.redirect(self.url("?borttaget=inlagg"), status=303)


class EditCommentPage(PageHandler):
    def get(self, comment_id: str):
        row = self.own_comment(int(comment_id))
        self.render_page("edit_comment.html.j2", title="Ändra kommentaren", comment=self.present.comment(row),
                         text=row.body, error="", back=self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"))

    def post(self, comment_id: str):
        row = self.own_comment(int(comment_id))
        text = self.get_argument("text", "")
        try:
            store.edit_comment(self.blog.engine, self.member, row.id, text, now=self.now())
        except BlogRefusal as refusal:
            if refusal.status != 400:
                raise
            self.render_page("edit_comment.html.j2", status=400, title="Ändra kommentaren", text=text,
                             comment=self.present.comment(row), error=refusal.message,
                             back=self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"))
            return
        self.redirect(self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"), status=303)


class DeleteCommentPage(PageHandler):
    def get(self, comment_id: str):
        row = self.own_comment(int(comment_id))
        self.render_page("confirm_delete.html.j2", title="Ta bort kommentaren", what="kommentaren",
                         item=self.present.comment(row), back=self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"),
                         warning="Svar som andra har skrivit till kommentaren finns kvar.")

    def post(self, comment_id: str):
        row = self.own_comment(int(comment_id))
        store.delete_comment(self.blog.engine, self.member, row.id)
        self.redirect(self.url(f"inlagg/{row.post_id}"), status=303)


class SettingsPage(PageHandler):
    def get(self):
        self.show()

    def show(self, saved: bool = False):
        current = store.member_settings(self.blog.engine, self.member.id)
        self.render_page("settings.html.j2", title="Inställningar", digest=bool(current["digest"]), saved=saved)

    def post(self):
        wanted = self.get_argument("sammanfattning", "") == "ja"
        store.set_digest(self.blog.engine, self.member.id, wanted, now=self.now())
        self.show(saved=True)

