"""A small HTTP client for Kursbloggen's JSON API (ensak.outreach.kursbloggen): the sharing widget in a learner's
kernel, the demo's colleagues, tests.

Standard library only, and in the learner's room, so that a learner's kernel can import it without the web
application or anything else of the coordinator's. Under a hub,
a learner's own hub token (JUPYTERHUB_API_TOKEN) authenticates; with `ensak blog serve`, the local token
and the learner's id (identity.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.request
from typing import Mapping

SERVICE_NAME = "kursbloggen"   # the hub service's name (ensak.hub.blog_service names it too)
SERVICE_PATH = f"services/{SERVICE_NAME}/"
BLOG_URL_VARIABLE = "ENSAK_BLOG_URL"
BLOG_URLS_VARIABLE = "ENSAK_BLOG_URLS"
# Without a hub (`ensak blog serve`): the learner the local token speaks for; under a hub the token tells.
BLOG_LEARNER_VARIABLE = "ENSAK_BLOG_LEARNER"
LEARNER_HEADER = "X-Ensak-Learner"


class BlogClientError(RuntimeError):
    """The blog refused or could not be reached; `status` is the HTTP status (0: not reached), the message Swedish."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def blog_url_from_environment(environ: Mapping[str, str] | None = None, course_id: str | None = None) -> str | None:
    """Kursbloggen's address as seen from a learner's server or kernel, or None if it cannot be told.

    ENSAK_BLOG_URL when the hub's configuration sets it (`ensak hub` does; with several courses on one hub,
    ENSAK_BLOG_URLS maps each course id to its blog); else from JupyterHub's own variables:
    the server's public URL (JUPYTERHUB_PUBLIC_URL, set when the hub knows its public_url) minus the server's
    prefix (JUPYTERHUB_SERVICE_PREFIX) is the hub's public address, under which the service lives.
    """
    env = os.environ if environ is None else environ
    course_id = course_id or env.get("ENSAK_COURSE_ID")
    if env.get(BLOG_URLS_VARIABLE):
        try:
            by_course = json.loads(env[BLOG_URLS_VARIABLE])
        except ValueError:
            by_course = {}
        if course_id in by_course:
            return by_course[course_id]
    if env.get(BLOG_URL_VARIABLE):
        url = env[BLOG_URL_VARIABLE]
        return url if url.endswith("/") else url + "/"
    public, prefix = env.get("JUPYTERHUB_PUBLIC_URL", ""), env.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if public and prefix and public.endswith(prefix):
        base = env.get("JUPYTERHUB_BASE_URL", "/") or "/"
        return public[: -len(prefix)] + base.rstrip("/") + "/" + SERVICE_PATH
    return None


def course_blog_urls(environ: Mapping[str, str]) -> list[str]:
    """Every course blog a hub with several courses lists in ENSAK_BLOG_URLS."""
    try:
        by_course = json.loads(environ.get(BLOG_URLS_VARIABLE) or "{}")
    except ValueError:
        return []
    return [url for url in by_course.values() if isinstance(url, str)]


class BlogClient:
    """Calls the API as one member. `token`: their hub token, or the local token together with `learner`."""

    def __init__(self, base_url: str, token: str, learner: str | None = None, *, timeout: float = 15):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token
        self.learner = learner
        self.timeout = timeout

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, course_id: str | None = None) -> "BlogClient":
        """The client for the learner whose kernel this is (their own hub token).

        On a hub with several courses and no course id to go by, the blog that knows the learner as a member.
        """
        env = os.environ if environ is None else environ
        token = env.get("JUPYTERHUB_API_TOKEN", "")
        url = blog_url_from_environment(env, course_id)
        candidates = [url] if url else course_blog_urls(env)
        if not candidates or not token:
            raise BlogClientError(0, "Kursbloggen går inte att nå härifrån: uppgiften körs inte i kursens JupyterHub.")
        learner = env.get(BLOG_LEARNER_VARIABLE) or None
        if len(candidates) == 1:
            return cls(candidates[0], token, learner)
        for candidate in candidates:
            client = cls(candidate, token, learner)
            try:
                client.me()
                return client
            except BlogClientError:
                continue
        raise BlogClientError(403, "Du finns inte med i någon av kursbloggarna på den här hubben. Kontakta kursledaren.")

    def as_learner(self, learner: str) -> "BlogClient":
        """The same local connection, acting as another member (local token only)."""
        return BlogClient(self.base_url, self.token, learner, timeout=self.timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        if self.learner:
            headers[LEARNER_HEADER] = self.learner
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                message = json.loads(raw).get("error") or str(error)
            except ValueError:
                message = f"Kursbloggen svarade {error.code}."
            raise BlogClientError(error.code, message) from None
        except (urllib.error.URLError, OSError) as error:
            raise BlogClientError(0, f"Kursbloggen svarar inte just nu ({error}). Försök igen om en stund.") from None

    @staticmethod
    def _at(body: dict, at: dt.datetime | None) -> dict:
        if at is not None:
            body["at"] = at.isoformat()
        return body

    def me(self) -> dict:
        return self.request("GET", "api/me")

    def unread(self) -> dict:
        return self.request("GET", "api/unread")

    def posts(self, task: str | None = None, page: int = 1) -> dict:
        query = f"api/posts?page={page}" + (f"&task={task}" if task else "")
        return self.request("GET", query)

    def comments(self, post_id: int) -> list[dict]:
        return self.request("GET", f"api/posts/{post_id}/comments")["comments"]

    def share_reflection(self, task: str, text: str, *, share: bool, publish: bool = False,
                         at: dt.datetime | None = None) -> dict:
        """What the sharing widget sends: the reflection and both choices (neither: the post is withdrawn)."""
        return self.request("PUT", f"api/reflections/{task}",
                            self._at({"text": text, "share": share, "publish": publish}, at))

    def write_post(self, kind: str, title: str, text: str, *, task: str | None = None, publish: bool = False,
                   at: dt.datetime | None = None) -> int:
        """A free post: kind "fraga" (a question) or "tips"."""
        body = {"kind": kind, "title": title, "text": text, "publish": publish}
        if task:
            body["task"] = task
        return self.request("POST", "api/posts", self._at(body, at))["id"]

    def ask(self, title: str, text: str, **options) -> int:
        return self.write_post("fraga", title, text, **options)

    def tip(self, title: str, text: str, **options) -> int:
        return self.write_post("tips", title, text, **options)

    def comment(self, post_id: int, text: str, *, parent: int | None = None, at: dt.datetime | None = None) -> int:
        body = {"text": text}
        if parent is not None:
            body["parent"] = parent
        return self.request("POST", f"api/posts/{post_id}/comments", self._at(body, at))["id"]
