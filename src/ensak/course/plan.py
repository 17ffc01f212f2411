"""The course plan in course.toml: tasks in order, their release dates, the pace and the nudge rules."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

COURSE_FILE = "course.toml"
DEFAULT_PACE_DAYS = 21
# Named paces a coordinator can choose with `pace = "..."` instead of counting days. The seed course
# planned a task every two to three weeks; in practice its staff took about a month per task.
PACE_PRESETS = {"tre-veckor": 21, "manad": 28}
# What a task takes when course.toml does not say: reading, the real action and the reflection.
DEFAULT_TASK_MINUTES = 60
DEFAULT_TASKS_BEHIND = 2
DEFAULT_DAYS_INACTIVE = 21


class CoursePlanError(ValueError):
    """course.toml is missing or says something that cannot be a course plan (the message is Swedish:
    coordinators read it)."""


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    number: int
    release: dt.date
    minutes: int = DEFAULT_TASK_MINUTES

    @property
    def notebook(self) -> str:
        """Each task folder holds one notebook named after the task."""
        return f"{self.id}.ipynb"


@dataclass(frozen=True)
class NudgeRules:
    tasks_behind_median: int = DEFAULT_TASKS_BEHIND
    days_inactive: int = DEFAULT_DAYS_INACTIVE


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    organisation: str
    start: dt.date
    pace_days: int
    closes: dt.date
    tasks: tuple[Task, ...]
    nudge: NudgeRules = field(default_factory=NudgeRules)
    root: Path = Path(".")

    @property
    def task_ids(self) -> list[str]:
        return [t.id for t in self.tasks]

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        known = ", ".join(self.task_ids)
        raise CoursePlanError(f"Det finns ingen uppgift '{task_id}' i {COURSE_FILE}. Uppgifterna är: {known}.")

    def due_tasks(self, today: dt.date) -> list[Task]:
        """Tasks whose release date has come."""
        return [t for t in self.tasks if t.release <= today]


def _as_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CoursePlanError(f"{where} ska vara ett datum skrivet ÅÅÅÅ-MM-DD, till exempel 2027-01-11; nu står det {value!r}.")


def parse_course(data: dict, root: Path = Path(".")) -> Course:
    """Build a Course from the parsed TOML, checking what a coordinator could get wrong."""
    meta = data.get("course")
    if not isinstance(meta, dict):
        raise CoursePlanError(f"{COURSE_FILE} behöver en [course]-del med id, title och start.")
    for key in ("id", "title", "start"):
        if key not in meta:
            raise CoursePlanError(f"[course] i {COURSE_FILE} saknar '{key}'. Lägg till raden och försök igen.")
    course_id = str(meta["id"])
    if not course_id or any(ch in course_id for ch in "/+* "):
        raise CoursePlanError(f"[course] id {course_id!r} får inte vara tomt eller innehålla '/', '+', '*' eller mellanslag.")
    start = _as_date(meta["start"], "[course] start")
    if "pace" in meta and "pace_days" in meta:
        raise CoursePlanError("[course] har både pace och pace_days. Välj en av dem: pace = \"manad\" eller "
                              "pace_days = 21.")
    if "pace" in meta:
        if meta["pace"] not in PACE_PRESETS:
            names = " eller ".join(f'"{name}"' for name in PACE_PRESETS)
            raise CoursePlanError(f"[course] pace = {meta['pace']!r} känns inte igen. Skriv pace = {names}, "
                                  "eller ange antalet dagar med pace_days = 21.")
        pace = PACE_PRESETS[meta["pace"]]
    else:
        pace = meta.get("pace_days", DEFAULT_PACE_DAYS)
    if not isinstance(pace, int) or isinstance(pace, bool) or pace < 1:
        raise CoursePlanError(f"[course] pace_days ska vara ett helt antal dagar, minst 1; nu står det {pace!r}.")

    raw_tasks = data.get("task", [])
    if not raw_tasks:
        raise CoursePlanError(f"{COURSE_FILE} har inga uppgifter: lägg till minst en [[task]] med id och title.")
    tasks: list[Task] = []
    seen: set[str] = set()
    previous: dt.date | None = None
    for number, raw in enumerate(raw_tasks):
        where = f"Uppgift nummer {number + 1} i {COURSE_FILE}"
        if "id" not in raw or "title" not in raw:
            raise CoursePlanError(f"{where} behöver både id och title.")
        task_id = str(raw["id"])
        if task_id in seen:
            raise CoursePlanError(f"{where}: id '{task_id}' används två gånger; varje uppgift behöver ett eget id.")
        if any(ch in task_id for ch in "/+* ") or not task_id:
            raise CoursePlanError(f"{where}: id {task_id!r} får inte innehålla '/', '+', '*' eller mellanslag.")
        seen.add(task_id)
        if "release" in raw:
            release = _as_date(raw["release"], f"{where}: release")
        elif previous is None:
            release = start
        else:
            release = previous + dt.timedelta(days=pace)
        if previous is not None and release < previous:
            raise CoursePlanError(
                f"{where}: release {release} kommer före den förra uppgiftens {previous}; "
                "uppgifterna släpps i tur och ordning."
            )
        minutes = raw.get("minutes", DEFAULT_TASK_MINUTES)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 480:
            raise CoursePlanError(f"{where}: minutes ska vara hur många minuter uppgiften tar, ett heltal mellan 5 "
                                  f"och 480, till exempel minutes = 60; nu står det {minutes!r}.")
        tasks.append(Task(id=task_id, title=str(raw["title"]), number=number, release=release, minutes=minutes))
        previous = release

    closes = _as_date(meta["closes"], "[course] closes") if "closes" in meta else previous + dt.timedelta(days=pace)
    if closes < previous:
        raise CoursePlanError(f"[course] closes {closes} kommer före den sista uppgiftens release {previous}.")

    nudge_raw = data.get("nudge", {})
    nudge = NudgeRules(
        tasks_behind_median=int(nudge_raw.get("tasks_behind_median", DEFAULT_TASKS_BEHIND)),
        days_inactive=int(nudge_raw.get("days_inactive", DEFAULT_DAYS_INACTIVE)),
    )
    return Course(
        id=course_id,
        title=str(meta["title"]),
        organisation=str(meta.get("organisation", "")),
        start=start,
        pace_days=pace,
        closes=closes,
        tasks=tuple(tasks),
        nudge=nudge,
        root=root,
    )


def load_course(root: Path | str = ".") -> Course:
    """Read course.toml from a course directory."""
    root = Path(root)
    path = root / COURSE_FILE
    if not path.exists():
        raise CoursePlanError(f"Det finns ingen {COURSE_FILE} i {root.resolve()}: kör ensak i kursmappen eller ange den med -C.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CoursePlanError(f"{path} går inte att läsa ({exc}). Rätta raden som nämns och försök igen.") from exc
    return parse_course(data, root=root.resolve())
