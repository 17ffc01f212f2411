"""Generate the learner versions in release/ from the teacher versions in source/, and release them to the
exchange, with nbgrader; a new gradebook learns each task as it is released."""

from __future__ import annotations

import datetime as dt
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from ensak.course.plan import Course, CoursePlanError, Task, load_course
from ensak.nbgrader.api import (
    NbgraderStepError,
    load_config,
    make_api,
    require_success,
)


class UnknownTaskError(ValueError):
    """A task id that course.toml does not have. The message is Swedish and lists the ids it has."""


@dataclass
class ReleaseResult:
    released: list[str] = field(default_factory=list)
    already_released: list[str] = field(default_factory=list)
    not_yet: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def released_or_raise(self) -> list[str]:
        """The tasks released now; for callers (the demo, the hub, tests) for whom any problem is fatal."""
        if self.problems:
            raise NbgraderStepError("\n".join(self.problems))
        return self.released




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
    with chdir(course_dir):
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


def release_folder_problem(root: Path, task: Task) -> str:
    """Why the learner version of `task` cannot be released, or "" if it can."""
    folder = root / "release" / task.id
    if not folder.is_dir():
        hint = "Kör ensak generate först." if (root / "source" / task.id).is_dir() else \
            f"Skriv uppgiften i source/{task.id} och kör ensak generate."
        return f"Mappen release/{task.id} finns inte. {hint}"
    if not (folder / task.notebook).exists():
        return f"release/{task.id} saknar anteckningsboken {task.notebook}. Kör ensak generate igen."
    return ""


def released_tasks(root: Path | str) -> set[str]:
    """The tasks the exchange holds for learners to fetch (nbgrader's own record of what is released)."""
    root = Path(root).resolve()
    with chdir(root):
        return set(make_api(root).get_released_assignments())


def _known_task(course: Course, task_id: str) -> Task:
    try:
        return course.task(task_id)
    except CoursePlanError:
        raise UnknownTaskError(f"Det finns ingen uppgift {task_id!r} i course.toml. "
                               f"Uppgifterna är: {', '.join(course.task_ids)}.") from None


def release_tasks(root: Path | str, task_ids: list[str], *, config=None) -> ReleaseResult:
    """Release the named tasks that the exchange does not hold yet; a failing task never stops the rest."""
    root = Path(root).resolve()
    course = load_course(root)
    tasks = [_known_task(course, task_id) for task_id in task_ids]
    result = ReleaseResult()
    with chdir(root):
        api = make_api(root, config)
        released = set(api.get_released_assignments())
        for task in tasks:
            if task.id in released:
                result.already_released.append(task.id)
                continue
            problem = release_folder_problem(root, task)
            if problem:
                result.problems.append(problem)
                continue
            try:
                ensure_in_gradebook(api, course, task.id)
            except NbgraderStepError as exc:
                result.problems.append(f"{task.id} kunde inte läggas in i rättningsboken: {str(exc).splitlines()[-1]}")
                continue
            outcome = api.release_assignment(task.id)
            if outcome.get("success"):
                result.released.append(task.id)
            else:
                detail = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
                result.problems.append(f"{task.id} kunde inte släppas: {detail[-1] if detail else 'okänt fel'}")
    return result
