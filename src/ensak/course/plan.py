"""The course plan in course.toml: tasks in order, their release dates, the pace, the nudge rules, the course's
time zone and the address learners log in at.

course.toml is written by a coordinator, often in Notepad or after a colleague's e-mail: whatever could be
wrong with it is said in Swedish with the line and an example of the right form, before anything runs.
It is read as UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 (what Notepad saved for
years); a misspelt key is never silently ignored.

Tasks are numbered from 0 as learners see them ("Uppgift 0" is the kickoff): `Task.number` is that
number everywhere, in the schedule, the calendar, the blog, e-mails and the report.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ensak.clock import DEFAULT_TIMEZONE

COURSE_FILE = "course.toml"
REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PACE_DAYS = 21
# Named paces a coordinator can choose with `pace = "..."` instead of counting days. The seed course
# planned a task every two to three weeks; in practice its staff took about a month per task.
PACE_PRESETS = {"tre-veckor": 21, "manad": 28}
# What a task takes when course.toml does not say: reading, the real action and the reflection.
DEFAULT_TASK_MINUTES = 60
DEFAULT_TASKS_BEHIND = 2
DEFAULT_DAYS_INACTIVE = 21
DATE_EXAMPLE = "2027-01-11"

# The keys ensak reads, per table. Other tables (for example [blog]) belong to other parts of ensak
# and are checked there; a table name close to one of these is taken for a typo.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "course": ("id", "title", "organisation", "start", "pace", "pace_days", "closes", "timezone", "url", "minutes"),
    "task": ("id", "title", "release", "minutes"),
    "nudge": ("tasks_behind_median", "days_inactive"),
    "mail": ("from", "from_name", "reply_to"),
}
KNOWN_TABLES = (*KNOWN_KEYS, "blog")
# Keys that used to be somewhere else: say where they went instead of "unknown key".
MOVED_KEYS = {("mail", "hub_url"): 'url under [course], till exempel url = "https://jupyter.bibliotek.se"'}


class CoursePlanError(ValueError):
    """course.toml is missing or says something that cannot be a course plan (the message is Swedish:
    coordinators read it)."""


def repo_root() -> Path:
    """The repository this package was installed from (the course's home)."""
    return REPO_ROOT


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    number: int  # as learners see it: 0 for the kickoff
    release: dt.date
    minutes: int = DEFAULT_TASK_MINUTES

    @property
    def notebook(self) -> str:
        """Each task folder holds one notebook named after the task."""
        return f"{self.id}.ipynb"

    @property
    def label(self) -> str:
        """"Uppgift 3 (03-sociala-natverk)": how messages for the coordinator name a task."""
        return f"Uppgift {self.number} ({self.id})"


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
    timezone: str = DEFAULT_TIMEZONE
    url: str = ""  # where learners log in (the hub), for invitations and reminders

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
        """Tasks whose planned release date has come."""
        return [t for t in self.tasks if t.release <= today]


# --- reading the file ----------------------------------------------------------------------------


def decode_course_text(data: bytes) -> str:
    """The text of course.toml as any editor may have saved it (UTF-8 with or without BOM, UTF-16 with
    a BOM, Windows-1252)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Notepad before 2019 and many Swedish Windows programs save "ANSI", i.e. Windows-1252.
        return data.decode("cp1252")


class KeyLines:
    """Where each table and key stands in course.toml, so that messages can name the line.

    A small line scanner, not a TOML parser: it only needs to find `[table]`, `[[table]]` and `key =`
    at the start of lines, which is how course.toml is written.
    """

    _ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str = ""):
        self.lines: dict[tuple[str, int | None, str], int] = {}
        self.source = text.splitlines()
        table, index = "", None
        counts: dict[str, int] = {}
        for number, line in enumerate(self.source, start=1):
            if match := self._ARRAY.match(line):
                table = match.group(1)
                index = counts.get(table, 0)
                counts[table] = index + 1
                self.lines.setdefault((table, index, ""), number)
            elif match := self._TABLE.match(line):
                table, index = match.group(1), None
                self.lines.setdefault((table, None, ""), number)
            elif match := self._KEY.match(line):
                self.lines.setdefault((table, index, match.group(1).strip('"')), number)

    def line(self, table: str, key: str = "", index: int | None = None) -> int | None:
        return self.lines.get((table, index, key))

    def at(self, table: str, key: str = "", index: int | None = None) -> str:
        """' på rad 12' where the key stands, or '' when it is not in the file (a default)."""
        number = self.line(table, key, index)
        return f" på rad {number}" if number else ""


def _parse_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> CoursePlanError:
    """The TOML parser's English message as Swedish guidance: the line, what is wrong, an example."""
    match = re.search(r"at line (\d+), column (\d+)", str(exc))
    number = int(match.group(1)) if match else None
    lines = text.splitlines()
    line = lines[number - 1].strip() if number and number <= len(lines) else ""
    key, _, value = (part.strip() for part in line.partition("="))
    value = value.split("#")[0].strip()
    where = f"{path.name} går inte att läsa: rad {number}" if number else f"{path.name} går inte att läsa"
    shown = f" ({line})" if line else ""
    if value and re.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", value):
        hint = (f"Datum skrivs ÅÅÅÅ-MM-DD med två siffror för månad och dag, till exempel "
                f"{key or 'start'} = {DATE_EXAMPLE}.")
    elif value and re.match(r"^[^\d\"'\[{+-]", value) and value not in ("true", "false"):
        hint = f"Text skrivs inom citattecken, till exempel {key or 'title'} = \"{value}\"."
    elif "overwrite" in str(exc) or "Cannot declare" in str(exc):
        hint = "Samma nyckel eller tabell står två gånger: ta bort den ena."
    else:
        hint = "Kontrollera raden: nyckel = värde, text inom citattecken, tabellnamn inom [ ]."
    return CoursePlanError(f"{where}{shown}. {hint} Rätta raden och försök igen.")


def read_course_file(root: Path | str = ".") -> tuple[dict, KeyLines]:
    """course.toml in `root`, parsed, and where each key stands. Errors are CoursePlanError, in Swedish."""
    root = Path(root)
    path = root / COURSE_FILE
    if not path.is_file():
        raise CoursePlanError(f"Det finns ingen {COURSE_FILE} i {root.resolve()}: kör ensak i kursmappen "
                              "eller ange den med -C.")
    text = decode_course_text(path.read_bytes())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _parse_error(path, text, exc) from None
    return data, KeyLines(text)


# --- checking what it says -----------------------------------------------------------------------


def _suggestion(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else ""


def _check_keys(data: dict, lines: KeyLines) -> None:
    """Refuse keys ensak does not know in its own tables, with the line and the likely meant one."""
    for name in data:
        if name not in KNOWN_TABLES and (guess := _suggestion(name, KNOWN_TABLES)):
            raise CoursePlanError(f"{COURSE_FILE}: okänd tabell [{name}]{lines.at(name)} – menade du [{guess}]? "
                                  "Rätta stavningen och försök igen.")
    for table, known in KNOWN_KEYS.items():
        content = data.get(table)
        if content is None:
            continue
        blocks = list(enumerate(content)) if isinstance(content, list) else [(None, content)]
        for index, block in blocks:
            if not isinstance(block, dict):
                continue
            for key in block:
                if key in known:
                    continue
                where = lines.at(table, key, index)
                heading = f"[[{table}]]" if index is not None else f"[{table}]"
                if (table, key) in MOVED_KEYS:
                    raise CoursePlanError(f"{COURSE_FILE}: {key} under {heading}{where} har flyttat: skriv den som "
                                          f"{MOVED_KEYS[table, key]}.")
                guess = _suggestion(key, known)
                advice = (f"menade du '{guess}'?" if guess else
                          f"under {heading} går det att skriva: {', '.join(known)}.")
                task = ""
                if index is not None and table == "task":
                    task = f" (uppgift {index}" + (f", '{block['id']}'" if "id" in block else "") + ")"
                raise CoursePlanError(f"{COURSE_FILE}: okänd nyckel '{key}'{where}{task} – {advice} "
                                      "Rätta raden och försök igen.")


def _as_date(value: object, what: str, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CoursePlanError(f"{what}{where} ska vara ett datum skrivet ÅÅÅÅ-MM-DD utan citattecken, till exempel "
                          f"{DATE_EXAMPLE}; nu står det {value!r}.")


def _whole_number(value: object, what: str, where: str, example: int, minimum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    raise CoursePlanError(f"{what}{where} ska vara ett helt tal, minst {minimum}, utan citattecken, till exempel "
                          f"{what.split()[-1]} = {example}; nu står det {value!r}.")


def _minutes(value: object, what: str, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 5 <= value <= 480:
        return value
    raise CoursePlanError(f"{what}{where} ska vara hur många minuter uppgiften tar, ett heltal mellan 5 och 480, "
                          f"till exempel minutes = 60; nu står det {value!r}.")


def _timezone(value: object, where: str) -> str:
    name = str(value)
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        guess = _suggestion(name, sorted(available_timezones()))
        hint = f" Menade du '{guess}'?" if guess else ""
        raise CoursePlanError(f"[course] timezone{where}: {name!r} är ingen tidszon som går att använda.{hint} "
                              f"I Sverige: timezone = \"{DEFAULT_TIMEZONE}\".") from None


def _text(value: object, what: str, where: str) -> str:
    if isinstance(value, str):
        return value
    raise CoursePlanError(f"{what}{where} ska vara text inom citattecken; nu står det {value!r}.")


def parse_course(data: dict, root: Path = Path("."), lines: KeyLines | None = None) -> Course:
    """Build a Course from the parsed TOML, checking what a coordinator could get wrong."""
    lines = lines or KeyLines()
    meta = data.get("course")
    if not isinstance(meta, dict):
        raise CoursePlanError(f"{COURSE_FILE} behöver en [course]-del med id, title och start.")
    _check_keys(data, lines)
    for key in ("id", "title", "start"):
        if key not in meta:
            raise CoursePlanError(f"[course] i {COURSE_FILE} saknar '{key}'. Lägg till raden och försök igen.")
    course_id = str(meta["id"])
    if not course_id or any(ch in course_id for ch in "/+* "):
        raise CoursePlanError(f"[course] id{lines.at('course', 'id')} {course_id!r} får inte vara tomt eller "
                              "innehålla '/', '+', '*' eller mellanslag.")
    start = _as_date(meta["start"], "[course] start", lines.at("course", "start"))
    if "pace" in meta and "pace_days" in meta:
        raise CoursePlanError(f"[course] har både pace{lines.at('course', 'pace')} och pace_days"
                              f"{lines.at('course', 'pace_days')}. Välj en av dem: pace = \"manad\" eller "
                              "pace_days = 21.")
    if "pace" in meta:
        if meta["pace"] not in PACE_PRESETS:
            names = " eller ".join(f'"{name}"' for name in PACE_PRESETS)
            raise CoursePlanError(f"[course] pace = {meta['pace']!r}{lines.at('course', 'pace')} känns inte igen. "
                                  f"Skriv pace = {names}, eller ange antalet dagar med pace_days = 21.")
        pace = PACE_PRESETS[meta["pace"]]
    else:
        pace = _whole_number(meta.get("pace_days", DEFAULT_PACE_DAYS), "[course] pace_days",
                             lines.at("course", "pace_days"), DEFAULT_PACE_DAYS, 1)
    timezone = _timezone(meta.get("timezone", DEFAULT_TIMEZONE), lines.at("course", "timezone"))
    url = _text(meta.get("url", ""), "[course] url", lines.at("course", "url")).strip()

    # [course] minutes is what a task takes unless its own [[task]] says otherwise.
    default_minutes = _minutes(meta.get("minutes", DEFAULT_TASK_MINUTES), "[course] minutes",
                               lines.at("course", "minutes"))

    raw_tasks = data.get("task", [])
    if not raw_tasks:
        raise CoursePlanError(f"{COURSE_FILE} har inga uppgifter: lägg till minst en [[task]] med id och title.")
    tasks: list[Task] = []
    seen: set[str] = set()
    previous: dt.date | None = None
    for number, raw in enumerate(raw_tasks):
        heading = lines.line("task", "", number)
        where = f"Uppgift {number}" + (f" ('{raw['id']}')" if "id" in raw else "") + \
            (f" på rad {heading}" if heading else "") + f" i {COURSE_FILE}"
        if "id" not in raw or "title" not in raw:
            raise CoursePlanError(f"{where} behöver både id och title.")
        task_id = str(raw["id"])
        if task_id in seen:
            raise CoursePlanError(f"{where}: id '{task_id}' används två gånger; varje uppgift behöver ett eget id.")
        if any(ch in task_id for ch in "/+* ") or not task_id:
            raise CoursePlanError(f"{where}: id {task_id!r} får inte innehålla '/', '+', '*' eller mellanslag.")
        seen.add(task_id)
        if "release" in raw:
            release = _as_date(raw["release"], f"{where}: release", lines.at("task", "release", number))
        elif previous is None:
            release = start
        else:
            release = previous + dt.timedelta(days=pace)
        if previous is not None and release < previous:
            raise CoursePlanError(
                f"{where}: release {release} kommer före den förra uppgiftens {previous}; "
                "uppgifterna släpps i tur och ordning."
            )
        minutes = _minutes(raw.get("minutes", default_minutes), f"{where}: minutes",
                           lines.at("task", "minutes", number))
        tasks.append(Task(id=task_id, title=str(raw["title"]), number=number, release=release, minutes=minutes))
        previous = release

    closes = (_as_date(meta["closes"], "[course] closes", lines.at("course", "closes")) if "closes" in meta
              else previous + dt.timedelta(days=pace))
    if closes < previous:
        raise CoursePlanError(f"[course] closes {closes} kommer före den sista uppgiftens release {previous}.")

    nudge_raw = data.get("nudge", {})
    nudge = NudgeRules(
        tasks_behind_median=_whole_number(nudge_raw.get("tasks_behind_median", DEFAULT_TASKS_BEHIND),
                                          "[nudge] tasks_behind_median", lines.at("nudge", "tasks_behind_median"),
                                          DEFAULT_TASKS_BEHIND, 1),
        days_inactive=_whole_number(nudge_raw.get("days_inactive", DEFAULT_DAYS_INACTIVE), "[nudge] days_inactive",
                                    lines.at("nudge", "days_inactive"), DEFAULT_DAYS_INACTIVE, 1),
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
        timezone=timezone,
        url=url,
    )


def load_course(root: Path | str = ".") -> Course:
    """Read course.toml from a course directory."""
    root = Path(root)
    data, lines = read_course_file(root)
    return parse_course(data, root=root.resolve(), lines=lines)
