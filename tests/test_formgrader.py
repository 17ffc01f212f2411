"""`ensak formgrader` as the coordinator runs it on the shipped course: formgrader opens on loopback with a
token of its own, lists the hand-ins, and shows a learner's reflection as text, so HTML she wrote (a
script, an image with onerror, a javascript: link) never runs in the coordinator's browser."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time

import pytest
import requests
from nbgrader.api import Gradebook

from fixtures_hub import processes_running
from shipped_course import FIRST_TASK, PEOPLE, Coordinator, Learners, learner_id, shipped_course, staff_csv

# The session's one Chromium (fixtures_hub's `chromium`), shared with the hub tests.
pytest_plugins = ["fixtures_hub"]
pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUBMITTED = dt.datetime(2027, 1, 20, 9, tzinfo=dt.timezone.utc)
HOSTILE_REFLECTION = ('Jag tyckte om uppgiften <3 <img src=x onerror="window.ensakHacked=1">'
                      '<script>window.ensakHacked=2</script> [Läs mer](javascript:window.ensakHacked=3)')
PLAIN_REFLECTION = "Jag provade att skriva ett blogginlägg och fick två kommentarer."


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("formgrader")
    course = shipped_course(root / "kurs")
    coordinator = Coordinator(course, root / "hem")
    people = PEOPLE[:2]
    assert coordinator.run("roster", "import", str(staff_csv(root / "personal.csv", people))).code == 0
    assert coordinator.run("release", FIRST_TASK).code == 0
    learners = Learners(course, root / "hemkataloger")
    hostile, plain = (learner_id(person) for person in people)
    learners.hand_in(hostile, when=SUBMITTED, reflection=HOSTILE_REFLECTION)
    learners.hand_in(plain, when=SUBMITTED, reflection=PLAIN_REFLECTION)
    synced = coordinator.run("sync")
    assert synced.code == 0, synced.text
    return {"coordinator": coordinator, "course": course, "hostile": hostile, "plain": plain}


@pytest.fixture(scope="module")
def formgrader(graded):
    """`ensak formgrader --no-browser` in the course directory; yields (address with token, base url)."""
    coordinator = graded["coordinator"]
    port = free_port()
    process = coordinator.start("formgrader", "--no-browser", "--port", str(port))
    try:
        address = wait_for_address(process)
        base = address.split("/formgrader")[0]
        wait_until_answering(base)
        yield address, base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_does_the_server_end_with_the_command(graded, stop):
    """Stopped by a service manager (SIGTERM) or killed outright, `ensak formgrader` leaves no JupyterLab
    behind holding the port and the coordinator's rights."""
    port = free_port()
    process = graded["coordinator"].start("formgrader", "--no-browser", "--port", str(port))
    wait_until_answering(wait_for_address(process).split("/formgrader")[0])
    server = processes_running(f"--ServerApp.port={port}")
    assert server, "JupyterLab runs as a process of its own"
    process.send_signal(stop)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while processes_running(f"--ServerApp.port={port}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_running(f"--ServerApp.port={port}") == []


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_address(process) -> str:
    """The address `ensak formgrader` prints (its first line), as the coordinator reads it."""
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/formgrader\?token=\S+", line)
    assert found, f"no address in {line!r}: {process.stderr.read() if process.poll() is not None else ''}"
    return found.group(0)


def wait_until_answering(base: str, limit: float = 60) -> None:
    stop = time.monotonic() + limit
    while time.monotonic() < stop:
        try:
            requests.get(f"{base}/api/status", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"formgrader never answered at {base}")


def submission_id(course, learner: str) -> str:
    from ensak.analytics.gradebook import gradebook_url

    with Gradebook(gradebook_url(course)) as gradebook:
        return gradebook.find_submission_notebook(FIRST_TASK, FIRST_TASK, learner).id


def test_does_formgrader_open_only_with_its_token(formgrader):
    address, base = formgrader
    assert requests.get(f"{base}/formgrader/manage_assignments", timeout=10, allow_redirects=False).status_code in (
        302, 403), "without the token: the login page"
    session = requests.Session()
    page = session.get(address, timeout=30)
    assert page.status_code == 200 and page.url.endswith("/formgrader/manage_assignments")
    assert "nbgrader" in page.text
    token = address.split("token=")[1]
    servers = processes_running("--ServerApp.default_url=/formgrader")
    assert servers, "the server runs as a process of its own"
    assert processes_running(token) == [], "the token is on no command line, where other accounts could read it"


def test_are_the_reflections_shown_as_written_and_nothing_in_them_runs(formgrader, graded, chromium):
    address, base = formgrader
    context = chromium.new_context(locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(address)
        page.wait_for_url(re.compile("manage_assignments"))
        for learner, visible in ((graded["hostile"], "window.ensakHacked=2"), (graded["plain"], PLAIN_REFLECTION)):
            page.goto(f"{base}/formgrader/submissions/{submission_id(graded['course'], learner)}/")
            reflection = page.locator(".nbgrader_cell", has_text="Jag").first
            reflection.wait_for()
            assert visible in reflection.inner_text()
        page.goto(f"{base}/formgrader/submissions/{submission_id(graded['course'], graded['hostile'])}/")
        shown = page.locator(".nbgrader_cell", has_text="Jag tyckte").first
        shown.wait_for()
        text = shown.inner_text()
        assert '<img src=x onerror="window.ensakHacked=1">' in text and "[Läs mer](javascript:" in text, text
        assert shown.locator("img, script, a[href^='javascript']").count() == 0
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.ensakHacked") is None, "nothing she wrote ran"
    finally:
        context.close()
