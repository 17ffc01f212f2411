"""When each task reaches the learners: the plan from course.toml, releasing what is due, and a calendar.

`release_due` is meant to run every day from cron: it releases each task whose date has come and
that the exchange does not hold yet, and does nothing else, however often it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from icalendar import Calendar, Event

from ensak.atomic_files import write_atomically
from ensak.course.lock import course_lock
from ensak.course.plan import Course, Task, load_course
from ensak.nbgrader.release import ReleaseResult, release_folder_problem, release_tasks

STATUS_RELEASED = "släppt"
STATUS_DUE = "ska släppas nu"
STATUS_WAITING = "väntar"
STATUS_MISSING = "saknar release/-mapp"


class ScheduleError(Exception):
    """The schedule cannot be carried out as asked. The message is Swedish and says what to do."""


@dataclass(frozen=True)
class PlannedTask:
    task: Task
    status: str
    problem: str = ""


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
    lines.append(f"{'Nr':>3}  {'Uppgift':<{width}}{'Släpps':<12}{'Tid':<9}Status")
    for row in rows:
        name = f"{row.task.id}  {row.task.title}"
        lines.append(f"{row.task.number:>3}  {name:<{width}}{row.task.release.isoformat():<12}"
                     f"{str(row.task.minutes) + ' min':<9}{row.status}")
    problems = [r.problem for r in rows if r.problem]
    extra = unknown_release_folders(course)
    if problems or extra:
        lines += ["", "Att åtgärda:"]
        lines += [f"  {p}" for p in problems]
        lines += [f"  release/{name} finns men står inte i course.toml. Lägg till uppgiften i planen "
                  "eller ta bort mappen." for name in extra]
    return "\n".join(lines)


def release_now(root: Path | str, task_ids: list[str], *, config=None, wait_s: float = 0,
                on_wait=None) -> ReleaseResult:
    """Release the named tasks now, whatever their date (the coordinator asked for them by name)."""
    with course_lock(root, "release", wait_s=wait_s, on_wait=on_wait):
        return release_tasks(root, task_ids, config=config)


def release_due(root: Path | str, today: dt.date | None = None, *, config=None, wait_s: float = 0,
                on_wait=None) -> ReleaseResult:
    """Release every task whose date has come and that is not released yet. Safe to run daily from cron
    (from there it should wait for a sync in progress: `wait_s`)."""
    today = today or dt.date.today()
    root = Path(root).resolve()
    course = load_course(root)
    with course_lock(root, "release", wait_s=wait_s, on_wait=on_wait):
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
    return write_atomically(path, calendar(course).to_ical())
