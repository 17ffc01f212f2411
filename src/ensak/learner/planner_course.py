"""A personal course planner: the learner picks a weekday and a time, and gets a session booked after
each task's release, as a table and as a calendar file (iCalendar) to import into Outlook or Google.

The release dates come from course.toml, looked up where the kernel can reach it: $ENSAK_COURSE_DIR,
the notebook's folder and its parents (source/ and autograded/ copies), then the repository ensak was
installed from (a hub whose learners share the course's environment). A notebook that finds no plan
still works, with an even pace from today and a note that the dates are approximate.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import ipywidgets as w
from icalendar import Alarm, Calendar, Event

from ensak.clock import course_today
from ensak.course.plan import (
    COURSE_FILE,
    DEFAULT_PACE_DAYS,
    DEFAULT_TASK_MINUTES,
    Course,
    CoursePlanError,
    load_course,
    repo_root,
)
from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.swedish import WEEKDAYS, swedish_date

PLAN_FILE = "min-kurstid.ics"
TIMES = [f"{h:02d}:{m:02d}" for h in range(7, 18) for m in (0, 30)]
WORKDAYS = WEEKDAYS[:5]  # course time is work time
GENERIC_TASKS = 12
REMINDER_MINUTES = 15


@dataclass(frozen=True)
class PlannedRelease:
    id: str
    number: int
    title: str
    release: dt.date
    minutes: int = DEFAULT_TASK_MINUTES


@dataclass(frozen=True)
class Session:
    task: PlannedRelease
    start: dt.datetime
    minutes: int

    @property
    def day(self) -> dt.date:
        return self.start.date()


def find_course_root(start: Path | str | None = None, *, installed_from: Path | None = None) -> Path | None:
    """The nearest course directory the kernel can see, or None."""
    candidates: list[Path] = []
    if os.environ.get("ENSAK_COURSE_DIR"):
        candidates.append(Path(os.environ["ENSAK_COURSE_DIR"]))
    here = Path(start) if start is not None else Path.cwd()
    candidates += [here, *here.resolve().parents]
    if installed_from is None:
        installed_from = repo_root()
    candidates.append(installed_from)
    return next((c for c in candidates if (c / COURSE_FILE).is_file()), None)


def course_releases(root: Path | str | Course) -> tuple[str, list[PlannedRelease]]:
    """The course title and every task with its release date, from course.toml in `root` (or a loaded Course)."""
    course = root if isinstance(root, Course) else load_course(root)
    return course.title, [PlannedRelease(t.id, t.number, t.title, t.release, t.minutes) for t in course.tasks]


def generic_releases(today: dt.date, count: int = GENERIC_TASKS, pace: int = DEFAULT_PACE_DAYS) -> list[PlannedRelease]:
    return [PlannedRelease(f"{n:02d}", n, f"Uppgift {n}", today + dt.timedelta(days=n * pace)) for n in range(count)]


def session_day(release: dt.date, weekday: int) -> dt.date:
    """The first chosen weekday on or after the release date."""
    return release + dt.timedelta(days=(weekday - release.weekday()) % 7)


def plan_sessions(releases: Sequence[PlannedRelease], weekday: int, start_time: dt.time) -> list[Session]:
    """One session per task on the chosen weekday after its release, as long as the task takes."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6, got {weekday}")
    return [Session(r, dt.datetime.combine(session_day(r.release, weekday), start_time), r.minutes)
            for r in releases]


def sessions_calendar(sessions: Sequence[Session], *, course_title: str = "En sak i taget",
                      stamp: dt.datetime | None = None) -> bytes:
    """One event per session, in local ("floating") time so every calendar shows the chosen clock time.

    UIDs follow the task, so importing a new plan updates the old events in calendars that honour UIDs.
    """
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    cal = Calendar()
    cal.add("prodid", "-//En sak i taget//Min kurstid//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Kurstid: {course_title}")
    for session in sessions:
        event = Event()
        event.add("uid", f"kurstid-{session.task.id}@ensak")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.start)
        event.add("dtend", session.start + dt.timedelta(minutes=session.minutes))
        event.add("summary", f"Kurstid: Uppgift {session.task.number} – {session.task.title}")
        event.add("description", (
            f"{course_title}: uppgift {session.task.number} släpps {swedish_date(session.task.release)}. "
            f"Den tar ungefär {session.minutes} minuter. Öppna kursens lärplattform, hämta uppgiften i panelen "
            "Uppgifter och gör den i lugn och ro."))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Kurstid om en kvart")
        alarm.add("trigger", dt.timedelta(minutes=-REMINDER_MINUTES))
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def sessions_table_html(sessions: Sequence[Session], today: dt.date) -> str:
    rows = []
    for s in sessions:
        when = f"{WEEKDAYS[s.day.weekday()]} {swedish_date(s.day)} kl. {s.start:%H:%M}"
        note = " (har redan varit – gör uppgiften när du kan)" if s.day < today else ""
        rows.append([str(s.task.number), escape(s.task.title), swedish_date(s.task.release),
                     f"{s.minutes} minuter", when + note])
    return render_table("Min kursplan", ["Uppgift", "Titel", "Släpps", "Tid", "Min kurstid"], rows)


class CoursePlanner(AnswerWidget):
    """Weekday, time and length in; a table of personal sessions and a calendar file out."""

    kind = "planner"

    def __init__(self, key: str, *, store: AnswerStore | None = None, today: dt.date | None = None,
                 course_dir: Path | str | None = None, filename: str = PLAN_FILE):
        self.today = today
        self.filename = filename
        self.sessions: list[Session] = []
        super().__init__(key, store=store)
        self.approximate = False
        root = Path(course_dir) if course_dir is not None else find_course_root(self.store.path.parent)
        try:
            if root is None:
                raise CoursePlanError("no course plan found")
            course = load_course(root)
            self.today = self.today or course_today(course)
            self.course_title, self.releases = course_releases(course)
        except CoursePlanError:
            self.today = self.today or course_today()
            self.course_title, self.releases = "En sak i taget", generic_releases(self.today)
            self.approximate = True
        style = {"description_width": "10em"}
        self.weekday = w.Dropdown(description="Veckodag", options=[(d, i) for i, d in enumerate(WORKDAYS)],
                                  value=1, style=style)
        self.time = w.Dropdown(description="Klockan", options=TIMES, value="09:00", style=style)
        self.make_button = w.Button(description="Planera min kurstid", button_style="primary", icon="calendar",
                                    layout=w.Layout(width="auto"))
        self.result = w.HTML()
        self.make_button.on_click(lambda _: self.make())
        note = ("<p>⚠ Kursplanen hittades inte, så datumen nedan är ungefärliga: en uppgift varannan vecka från "
                "i dag. Kursledarens inbjudningar gäller.</p>") if self.approximate else ""
        self.children = [
            w.HTML("<p><strong>Planera din kurstid.</strong> Välj den veckodag och tid som brukar passa dig. "
                   "Planeraren bokar en stund efter att varje uppgift har släppts, lika lång som uppgiften brukar ta, och "
                   f"gör en kalenderfil som du kan lägga in i din kalender.</p>{note}"),
            self.weekday, self.time, self.make_button, self.result, self.status,
        ]
        self._restore()

    @property
    def path(self) -> Path:
        return self.store.path.parent / self.filename

    def plan(self) -> list[Session]:
        hour, minute = map(int, self.time.value.split(":"))
        return plan_sessions(self.releases, self.weekday.value, dt.time(hour, minute))

    def make(self) -> list[Session]:
        """Plan the sessions, write the calendar file, show the table and save the choices."""
        sessions = self.plan()
        upcoming = [s for s in sessions if s.day >= self.today]
        try:
            self.path.write_bytes(sessions_calendar(upcoming, course_title=self.course_title))
        except OSError as exc:
            self.show_status(f"Kalenderfilen kunde inte skrivas ({exc.strerror or exc}).", problem=True)
            return []
        self.sessions = sessions
        self.result.value = self._result_html(len(upcoming))
        self.save({"weekday": self.weekday.value, "time": self.time.value,
                   "file": self.filename, "approximate": self.approximate,
                   "sessions": [{"task": s.task.id, "release": s.task.release.isoformat(),
                                 "start": s.start.isoformat(timespec="minutes")} for s in sessions]})
        return sessions

    def _result_html(self, events: int) -> str:
        done = (f"<p>✓ Klart! {events} kurstider ligger i kalenderfilen <code>{escape(self.filename)}</code> i samma "
                "mapp som uppgiften. Hitta den i filbläddraren till vänster, högerklicka och välj <em>Ladda ned</em>. "
                "Öppna sedan filen – i Outlook räcker det att dubbelklicka – så läggs tiderna in i din kalender. "
                "Varje kurstid har en påminnelse en kvart innan.</p>")
        return done + sessions_table_html(self.sessions, self.today)

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict):
            return
        if saved.get("weekday") in range(len(WORKDAYS)):
            self.weekday.value = saved["weekday"]
        if saved.get("time") in TIMES:
            self.time.value = saved["time"]
        # Re-plan from the current course plan: if the coordinator moved a date, the table shows the new one.
        self.sessions = self.plan()
        self.result.value = sessions_table_html(self.sessions, self.today)
        self.show_status("Dina tidigare val är återställda. Tryck på knappen igen om du vill ha en ny kalenderfil.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.weekday.value = rng.randrange(len(WORKDAYS))
        self.time.value = rng.choice(["08:30", "10:00", "13:00", "15:00"])
        self.make()
