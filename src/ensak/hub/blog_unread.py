"""Kursbloggen's unread count for the learner's task panel, through the learner's own Jupyter server.

The panel cannot ask the blog itself: a fetch from the JupyterLab page to /services/kursbloggen/ would carry
the hub's cookie without an XSRF token, and JupyterHub refuses that. So the learner's single-user server asks
the blog server-side with the learner's own hub token (BlogClient.from_environment), and the panel asks this
route, `GET {base_url}ensak/kursbloggen/unread`, as it asks nbgrader's routes.

The answer is the blog's own (`posts`, `replies`, `total`, `since`, `url`) with `"available": true`, or just
`{"available": false}` when no blog is configured or it does not answer quickly: the panel then says nothing
about the blog, and never shows an error page for it.
Enabled for learners in src/ensak/hub/learner/jupyter_server_config.json (ServerApp.jpserver_extensions).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Mapping

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ensak.learner.blog_client import BlogClient, BlogClientError

UNREAD_ROUTE = "ensak/kursbloggen/unread"
# The panel refreshes every minute; a blog that has not answered in this time is "not available" this round.
TIMEOUT_SECONDS = 3.0
NOT_AVAILABLE = {"available": False}

log = logging.getLogger(__name__)


def unread_for_learner(environ: Mapping[str, str] | None = None, timeout: float = TIMEOUT_SECONDS) -> dict:
    """The blog's unread count for the learner whose server this is, or {"available": false}."""
    try:
        client = BlogClient.from_environment(environ)
        client.timeout = timeout
        answer = client.unread()
    except BlogClientError as error:
        log.info("Kursbloggen's unread count is not available: %s", error)
        return dict(NOT_AVAILABLE)
    if not isinstance(answer, dict) or not isinstance(answer.get("total"), int):
        return dict(NOT_AVAILABLE)
    return {**answer, "available": True}


class UnreadHandler(APIHandler):
    @web.authenticated
    async def get(self):
        # urllib blocks: in a thread, so the learner's server keeps serving while the blog answers.
        answer = await asyncio.get_running_loop().run_in_executor(None, unread_for_learner)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(answer))


def _jupyter_server_extension_points():
    return [{"module": "ensak.hub.blog_unread"}]


def _load_jupyter_server_extension(server_app):
    web_app = server_app.web_app
    route = url_path_join(web_app.settings["base_url"], UNREAD_ROUTE)
    web_app.add_handlers(".*$", [(route, UnreadHandler)])
