"""A small cohort going through nbgrader's real exchange, for the reliability and privacy tests.

`released_course` makes a course instance with only the tasks a test needs generated and released
(optionally with its gradebook elsewhere, e.g. on PostgreSQL); `Cohort` fetches, answers through the
widgets, edits notebooks and submits, as test_cycle.py's learners do. `graded_course` is a whole
small cycle (three learners graded, feedback released, an invitation sent, a report with names),
built once per session; modules load this file with `pytest_plugins = ["fixtures_reliability"]`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from contextlib import chdir, contextmanager
from pathlib import Path

import nbformat
import pytest

from ensak.analytics.gradebook import gradebook_url
from ensak.analytics.report import write_report
from ensak.demo import (
    SimulatedLearner,
    answer_widgets,
    demo_config,
    fetch_task,
    submit_task,
)
from ensak.nbgrader.api import make_api, require_success
from ensak.outreach.messages import build_messages, deliver

T0, T1 = "00-valkommen", "01-larplattformen"
COURSE_ID = "ensak"
IN_TIME = dt.datetime(2027, 1, 20, 10, tzinfo=dt.timezone.utc)


def point_course_at(course_dir: Path, db_url: str) -> None:
    """Make a course instance's own nbgrader_config.py use `db_url`, as ENSAK_DB_URL would.

    The instance's config rather than the environment, so that instances on SQLite and on
    PostgreSQL can live side by side in one test session (the last setting in the file wins).
    """
    with (Path(course_dir) / "nbgrader_config.py").open("a", encoding="utf-8") as handle:
        handle.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")


def released_course(root: Path, task_ids: list[str], db_url: str | None = None) -> Path:
    """A course instance with `task_ids` generated into its gradebook and released to its exchange."""
    from ensak.course.instance import create_instance
    from ensak.nbgrader.release import generate_release, release_tasks

    course_dir = create_instance(root)
    if db_url:
        point_course_at(course_dir, db_url)
    generate_release(course_dir, task_ids)
    release_tasks(course_dir, task_ids, config=demo_config(course_dir)).released_or_raise()
    return course_dir


@contextmanager
def hub_user(learner: str):
    """As in the learner's kernel on the hub, which JupyterHub starts with JUPYTERHUB_USER set."""
    previous = os.environ.get("JUPYTERHUB_USER")
    os.environ["JUPYTERHUB_USER"] = learner
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("JUPYTERHUB_USER", None)
        else:
            os.environ["JUPYTERHUB_USER"] = previous


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class Cohort:
    """Fetches, answers and submits through nbgrader's exchange, as test_cycle.py's learners do."""

    def __init__(self, course_dir: Path, homes: Path, *, time_limit: int | None = None):
        self.course_dir = course_dir
        self.config = demo_config(course_dir)
        if time_limit:
            self.config.Execute.timeout = time_limit
        self.homes = homes

    def folder(self, learner, task=T0):
        return self.homes / learner / task

    def answered(self, learner, task=T0, *, reflection="Jag lärde mig att ta en sak i taget."):
        """Fetch and answer every widget right; write the reflection unless it is None."""
        folder = fetch_task(self.config, COURSE_ID, task, learner, self.homes / learner)
        path = folder / f"{task}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        person = SimulatedLearner(learner, "Test", "Person", "Enheten", "bibliotekarie", 1, 1.0, 1.0)
        with hub_user(learner):
            answer_widgets(folder, notebook, person, random.Random(7))
        if reflection is not None:
            for cell in notebook.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
                    cell.source = reflection
        nbformat.write(notebook, path)
        return folder

    def edit(self, learner, change, task=T0):
        path = self.folder(learner, task) / f"{task}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        change(notebook)
        nbformat.write(notebook, path)

    def submit(self, learner, when=IN_TIME, task=T0):
        submit_task(self.config, COURSE_ID, task, learner, self.homes / learner, when)


# Greta is to be forgotten; the others stay. Her names occur nowhere else in the course.
GRETA = {"id": "greta", "first_name": "Greta", "last_name": "Glömd", "email": "greta.glomd@bibliotek.example"}
OTHERS = [
    {"id": "kalle", "first_name": "Kalle", "last_name": "Kvar", "email": "kalle.kvar@bibliotek.example"},
    {"id": "lisa", "first_name": "Lisa", "last_name": "Lund", "email": "lisa.lund@bibliotek.example"},
]
PEOPLE = [GRETA, *OTHERS]
TODAY = dt.date(2027, 1, 21)


def write_roster_file(course_dir: Path) -> None:
    lines = ["id,first_name,last_name,email,unit,role,joined,left"]
    lines += [f"{p['id']},{p['first_name']},{p['last_name']},{p['email']},Stadsbiblioteket,bibliotekarie,"
              "2027-01-04," for p in PEOPLE]
    (course_dir / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_graded_course(root: Path, homes: Path, db_url: str | None = None) -> Path:
    """A whole small cycle: everyone answers, submits, is graded (reflection too), gets feedback
    and an invitation, and a report with names is written."""
    from nbgrader.api import Gradebook

    from ensak.sync import sync

    course_dir = released_course(root, [T0], db_url)
    write_roster_file(course_dir)
    cohort = Cohort(course_dir, homes)
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for person in PEOPLE:
            gb.update_or_create_student(person["id"], first_name=person["first_name"],
                                        last_name=person["last_name"], email=person["email"])
    for person in PEOPLE:
        cohort.answered(person["id"], reflection=f"Jag heter {person['first_name']} och lärde mig mycket.")
        cohort.submit(person["id"])
    summary = sync(course_dir, config=cohort.config)
    assert len(summary.graded) == len(PEOPLE), summary.problems
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for person in PEOPLE:
            for notebook in gb.find_submission(T0, person["id"]).notebooks:
                for grade in notebook.grades:
                    if grade.needs_manual_grade:  # as the coordinator does in formgrader
                        grade.manual_score, grade.needs_manual_grade = grade.max_score, False
            gb.db.commit()
    with chdir(course_dir):
        api = make_api(course_dir, cohort.config)
        for person in PEOPLE:
            require_success(api.generate_feedback(T0, person["id"], force=True), "generate_feedback")
            require_success(api.release_feedback(T0, person["id"]), "release_feedback")
    deliver(course_dir, build_messages(course_dir, "invitation", task_id=T0, today=TODAY))
    write_report(course_dir, course_dir / "reports", with_names=True, today=TODAY)
    return course_dir


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory) -> Path:
    """The small graded course, built once; tests that change it work on `copy_course` of it."""
    return build_graded_course(tmp_path_factory.mktemp("graded") / "kurs", tmp_path_factory.mktemp("homes"))


def copy_course(source: Path, target: Path) -> Path:
    """A copy that is a course of its own: its gradebook, exchange and caches live inside it."""
    shutil.copytree(source, target, symlinks=True)
    return target
