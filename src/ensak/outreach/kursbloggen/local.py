"""`ensak blog serve`: the same Kursbloggen on one machine without a hub, on the loopback address only
(127.0.0.1, always: there is no password).

Whoever opens it picks their name from the roster (no password, as with the hub's demo login: only this
computer can reach it); programs such as the demo's colleagues use the local token (identity.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from tornado import httpserver

from ensak.outreach.kursbloggen.app import BlogHandler, make_app
from ensak.outreach.kursbloggen.database import Clock, open_blog_database, utc_now
from ensak.outreach.kursbloggen.identity import LOCAL_COOKIE, local_token
from ensak.outreach.kursbloggen.settings import BlogSettings

DEFAULT_PORT = 8765
LOOPBACK = "127.0.0.1"


class LoginPage(BlogHandler):
    """Pick who you are (loopback only); the choice is kept in a signed cookie."""

    def prepare(self):
        self.member = None  # nobody yet

    def choices(self) -> list[tuple[str, str]]:
        membership = self.blog.membership
        ids = sorted({*membership.active_ids(), *self.blog.settings.coordinators}, key=membership.name)
        return [(member_id, membership.name(member_id)) for member_id in ids]

    def next_url(self) -> str:
        target = self.get_argument("next", self.url())
        # Only back into the blog itself, never to another site.
        return target if target.startswith(self.blog.settings.prefix) and "//" not in target else self.url()

    def get(self):
        self.render_page("login.html.j2", title="Vem är du?", choices=self.choices(), next_url=self.next_url(),
                         error="")

    def post(self):
        chosen = self.get_argument("vem", "")
        if chosen not in dict(self.choices()):
            self.render_page("login.html.j2", status=400, title="Vem är du?", choices=self.choices(),
                             next_url=self.next_url(), error="Välj ditt namn i listan.")
            return
        self.set_signed_cookie(LOCAL_COOKIE, chosen, path=self.blog.settings.prefix, httponly=True,
                               samesite="Lax", expires_days=30)
        self.redirect(self.next_url(), status=303)

    def render_page(self, template, status=200, **context):
        # The login page is outside the course, so it carries its XSRF token itself.
        context.setdefault("login_xsrf", self.xsrf_form_html())
        super().render_page(template, status=status, **context)


@dataclass
class LocalBlog:
    """A running local Kursbloggen: its address, and the server to stop."""

    url: str
    token: str
    server: httpserver.HTTPServer
    engine: Engine


def local_state_folder(settings: BlogSettings) -> Path:
    return settings.course_dir / "blog"


def start_local_blog(settings: BlogSettings, *, port: int = DEFAULT_PORT, clock: Clock = utc_now,
                     client_clock: bool = False, poll_seconds: float = 20) -> LocalBlog:
    """Start serving on 127.0.0.1 in the current asyncio loop (the caller runs it)."""
    ip = LOOPBACK
    engine = open_blog_database(settings.db_url)
    token = local_token(local_state_folder(settings))
    app = make_app(settings, engine, hub=False, clock=clock, client_clock=client_clock, local_token=token,
                   cookie_secret=(token + "/cookies").encode(), poll_seconds=poll_seconds)
    server = app.listen(port, address=ip, xheaders=False)
    return LocalBlog(url=f"http://{ip}:{port}{settings.prefix}", token=token, server=server, engine=engine)


def serve_local(settings: BlogSettings, *, port: int = DEFAULT_PORT, echo=print) -> None:
    """Run until Ctrl-C."""
    async def main():
        running = start_local_blog(settings, port=port)
        echo(f"Kursbloggen är igång: {running.url}")
        echo("Bara den här datorn når den. Stoppa med Ctrl-C.")
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        echo("Kursbloggen är stoppad.")



class BackgroundBlog:
    """A local Kursbloggen in a thread of this process (the demo, tests, the bench); a context manager.

        with BackgroundBlog(settings, clock=simulated.now) as blog:
            BlogClient(blog.url, blog.token, "anna.ek").ask(...)
    """

    def __init__(self, settings: BlogSettings, *, port: int = 0, clock: Clock = utc_now, client_clock: bool = False,
                 poll_seconds: float = 20):
        self.settings, self.port, self.clock, self.client_clock = settings, port, clock, client_clock
        self.poll_seconds = poll_seconds
        self.running: LocalBlog | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = None

    def __enter__(self) -> LocalBlog:
        import socket
        import threading

        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            async def start() -> LocalBlog:
                return start_local_blog(self.settings, port=self.port, clock=self.clock,
                                        client_clock=self.client_clock, poll_seconds=self.poll_seconds)

            try:
                self.running = self._loop.run_until_complete(start())
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="kursbloggen", daemon=True)
        self._thread.start()
        ready.wait(60)
        if failure:
            raise failure[0]
        return self.running

    def __exit__(self, *exc) -> None:
        if self._loop is not None and self.running is not None:
            self._loop.call_soon_threadsafe(self.running.server.stop)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        if self.running is not None:
            self.running.engine.dispose()
