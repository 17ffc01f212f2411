"""The learner's own Jupyter server tells the task panel Kursbloggen's unread count (ensak.hub.blog_unread):
a real Jupyter server started with the learners' shipped jupyter_server_config.json, asking the real
Kursbloggen running on loopback in this process, as one member."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ensak.hub.blog_unread import UNREAD_ROUTE, unread_for_learner
from ensak.learner.blog_client import BlogClient
from ensak.outreach.kursbloggen.local import BackgroundBlog
from ensak.outreach.kursbloggen.settings import load_settings
from fixtures_kursbloggen import Clock, make_blog_course

LEARNER_SERVER_CONFIG = Path(__file__).resolve().parents[1] / "src/ensak/hub/learner/jupyter_server_config.json"
SERVER_TOKEN = "lararserverns-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str, token: str | None = SERVER_TOKEN) -> tuple[int, dict | str]:
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def blog(tmp_path):
    settings = load_settings(make_blog_course(tmp_path))
    with BackgroundBlog(settings, clock=Clock()) as running:
        yield running


def start_learner_server(tmp_path: Path, environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    home = tmp_path / "hem"
    home.mkdir()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"), **environment}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={home}", f"--IdentityProvider.token={SERVER_TOKEN}",
         f"--config={LEARNER_SERVER_CONFIG}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "wb"))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("the learner's server stopped:\n" + (tmp_path / "server.log").read_text()[-3000:])
        try:
            if get_json(url + "api/status")[0] == 200:
                return server, url
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    pytest.fail("the learner's server did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])


def test_does_the_learners_server_tell_the_unread_count_of_the_real_blog_and_only_to_its_owner(tmp_path, blog):
    anna, bo = (BlogClient(blog.url, blog.token, "anna.ek"), BlogClient(blog.url, blog.token, "bo.ahl"))
    post = anna.ask("Hur lägger man till en bild?", "Jag hittar inte knappen.")
    bo.comment(post, "Under plustecknet.")
    server, url = start_learner_server(tmp_path, {
        "ENSAK_BLOG_URL": blog.url, "JUPYTERHUB_API_TOKEN": blog.token, "ENSAK_BLOG_LEARNER": "anna.ek"})
    try:
        status, answer = get_json(url + UNREAD_ROUTE)
        assert status == 200, answer
        assert answer["available"] is True
        assert (answer["posts"], answer["replies"], answer["total"]) == (0, 1, 1), "Bo's answer to her question"
        assert answer["url"] == "/"

        bo.tip("Bra verktyg", "Prova att rita en tankekarta.")
        status, answer = get_json(url + UNREAD_ROUTE)
        assert (answer["posts"], answer["replies"], answer["total"]) == (1, 1, 2), "asked again: Bo's new tip"

        status, _ = get_json(url + UNREAD_ROUTE, token=None)
        assert status == 403, "only the server's owner is told her count"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_is_a_missing_or_silent_blog_just_not_available(tmp_path, blog):
    assert unread_for_learner({}) == {"available": False}, "no blog configured: not a hub learner"
    stopped_port = free_port()
    closed = {"ENSAK_BLOG_URL": f"http://127.0.0.1:{stopped_port}/", "JUPYTERHUB_API_TOKEN": blog.token,
              "ENSAK_BLOG_LEARNER": "anna.ek"}
    assert unread_for_learner(closed) == {"available": False}
    wrong_token = {"ENSAK_BLOG_URL": blog.url, "JUPYTERHUB_API_TOKEN": "fel", "ENSAK_BLOG_LEARNER": "anna.ek"}
    assert unread_for_learner(wrong_token) == {"available": False}
    right = {**wrong_token, "JUPYTERHUB_API_TOKEN": blog.token}
    assert unread_for_learner(right)["available"] is True
