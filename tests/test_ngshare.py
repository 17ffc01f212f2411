"""The networked exchange for real: `ensak hub --exchange ngshare` with two courses side by side on one hub,
learners' JupyterLab servers under their own accounts, ngshare as a hub service, gradebooks on PostgreSQL.

One hub serves the module: two learners in one course, one in the other. The learners fetch and submit
through their own servers' nbgrader (the Assignments panel's HTTP calls); the coordinator releases,
syncs and reads progress from this process. No exchange folder is used anywhere.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.register_assert_rewrite("fixtures_hub")
from fixtures_hub import (  # noqa: E402
    FIRST_TASK,
    HubSession,
    RunningHub,
    processes_running,
    remove_hub_traces,
    require_hub_prerequisites,
    server_environment,
    shared_base_dir,
    start_ensak_hub,
    stop_ensak_hub,
)

pytest_plugins = ["fixtures_hub", "fixtures_postgres"]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

NORTH, SOUTH = "bibliotek_norr", "bibliotek_syd"


@dataclass
class TwoCourses:
    hub: RunningHub
    north: Path
    south: Path
    north_learners: list[str]
    south_learners: list[str]
    db_url_template: str


def make_course(folder: Path, course_id: str, learners: dict[str, tuple[str, str, str]]) -> Path:
    """A course instance with its own course id, the first task generated into its gradebook, and a roster."""
    import pandas as pd

    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster
    from ensak.nbgrader.release import generate_release

    folder.mkdir(mode=0o755)
    course_dir = create_instance(folder / "kurs")
    plan = course_dir / "course.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('id = "ensak"', f'id = "{course_id}"', 1),
                    encoding="utf-8")
    generate_release(course_dir, [FIRST_TASK])
    write_roster(course_dir, pd.DataFrame([
        {"id": i, "first_name": f, "last_name": last, "email": f"{i}@bibliotek.example", "unit": "Filialen",
         "role": role} for i, (f, last, role) in learners.items()]))
    return course_dir




@pytest.fixture(scope="module")
def two_courses(postgres):
    """One `ensak hub --exchange ngshare` running two courses, each with its own id, roster and PostgreSQL gradebook."""
    require_hub_prerequisites()
    tag = secrets.token_hex(2)
    north_learners = {f"anna-{tag}": ("Anna", "Åberg", "Bibliotekarie"), f"bertil-{tag}": ("Bertil", "Öst", "Chef")}
    south_learners = {f"cecilia-{tag}": ("Cecilia", "Ek", "Bibliotekarie")}
    template = postgres.url("gradebook_{course_id}")
    for course_id in (NORTH, SOUTH):
        postgres.create_database(f"gradebook_{course_id}")
    previous = os.environ.get("ENSAK_DB_URL")
    os.environ["ENSAK_DB_URL"] = template
    base = shared_base_dir("ensak-ngshare-")
    everyone = [*north_learners, *south_learners]
    hub = None
    try:
        north = make_course(base / "norr", NORTH, north_learners)
        south = make_course(base / "syd", SOUTH, south_learners)
        hub = start_ensak_hub(north, base, everyone, release="none", timeout=150,
                              extra=("--exchange", "ngshare", "--with-course", str(south)))
        # The coordinator releases from here, over HTTP: `ensak hub` left the connection in each course.
        from ensak.nbgrader.release import release_tasks

        for course_dir in (north, south):
            result = release_tasks(course_dir, [FIRST_TASK])
            assert result.released == [FIRST_TASK], result.problems
        yield TwoCourses(hub, north, south, list(north_learners), list(south_learners), template)
    finally:
        leftovers = stop_ensak_hub(hub) if hub is not None else []
        services = processes_running("ensak.nbgrader.ngshare_service", str(base / "norr" / "kurs" / "ngshare"))
        if hub is not None:
            remove_hub_traces(hub, base)
        else:
            from ensak.hub.accounts import remove_learner_accounts

            remove_learner_accounts(everyone)
            shutil.rmtree(base, ignore_errors=True)
        if previous is None:
            os.environ.pop("ENSAK_DB_URL", None)
        else:
            os.environ["ENSAK_DB_URL"] = previous
        assert not leftovers, f"the hub left processes running after Ctrl-C: {leftovers}"
        assert not services, f"ngshare kept running after the hub stopped: {services}"


class LearnerServer:
    """A learner logged in to the hub, using nbgrader through their own JupyterLab as the Assignments panel does."""

    def __init__(self, hub: RunningHub, learner: str):
        self.learner = learner
        self.session = HubSession(hub.url)
        self.session.login(learner, hub.password)
        self.session.wait_for_server(learner)

    def assignments(self, course_id: str = "") -> list[dict]:
        status, body = self.session.get(f"/user/{self.learner}/assignments?course_id={course_id}", timeout=120)
        assert status == 200, body
        answer = json.loads(body)
        assert answer["success"], answer
        return answer["value"]

    def act(self, action: str, course_id: str, task: str) -> dict:
        """Press Fetch or Submit: POST to the server's nbgrader handler with its XSRF token."""
        xsrf = next(c.value for c in self.session.cookies if c.name == "_xsrf" and c.path.startswith("/user/"))
        request = urllib.request.Request(
            f"{self.session.url}/user/{self.learner}/assignments/{action}",
            data=urllib.parse.urlencode({"course_id": course_id, "assignment_id": task}).encode(),
            headers={"X-XSRFToken": xsrf}, method="POST")
        with self.session.opener.open(request, timeout=120) as answer:
            return json.loads(answer.read())


def exchange_folder_is_unused(course_dir: Path) -> bool:
    folder = course_dir / "exchange"
    return not folder.exists() or not any(folder.iterdir())


def test_two_learners_and_the_coordinator_go_round_the_cycle_through_ngshare(two_courses):
    """Release → fetch → submit → collect → sync → progress over HTTP, with no exchange folder in use?"""
    from ensak.analytics.gradebook import (
        LEARNER,
        SUBMITTED,
        TASK,
        gradebook_url,
        load_progress,
    )
    from ensak.sync import sync

    hub, course = two_courses.hub, two_courses.north
    for learner in two_courses.north_learners:
        server = LearnerServer(hub, learner)
        # The course id comes from ngshare's enrolment: the learner sees their course's task without naming it.
        released = [a for a in server.assignments() if a["status"] == "released"]
        assert {(a["course_id"], a["assignment_id"]) for a in released} == {(NORTH, FIRST_TASK)}
        server.act("fetch", NORTH, FIRST_TASK)
        notebook = hub.home(learner) / FIRST_TASK / f"{FIRST_TASK}.ipynb"
        assert notebook.is_file()
        assert notebook.stat().st_uid == pwd.getpwnam(learner).pw_uid
        answer = server.act("submit", NORTH, FIRST_TASK)
        assert answer.get("success", True) is not False, answer
        assert any(a["status"] == "submitted" for a in server.assignments(NORTH))

        environment = server_environment(learner)
        assert environment["ENSAK_NGSHARE_URL"] == f"{hub.url}/services/ngshare"
        # Nothing of the coordinator's reaches a learner: no exchange folder, no gradebook, no coordinator token.
        assert not {"ENSAK_EXCHANGE", "ENSAK_DB_URL", "ENSAK_NGSHARE_TOKEN"} & set(environment)

    summary = sync(course, workers=2)
    collected = {pair for pair in summary.collected}
    assert collected == {(learner, FIRST_TASK) for learner in two_courses.north_learners}, summary.problems
    assert set(summary.graded) == collected
    assert all(hub.home(learner).is_dir() for learner in two_courses.north_learners)

    # The gradebook is the course's own database on the PostgreSQL server.
    assert gradebook_url(course) == two_courses.db_url_template.replace("{course_id}", NORTH)
    progress = load_progress(course)
    done = progress[(progress[TASK] == FIRST_TASK) & progress[SUBMITTED]]
    assert set(done[LEARNER]) == set(two_courses.north_learners)

    # A second sync finds nothing new in ngshare.
    again = sync(course, workers=2)
    assert not again.collected and not again.graded and not again.problems
    assert exchange_folder_is_unused(two_courses.north) and exchange_folder_is_unused(two_courses.south)


def test_two_courses_on_one_hub_stay_apart(two_courses):
    """Does a learner in one course see, fetch and hand in only their own course's tasks, and each gradebook hold its own?"""
    from ensak.analytics.gradebook import LEARNER, SUBMITTED, TASK, load_progress
    from ensak.nbgrader.ngshare_client import Client, find_connection
    from ensak.sync import sync

    hub = two_courses.hub
    south_learner = two_courses.south_learners[0]
    server = LearnerServer(hub, south_learner)
    assert {a["course_id"] for a in server.assignments()} == {SOUTH}
    # Asking for the other course's task by name gets nothing.
    server.act("fetch", NORTH, FIRST_TASK)
    assert not (hub.home(south_learner) / FIRST_TASK).exists()
    server.act("fetch", SOUTH, FIRST_TASK)
    assert (hub.home(south_learner) / FIRST_TASK / f"{FIRST_TASK}.ipynb").is_file()
    server.act("submit", SOUTH, FIRST_TASK)

    # ngshare's own word: each course has only its own roster enrolled.
    client = Client(find_connection(two_courses.north))
    assert client.enrolled(NORTH) == set(two_courses.north_learners)
    assert client.enrolled(SOUTH) == {south_learner}
    assert set(client.newest_submissions(SOUTH, FIRST_TASK)) == {south_learner}

    summary = sync(two_courses.south, workers=1)
    assert summary.collected == [(south_learner, FIRST_TASK)], summary.problems
    south = load_progress(two_courses.south)
    assert set(south[LEARNER]) == {south_learner}
    assert set(south.loc[south[SUBMITTED], TASK]) == {FIRST_TASK}
    north = load_progress(two_courses.north)
    assert south_learner not in set(north[LEARNER])
