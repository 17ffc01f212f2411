"""Generate the learner versions in release/ from the teacher versions in source/, with nbgrader."""

from __future__ import annotations

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
