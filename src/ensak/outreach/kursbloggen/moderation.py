"""The coordinator hides a post or a comment from the course, with a reason its author sees, and can show it again."""

from __future__ import annotations

from ensak.outreach.kursbloggen import queries, store
from ensak.outreach.kursbloggen.pages import PageHandler
from ensak.outreach.kursbloggen.store import BlogRefusal, NotAllowed, NotFound


class ModerationPage(PageHandler):
    what = ""

    def prepare(self):
        super().prepare()
        if not self._finished and not self.member.coordinator:
            raise NotAllowed("Bara kursledaren kan dölja inlägg och kommentarer.")

    def reason(self) -> str | None:
        """The reason to hide with, or None to show the item again."""
        return None if self.get_argument("atgard", "dolj") == "visa" else self.get_argument("skal", "")


class HidePostPage(ModerationPage):
    def get(self, post_id: str):
        row = self.readable_post(int(post_id))
        self.render_page("hide.html.j2", title="Dölj inlägget", what="inlägget", item=self.present.post(row),
                         reason=row.hidden_reason or "", error="", back=self.url(f"inlagg/{row.id}"))

    def post(self, post_id: str):
        row = self.readable_post(int(post_id))
        reason = self.reason()
        try:
            store.hide_post(self.blog.engine, self.member, row.id, reason, now=self.now())
        except BlogRefusal as refusal:
            if refusal.status != 400:
                raise
            self.render_page("hide.html.j2", status=400, title="Dölj inlägget", what="inlägget",
                             item=self.present.post(row), reason=reason or "", error=refusal.message,
                             back=self.url(f"inlagg/{row.id}"))
            return
        self.redirect(self.url(f"inlagg/{row.id}"), status=303)


class HideCommentPage(ModerationPage):
    def comment(self, comment_id: int) -> queries.CommentRow:
        row = queries.get_comment(self.blog.engine, comment_id)
        if row is None:
            raise NotFound("Kommentaren finns inte (längre).")
        return row

    def get(self, comment_id: str):
        row = self.comment(int(comment_id))
        self.render_page("hide.html.j2", title="Dölj kommentaren", what="kommentaren", item=self.present.comment(row),
                         reason=row.hidden_reason or "", error="",
                         back=self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"))

    def post(self, comment_id: str):
        row = self.comment(int(comment_id))
        reason = self.reason()
        try:
            store.hide_comment(self.blog.engine, self.member, row.id, reason, now=self.now())
        except BlogRefusal as refusal:
            if refusal.status != 400:
                raise
            self.render_page("hide.html.j2", status=400, title="Dölj kommentaren", what="kommentaren",
                             item=self.present.comment(row), reason=reason or "", error=refusal.message,
                             back=self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"))
            return
        self.redirect(self.url(f"inlagg/{row.post_id}#kommentar-{row.id}"), status=303)
