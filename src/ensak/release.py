"""Generate the learner versions in release/ from the teacher versions in source/, with nbgrader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ensak.course import load_course
from ensak.nbgrader_api import in_directory, load_config, make_api, require_success


def generate_release(course_dir: Path | str, task_ids: list[str] | None = None, db_url: str | None = None) -> list[str]:
    """Run nbgrader generate_assignment for each task (all in course.toml by default); return the ids done.

    `db_url` lets tests and checks generate into a throw-away gradebook instead of the course's own.
    """
    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    wanted = task_ids or course.task_ids
    for task_id in wanted:
        course.task(task_id)  # a clear error for an id that is not in course.toml
        if not (course_dir / "source" / task_id).is_dir():
            raise FileNotFoundError(f"source/{task_id} does not exist: write the task there before generating it.")
    overrides = {"CourseDirectory": {"db_url": db_url}} if db_url else {}
    config = load_config(course_dir, **overrides)
    with in_directory(course_dir):
        api = make_api(course_dir, config)
        for task_id in wanted:
            require_success(api.generate_assignment(task_id, force=True, create=True), f"generate_assignment {task_id}")
    return list(wanted)


def ensure_in_gradebook(api, course, task_id: str) -> None:
    """Make sure the gradebook knows a task's notebooks and cells, with the course's closing day as due date.

    nbgrader records a task's cells when it generates the assignment, and autograde refuses a task the
    gradebook does not know. A course directory with a new gradebook (a fresh clone, a new cohort)
    therefore generates the task here (when its source is at hand), which rewrites release/<task> byte for
    byte the same. "Late"
    means after the course closed: submissions are never refused, only marked.
    """
    from nbgrader.api import MissingEntry

    gradebook = api.gradebook
    try:
        try:
            known = bool(gradebook.find_assignment(task_id).notebooks)
        except MissingEntry:
            known = False
        if not known and (Path(api.coursedir.root) / "source" / task_id).is_dir():
            require_success(api.generate_assignment(task_id, force=True, create=True), f"generate_assignment {task_id}")
        gradebook.update_or_create_assignment(task_id, duedate=dt.datetime.combine(course.closes, dt.time(23, 59)))
    finally:
        gradebook.close()
