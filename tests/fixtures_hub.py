"""Fixtures for tests that run the real hub: a course the learner accounts can reach, `ensak hub` running, Chromium.

Import the fixtures into a test module with `from fixtures_hub import *`-style explicit imports.
Every process the hub starts is ended in teardown, also when a test fails, and the learner
accounts the session made are removed.
"""

from __future__ import annotations

import http.cookiejar
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The flags that keep Debian's Chromium quiet on a machine with no network but loopback.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HUB_PASSWORD = "prova-kursen-2027"
FIRST_TASK = "00-valkommen"


def missing_or_skip(what: str) -> None:
    """Skip where a developer lacks a prerequisite; in CI (which installs everything) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must provide it: scripts/bootstrap --for-tests)")
    pytest.skip(what)


def require_hub_prerequisites() -> None:
    from ensak.hub.runner import HubError, find_proxy

    if os.geteuid() != 0:
        missing_or_skip("the hub needs root to start learners' servers under their own accounts")
    try:
        find_proxy()
    except HubError as error:
        missing_or_skip(str(error))


@dataclass
class RunningHub:
    """An `ensak hub` process and where its parts are."""

    url: str
    password: str
    course_dir: Path
    home_root: Path
    state_dir: Path
    learners: list[str]
    process: subprocess.Popen
    log_path: Path
    started_in: float = 0.0
    leftovers: list[int] = field(default_factory=list)

    def home(self, learner: str) -> Path:
        return self.home_root / learner

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def processes_running(*words: str) -> list[int]:
    """Processes whose command line holds every one of `words` (a service the hub started, say)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if all(word in command for word in words):
                pids.append(int(entry.name))
    return pids


def python_for_other_accounts() -> Path:
    """The Python another account (a learner, a dedicated sync account) can run: this environment where
    others can reach it, else the shared one `ensak hub` builds for learners, as for a checkout in a folder
    closed to others (ensak.hub.environment.learner_environment)."""
    from ensak.hub.environment import learner_environment

    return learner_environment() / "bin" / "python"


def shared_base_dir(prefix: str) -> Path:
    """A temporary folder the learner accounts may pass through (pytest's own tmp is closed to them)."""
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    base.chmod(0o755)
    return base


def make_hub_course(base: Path, learners: dict[str, tuple[str, str, str]], tasks: list[str]) -> Path:
    """A course instance under `base` with `tasks` generated into its gradebook and a roster of `learners`.

    `learners` maps id to (first name, last name, role).
    """
    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster
    from ensak.nbgrader.release import generate_release

    course_dir = create_instance(base / "kurs")
    if tasks:
        generate_release(course_dir, tasks)
    roster = pd.DataFrame([{"id": i, "first_name": f, "last_name": last, "email": f"{i}@bibliotek.example",
                            "unit": "Huvudbiblioteket", "role": role} for i, (f, last, role) in learners.items()])
    write_roster(course_dir, roster)
    return course_dir


def start_ensak_hub(course_dir: Path, base: Path, learners: list[str], release: str = "all", *,
                    extra: tuple[str, ...] = (), timeout: float = 120) -> RunningHub:
    """Run the real `ensak hub` command (with `extra` options) in the background and wait until it answers."""
    from ensak.hub.runner import free_port

    port = free_port()
    state_dir, home_root = base / "hub-state", base / "homes"
    state_dir.mkdir(mode=0o700)
    log_path = base / "ensak-hub.log"
    log = open(log_path, "wb")
    command = [sys.executable, "-m", "ensak.cli", "hub", "-C", str(course_dir), "--port", str(port),
               "--home-root", str(home_root), "--state-dir", str(state_dir), "--release", release, *extra]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=dict(os.environ, ENSAK_HUB_PASSWORD=HUB_PASSWORD, PYTHONUNBUFFERED="1"))
    hub = RunningHub(url=f"http://127.0.0.1:{port}", password=HUB_PASSWORD, course_dir=course_dir,
                     home_root=home_root, state_dir=state_dir, learners=learners, process=process,
                     log_path=log_path)
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop_ensak_hub(hub)
            raise RuntimeError(f"ensak hub exited with {process.returncode}:\n{hub.log_tail()}")
        if "JupyterHub är igång" in log_path.read_text(encoding="utf-8", errors="replace"):
            hub.started_in = time.monotonic() - started
            return hub
        time.sleep(0.3)
    stop_ensak_hub(hub)
    raise RuntimeError(f"ensak hub did not come up within {timeout:.0f} s:\n{hub.log_tail()}")


def stop_ensak_hub(hub: RunningHub, timeout: float = 60) -> list[int]:
    """Ctrl-C for `ensak hub`, then end (and return) anything of the hub's still running."""
    from ensak.hub.runner import end_processes, hub_processes

    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGINT)
        try:
            hub.process.wait(timeout)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
    # The hub itself is a child of `ensak hub`; if that was killed, its pid file still names it.
    pids = hub_processes(hub.learners, hub.state_dir / "jupyterhub-proxy.pid")
    try:
        hub_pid = int((hub.state_dir / "jupyterhub.pid").read_text())
        os.kill(hub_pid, 0)
        pids.append(hub_pid)
    except (OSError, ValueError):
        pass
    end_processes(pids)
    hub.leftovers = pids
    return pids


def remove_hub_traces(hub: RunningHub, base: Path) -> None:
    from ensak.hub.accounts import remove_learner_accounts

    remove_learner_accounts(hub.learners)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def hub_learners() -> dict[str, tuple[str, str, str]]:
    """Two learners with ids of their own per session, so parallel runs never share an account."""
    tag = secrets.token_hex(2)
    return {f"anna-{tag}": ("Anna", "Åberg", "Bibliotekarie"),
            f"bertil-{tag}": ("Bertil", "Öst", "Enhetschef")}


@pytest.fixture(scope="session")
def running_hub(hub_learners):
    """`ensak hub` with two learners and the first task released, for the whole session."""
    require_hub_prerequisites()
    base = shared_base_dir("ensak-hubtest-")
    learners = list(hub_learners)
    hub = None
    try:
        course_dir = make_hub_course(base, hub_learners, [FIRST_TASK])
        hub = start_ensak_hub(course_dir, base, learners)
        yield hub
    finally:
        leftovers = stop_ensak_hub(hub) if hub is not None else []
        if hub is not None:
            remove_hub_traces(hub, base)
        else:
            from ensak.hub.accounts import remove_learner_accounts

            remove_learner_accounts(learners)
            shutil.rmtree(base, ignore_errors=True)
        assert not leftovers, f"the hub left processes running after Ctrl-C: {leftovers}"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not reachable here)."""
    if not CHROMIUM.exists():
        missing_or_skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- logging in without a browser ------------------------------------------------------------


class HubSession:
    """A learner's logged-in HTTP session (cookies and the hub's XSRF token), for tests that need no browser."""

    def __init__(self, url: str):
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _xsrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "_xsrf"), "")

    def login(self, user: str, password: str) -> str:
        """Log in through the form, as a browser would; return the address the hub sent us on to."""
        self.opener.open(f"{self.url}/hub/login", timeout=30).read()
        form = urllib.parse.urlencode({"username": user, "password": password, "_xsrf": self._xsrf()}).encode()
        with self.opener.open(f"{self.url}/hub/login", data=form, timeout=120) as answer:
            return answer.url

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        try:
            with self.opener.open(f"{self.url}{path}", timeout=timeout) as answer:
                return answer.status, answer.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", errors="replace")

    def wait_for_server(self, user: str, timeout: float = 120) -> float:
        """Wait until the learner's own JupyterLab answers; return the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            # The page (not the API) takes the browser's route: the hub's OAuth hand-over sets the
            # server's own cookie, which the API calls then carry.
            status, _ = self.get(f"/user/{user}/lab")
            if status == 200 and self.get(f"/user/{user}/api/status")[0] == 200:
                return time.monotonic() - started
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not answer within {timeout:.0f} s")


def server_environment(learner: str) -> dict[str, str]:
    """The environment of the learner's running JupyterLab, read from /proc (the test runs as root)."""
    uid = pwd.getpwnam(learner).pw_uid
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.stat().st_uid == uid:
            command = (entry / "cmdline").read_bytes()
            if b"jupyterhub-singleuser" in command:
                pairs = (entry / "environ").read_bytes().split(b"\0")
                return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
    raise AssertionError(f"no server running as {learner}")
