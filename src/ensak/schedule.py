"""When each task reaches the learners: the plan from course.toml, releasing what is due, and a calendar.

`release_due` is meant to run every day from cron: it releases each task whose date has come and
that the exchange does not hold yet, and does nothing else, however often it runs.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ensak.course import Course, CoursePlanError, Task, load_course

STATUS_RELEASED = "släppt"
STATUS_DUE = "ska släppas nu"
STATUS_WAITING = "väntar"
STATUS_MISSING = "saknar release/-mapp"


class ScheduleError(Exception):
    """The schedule cannot be carried out as asked. The message is Swedish and says what to do."""


class BusyError(ScheduleError):
    """Another ensak run holds the course lock (for example yesterday's cron job, still running)."""


@dataclass(frozen=True)
class PlannedTask:
    task: Task
    status: str
    problem: str = ""


@dataclass
class ReleaseResult:
    released: list[str] = field(default_factory=list)
    already_released: list[str] = field(default_factory=list)
    not_yet: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@contextmanager
def course_lock(root: Path | str, purpose: str = "release") -> Iterator[None]:
    """Hold an exclusive lock for `purpose` in this course, so two cron runs never overlap.

    The lock lives in the temporary folder, not in the course directory, so it never shows up
    in git; the kernel releases it when the process ends, even if it is killed.
    """
    key = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"ensak-{purpose}-{key}.lock"
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"En annan körning av ensak ({purpose}) pågår redan för den här kursen. "
                            "Vänta tills den är klar och försök igen.") from None
        yield
    finally:
        handle.close()


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
    from ensak.nbgrader_api import in_directory, make_api

    root = Path(root).resolve()
    with in_directory(root):
        return set(make_api(root).get_released_assignments())


def plan(course: Course, released: set[str], today: dt.date) -> list[PlannedTask]:
    """Every task with its status on `today`."""
    rows = []
    for task in course.tasks:
        problem = release_folder_problem(course.root, task) if task.id not in released else ""
        if task.id in released:
            status = STATUS_RELEASED
        elif problem:
            status = STATUS_MISSING
        elif task.release <= today:
            status = STATUS_DUE
        else:
            status = STATUS_WAITING
        rows.append(PlannedTask(task, status, problem))
    return rows


def unknown_release_folders(course: Course) -> list[str]:
    """Folders in release/ that course.toml does not list (a renamed task, or a typo in the plan)."""
    folder = course.root / "release"
    if not folder.is_dir():
        return []
    known = set(course.task_ids)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in known)


def format_plan(course: Course, rows: list[PlannedTask], today: dt.date) -> str:
    """The plan as the coordinator reads it in the terminal (Swedish)."""
    lines = [f"{course.title}: start {course.start}, en ny uppgift var {course.pace_days}:e dag, "
             f"kursen stänger {course.closes}. I dag: {today}.", ""]
    width = max(len(r.task.id) + len(r.task.title) for r in rows) + 3
    lines.append(f"{'Nr':>3}  {'Uppgift':<{width}}{'Släpps':<12}Status")
    for row in rows:
        name = f"{row.task.id}  {row.task.title}"
        lines.append(f"{row.task.number:>3}  {name:<{width}}{row.task.release.isoformat():<12}{row.status}")
    problems = [r.problem for r in rows if r.problem]
    extra = unknown_release_folders(course)
    if problems or extra:
        lines += ["", "Att åtgärda:"]
        lines += [f"  {p}" for p in problems]
        lines += [f"  release/{name} finns men står inte i course.toml. Lägg till uppgiften i planen "
                  "eller ta bort mappen." for name in extra]
    return "\n".join(lines)


def _known_task(course: Course, task_id: str) -> Task:
    try:
        return course.task(task_id)
    except CoursePlanError:
        raise ScheduleError(f"Det finns ingen uppgift {task_id!r} i course.toml. "
                            f"Uppgifterna är: {', '.join(course.task_ids)}.") from None


def release_tasks(root: Path | str, task_ids: list[str], *, config=None) -> ReleaseResult:
    """Release the named tasks that the exchange does not hold yet; a failing task never stops the rest."""
    from ensak.nbgrader_api import NbgraderStepError, in_directory, make_api
    from ensak.release import ensure_in_gradebook

    root = Path(root).resolve()
    course = load_course(root)
    tasks = [_known_task(course, task_id) for task_id in task_ids]
    result = ReleaseResult()
    with in_directory(root):
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


def release_due(root: Path | str, today: dt.date | None = None, *, config=None) -> ReleaseResult:
    """Release every task whose date has come and that is not released yet. Safe to run daily from cron."""
    today = today or dt.date.today()
    root = Path(root).resolve()
    course = load_course(root)
    with course_lock(root, "release"):
        due = [t.id for t in course.due_tasks(today)]
        result = release_tasks(root, due, config=config)
    result.not_yet = [t.id for t in course.tasks if t.release > today]
    return result


def format_release(result: ReleaseResult) -> str:
    lines = []
    if result.released:
        lines.append("Släppta nu: " + ", ".join(result.released))
    if result.already_released:
        lines.append("Redan släppta: " + ", ".join(result.already_released))
    if not result.released and not result.problems:
        lines.append("Inget nytt att släppa i dag.")
    if result.not_yet:
        lines.append("Släpps senare: " + ", ".join(result.not_yet))
    lines += [f"Problem: {p}" for p in result.problems]
    return "\n".join(lines)


def calendar(course: Course):
    """An iCalendar (icalendar.Calendar) with a whole-day event for each release and one for the closing day."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//ensak//En sak i taget//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", course.title)
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def event(uid: str, day: dt.date, summary: str, description: str) -> Event:
        item = Event()
        # Stable UIDs: importing a changed plan again moves the events instead of duplicating them.
        item.add("uid", f"{course.id}-{uid}@ensak")
        item.add("dtstamp", stamp)
        item.add("dtstart", day)
        item.add("dtend", day + dt.timedelta(days=1))
        item.add("summary", summary)
        item.add("description", description)
        item.add("transp", "TRANSPARENT")
        return item

    for task in course.tasks:
        cal.add_component(event(f"release-{task.id}", task.release, f"Ny uppgift: {task.title}",
                                f"Uppgift {task.number} ({task.id}) i {course.title} släpps i dag."))
    cal.add_component(event("closes", course.closes, f"{course.title} stänger",
                            f"Sista dagen att lämna in uppgifter i {course.title}."))
    return cal


def write_ics(course: Course, path: Path | str) -> Path:
    """Write the release dates and the closing date as an .ics file that calendars can import."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(calendar(course).to_ical())
    os.replace(tmp, path)
    return path
