"""Kursbloggen's tornado application: the shared request handler, the routes, and building the app for a hub or loopback.

Pages are server-rendered Swedish HTML (jinja2, templates/) that work without JavaScript; forms carry
tornado's XSRF token (`xsrf_cookies`); the JSON API (api.py) is what the sharing widget, the learner's task
panel and the demo's colleagues call.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine
from tornado import web

from ensak.outreach.kursbloggen import queries
from ensak.outreach.kursbloggen.database import Clock, utc_now
from ensak.outreach.kursbloggen.members import Membership
from ensak.outreach.kursbloggen.settings import BlogSettings
from ensak.outreach.kursbloggen.store import BlogRefusal, Member

HERE = Path(__file__).parent
log = logging.getLogger("kursbloggen")

ERROR_HEADINGS = {403: "Ingen tillgång", 404: "Hittades inte"}
ERROR_TEXTS = {
    403: "Du har inte tillgång till det här.",
    404: "Sidan finns inte. Den kan ha tagits bort, eller så är adressen felskriven.",
    405: "Det går inte att göra så här.",
}


@dataclass
class BlogContext:
    """Everything the handlers share: settings, database, who belongs, the clock, the templates."""

    settings: BlogSettings
    engine: Engine
    membership: Membership
    templates: jinja2.Environment
    clock: Clock = utc_now
    # Only `ensak blog serve` for the demo: API callers may say when something was written (a simulated clock).
    client_clock: bool = False
    local_token: str = ""
    hub: bool = False
    poll_seconds: float = 20      # how often an open page asks whether something new has arrived (JavaScript)


def template_environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class BlogHandler(web.RequestHandler):
    """What every page and API handler shares: who the member is (403 for anyone outside the course), errors."""

    api = False
    member: Member

    @property
    def blog(self) -> BlogContext:
        return self.settings["blog"]

    def now(self) -> dt.datetime:
        return self.blog.clock()

    def url(self, path: str = "") -> str:
        return self.blog.settings.prefix + path.lstrip("/")

    def prepare(self):
        user = self.current_user
        if not user:
            if self.api or self.request.method not in ("GET", "HEAD"):
                raise web.HTTPError(403, "not logged in")
            login = self.get_login_url()
            if "?" not in login:
                login += "?" + urllib.parse.urlencode({"next": self.request.uri})
            self.redirect(login)
            return
        member = self.blog.membership.member(user["name"], admin=bool(user.get("admin")),
                                             groups=user.get("groups") or [])
        if member is None:
            raise NotAMember(self.blog.settings.course_title)
        self.member = member

    def json_body(self) -> dict:
        try:
            body = web.escape.json_decode(self.request.body or b"{}")
        except ValueError:
            raise BlogRefusal("Frågan är inte giltig JSON.") from None
        if not isinstance(body, dict):
            raise BlogRefusal("Frågan ska vara ett JSON-objekt.")
        return body

    def render_page(self, template: str, status: int = 200, **context: Any) -> None:
        member = getattr(self, "member", None)
        page = self.blog.templates.get_template(template).render(
            prefix=self.blog.settings.prefix, course_title=self.blog.settings.course_title, member=member,
            xsrf=Markup(self.xsrf_form_html()) if member is not None else "",
            unread=queries.unread(self.blog.engine, member) if member is not None else None,
            static=lambda name: self.static_url(name), hub=self.blog.hub,
            poll_ms=int(self.blog.poll_seconds * 1000), **context)
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(page)

    def set_default_headers(self) -> None:
        # No script from anywhere but this service, no framing by other sites, no guessing of content types.
        images = "'self' https:" if self.blog.settings.remote_images else "'self'"
        self.set_header("Content-Security-Policy", f"default-src 'self'; img-src {images}; script-src 'self'; "
                        "style-src 'self'; frame-ancestors 'self'; form-action 'self'")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        message = error.message if isinstance(error, (BlogRefusal, NotAMember)) else \
            ERROR_TEXTS.get(status_code, "Något gick fel. Försök igen om en stund; hjälper inte det, kontakta kursledaren.")
        if status_code == 403 and isinstance(error, web.HTTPError) and "xsrf" in str(error.log_message or "").lower():
            message = ("Formuläret hade gått ut eller kom inte från Kursbloggen. Gå tillbaka, ladda om sidan och "
                       "skicka igen.")
        if self.api or self.request.headers.get("Accept", "").startswith("application/json"):
            self.finish({"error": message, "status": status_code})
            return
        try:
            self.render_page("error.html.j2", status=status_code, message=message,
                             title=ERROR_HEADINGS.get(status_code, "Det gick inte"))
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            self.finish(f"<!doctype html><html lang=sv><title>Fel</title><p>{web.escape.xhtml_escape(message)}</p>")


class MissingPage(BlogHandler):
    """Any address the blog does not have: a Swedish 404 page, for members only like every other page."""

    def prepare(self):
        super().prepare()
        if not self._finished:
            raise web.HTTPError(404)


class NotAMember(web.HTTPError):
    def __init__(self, course_title: str):
        super().__init__(403, "not a member of the course")
        self.message = (f"Kursbloggen är bara för deltagarna i kursen {course_title}, och du finns inte med i den "
                        "kursens deltagarlista. Tror du att det är fel? Kontakta kursledaren.")


def routes(hub: bool) -> list[tuple[str, type]]:
    from ensak.outreach.kursbloggen import api, moderation, pages

    found = [
        (r"", pages.StartPage), (r"uppgifter", pages.TasksPage), (r"uppgift/([^/]+)", pages.TaskPage),
        (r"inlagg/(\d+)", pages.PostPage), (r"nytt", pages.NewPostPage),
        (r"inlagg/(\d+)/andra", pages.EditPostPage), (r"inlagg/(\d+)/ta-bort", pages.DeletePostPage),
        (r"inlagg/(\d+)/kommentera", pages.CommentPage),
        (r"kommentar/(\d+)/andra", pages.EditCommentPage), (r"kommentar/(\d+)/ta-bort", pages.DeleteCommentPage),
        (r"inlagg/(\d+)/dolj", moderation.HidePostPage), (r"kommentar/(\d+)/dolj", moderation.HideCommentPage),
        (r"installningar", pages.SettingsPage),
        (r"api/unread", api.UnreadAPI), (r"api/me", api.MeAPI), (r"api/posts", api.PostsAPI),
        (r"api/posts/(\d+)/comments", api.CommentsAPI), (r"api/reflections/([^/]+)", api.ReflectionAPI),
    ]
    if not hub:
        from ensak.outreach.kursbloggen.local import LoginPage

        found.append((r"logga-in", LoginPage))
    return found


def with_identity(handler: type, hub: bool) -> type:
    from ensak.outreach.kursbloggen.identity import HubIdentity, LocalIdentity

    mixin = HubIdentity if hub else LocalIdentity
    return type(handler.__name__, (mixin, handler), {})


def make_app(settings: BlogSettings, engine: Engine, *, hub: bool, clock: Clock = utc_now,
             client_clock: bool = False, local_token: str = "", cookie_secret: bytes | None = None,
             poll_seconds: float = 20) -> web.Application:
    """The application for one course. `hub`: JupyterHub's OAuth (run as a hub service); else the local identity."""
    blog = BlogContext(settings=settings, engine=engine, clock=clock, client_clock=client_clock,
                       local_token=local_token, hub=hub, templates=template_environment(), poll_seconds=poll_seconds,
                       membership=Membership(settings.course_dir, settings.coordinators, settings.group, engine=engine))
    prefix = settings.prefix
    handlers = [(prefix + pattern + r"/?" if pattern else prefix + r"?", with_identity(handler, hub))
                for pattern, handler in routes(hub)]
    if hub:
        from jupyterhub.services.auth import HubOAuthCallbackHandler

        handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    return web.Application(
        handlers, blog=blog, xsrf_cookies=True, default_handler_class=with_identity(MissingPage, hub), cookie_secret=cookie_secret or secrets.token_bytes(32),
        static_path=str(HERE / "static"), static_url_prefix=prefix + "static/", login_url=prefix + "logga-in",
        xsrf_cookie_kwargs={"path": prefix, "httponly": True, "samesite": "Lax"}, compress_response=True,
    )
