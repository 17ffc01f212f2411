"""A small cohort going through nbgrader's real exchange, for the reliability and privacy tests.

`released_course` makes a course instance with only the tasks a test needs generated and released
(optionally with its gradebook elsewhere, e.g. on PostgreSQL); `Cohort` fetches, answers through the
widgets, edits notebooks and submits, as test_cycle.py's learners do.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from contextlib import contextmanager
from pathlib import Path

import nbformat

from ensak.demo import SimulatedLearner, answer_widgets, demo_config, fetch_task, submit_task

T0, T1 = "00-valkommen", "01-larplattformen"
COURSE_ID = "ensak"
IN_TIME = dt.datetime(2027, 1, 20, 10, tzinfo=dt.timezone.utc)


def released_course(root: Path, task_ids: list[str], db_url: str | None = None) -> Path:
    """A course instance with `task_ids` generated into its gradebook and released to its exchange."""
    from ensak.instance import create_instance
    from ensak.release import generate_release
    from ensak.sync import release_tasks

    course_dir = create_instance(root)
    if db_url:
        # The instance's own config, not the environment: instances on SQLite and PostgreSQL can
        # then live side by side in one test session.
        with (course_dir / "nbgrader_config.py").open("a", encoding="utf-8") as handle:
            handle.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    generate_release(course_dir, task_ids)
    release_tasks(course_dir, task_ids, config=demo_config(course_dir))
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
