"""A blog rota planner: one staff member a week, shown as a table and written as an iCalendar file."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import ipywidgets as w
from icalendar import Calendar, Event
from traitlets import TraitError

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.swedish import WEEKDAYS as SWEDISH_WEEKDAYS
from ensak.swedish import swedish_date

ROTA_FILE = "bloggrota.ics"
WEEKDAYS = SWEDISH_WEEKDAYS[:5]  # a rota publishes on working days
MAX_WEEKS = 104
DEFAULT_WEEKS = 12
# Names the demo cohort puts in its rotas (first names only, as the task asks of real learners).
SAMPLE_NAMES = ("Anna", "Bertil", "Cecilia", "David", "Elin", "Fatima", "Göran", "Hanna", "Ismail", "Johanna")


class RotaError(ValueError):
    """What the learner typed cannot make a rota; the message is Swedish and says what to change."""


@dataclass(frozen=True)
class RotaWeek:
    """One week of the rota: the ISO week, its Monday and who is responsible."""

    year: int
    week: int
    monday: dt.date
    person: str

    @property
    def label(self) -> str:
        return f"vecka {self.week} {self.year}"

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    def day(self, weekday: int) -> dt.date:
        return self.monday + dt.timedelta(days=weekday)

    def as_dict(self) -> dict:
        return {"year": self.year, "week": self.week, "monday": self.monday.isoformat(), "person": self.person}


def parse_people(text: str) -> list[str]:
    """Names from a text box, one per line (commas also separate); blanks and repeats are dropped."""
    seen: set[str] = set()
    people = []
    for part in re.split(r"[\n,;]+", text or ""):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            people.append(name)
    return people


def parse_weeks(text: str) -> set[int]:
    """Week numbers such as "27-32, 52" as a set; raises RotaError naming the part it cannot read."""
    weeks: set[int] = set()
    for part in re.split(r"[,;\s]+", (text or "").strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})(?:[-–](\d{1,2}))?", part)
        if not match:
            raise RotaError(f"Jag förstår inte veckorna ”{part}”. Skriv veckonummer som 27-32, 52.")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not (1 <= first <= 53 and 1 <= last <= 53) or last < first:
            raise RotaError(f"”{part}” är inga veckor: veckonummer går från 1 till 53, det lägsta först.")
        weeks.update(range(first, last + 1))
    return weeks


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def plan_rota(people: Sequence[str], start: dt.date, weeks: int, skip: Iterable[int] = ()) -> list[RotaWeek]:
    """`weeks` blog weeks from the week of `start`, taking turns in the order given.

    Weeks whose ISO number is in `skip` (holidays, summer) get no one and do not count.
    """
    if not people:
        raise RotaError("Skriv minst ett namn, ett per rad.")
    if not 1 <= weeks <= MAX_WEEKS:
        raise RotaError(f"Antalet veckor ska vara mellan 1 och {MAX_WEEKS}.")
    skip = set(skip)
    if skip >= set(range(1, 54)):
        raise RotaError("Alla veckor är undantagna, så det blir inget schema. Ta bort några veckor ur listan.")
    rota: list[RotaWeek] = []
    monday = monday_of(start)
    while len(rota) < weeks:
        year, week, _ = monday.isocalendar()
        if week not in skip:
            rota.append(RotaWeek(year, week, monday, people[len(rota) % len(people)]))
        monday += dt.timedelta(weeks=1)
    return rota


def rota_calendar(rota: Sequence[RotaWeek], *, publish_weekday: int | None = None, blog: str = "bibliotekets blogg",
                  stamp: dt.datetime | None = None) -> bytes:
    """The rota as an iCalendar file (RFC 5545) with one all-day event per blog week.

    Without a publishing day the event covers the whole week; with one it sits on that day.
    Each event's UID is derived from its week, so importing a new version updates the old events
    in calendars that honour UIDs instead of adding duplicates.
    """
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    cal = Calendar()
    cal.add("prodid", "-//En sak i taget//Bloggrota//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Bloggschema")
    for item in rota:
        event = Event()
        event.add("uid", f"bloggrota-{item.year}-v{item.week:02d}@ensak")
        event.add("dtstamp", stamp)
        if publish_weekday is None:
            event.add("summary", f"Bloggvecka: {item.person}")
            event.add("dtstart", item.monday)
            event.add("dtend", item.monday + dt.timedelta(days=7))
        else:
            event.add("summary", f"Blogginlägg publiceras: {item.person}")
            event.add("dtstart", item.day(publish_weekday))
            event.add("dtend", item.day(publish_weekday) + dt.timedelta(days=1))
        event.add("description", (
            f"{item.person} ansvarar för {blog} {item.label}: skriv ett inlägg själv eller be en kollega "
            "skriva. Passar veckan inte, byt med någon och uppdatera schemat."))
        # An all-day reminder should not make anyone look busy in the calendar.
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def write_rota_calendar(rota: Sequence[RotaWeek], path: Path | str, **options) -> Path:
    path = Path(path)
    path.write_bytes(rota_calendar(rota, **options))
    return path


def rota_table_html(rota: Sequence[RotaWeek], publish_weekday: int | None = None) -> str:
    """The rota as an accessible HTML table, with a line on how the weeks are shared."""
    if not rota:
        return ""
    headers = ["Vecka", "Datum", "Ansvarig"]
    if publish_weekday is not None:
        headers.append(f"Publiceras ({WEEKDAYS[publish_weekday]})")
    rows = []
    for item in rota:
        cells = [escape(item.label), f"{swedish_date(item.monday, year=False)} – {swedish_date(item.sunday)}",
                 escape(item.person)]
        if publish_weekday is not None:
            cells.append(swedish_date(item.day(publish_weekday)))
        rows.append(cells)
    counts = Counter(item.person for item in rota)
    fewest, most = min(counts.values()), max(counts.values())
    share = f"{fewest} vecka" if fewest == most == 1 else (
        f"{fewest} veckor var" if fewest == most else f"{fewest}–{most} veckor var")
    summary = f"<p>{len(rota)} bloggveckor för {len(counts)} personer: {share}.</p>"
    return summary + render_table("Bloggschemat", headers, rows, css_class="ensak-rota")


def next_monday(today: dt.date) -> dt.date:
    return monday_of(today) + dt.timedelta(weeks=1)


class BlogRotaPlanner(AnswerWidget):
    """Names, a first week and a number of weeks in; a rota table and a calendar file out."""

    kind = "planner"

    def __init__(self, key: str, *, store: AnswerStore | None = None, today: dt.date | None = None,
                 filename: str = ROTA_FILE, blog: str = "bibliotekets blogg"):
        self.filename = filename
        self.blog = blog
        self.rota: list[RotaWeek] = []
        self.people_box = w.Textarea(description="Vilka är med?", placeholder="Ett förnamn per rad",
                                     layout=w.Layout(width="100%", height="8em"), style={"description_width": "12em"})
        self.start_picker = w.DatePicker(description="Första veckan", value=next_monday(today or dt.date.today()),
                                         style={"description_width": "12em"})
        self.weeks_box = w.BoundedIntText(description="Antal bloggveckor", value=DEFAULT_WEEKS, min=1, max=MAX_WEEKS,
                                          style={"description_width": "12em"})
        self.day_choice = w.Dropdown(description="Publiceringsdag",
                                     options=[("ingen bestämd dag (hela veckan)", None),
                                              *[(day, i) for i, day in enumerate(WEEKDAYS)]],
                                     value=None, style={"description_width": "12em"})
        self.skip_box = w.Text(description="Veckor utan blogg", placeholder="till exempel 27-32, 52",
                               style={"description_width": "12em"})
        self.make_button = w.Button(description="Skapa schemat och kalenderfilen", button_style="primary",
                                    icon="calendar", layout=w.Layout(width="auto"))
        self.make_button.on_click(lambda _: self.make())
        self.result = w.HTML()
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Planera bloggschemat.</strong> Skriv ett förnamn per rad i den ordning ni ska turas "
                   "om. Välj sedan första veckan och hur många veckor schemat ska gälla.</p>"),
            self.people_box, self.start_picker, self.weeks_box, self.day_choice, self.skip_box,
            self.make_button, self.result, self.status,
        ]
        self._restore()

    @property
    def path(self) -> Path:
        return self.store.path.parent / self.filename

    def make(self) -> list[RotaWeek]:
        """Plan the rota from the controls, write the calendar file, show the table and save."""
        try:
            if self.start_picker.value is None:
                raise RotaError("Välj vilken vecka schemat ska börja.")
            people = parse_people(self.people_box.value)
            skip = parse_weeks(self.skip_box.value)
            rota = plan_rota(people, self.start_picker.value, int(self.weeks_box.value), skip)
        except RotaError as problem:
            self.result.value = ""
            self.show_status(str(problem), problem=True)
            return []
        day = self.day_choice.value
        try:
            write_rota_calendar(rota, self.path, publish_weekday=day, blog=self.blog)
        except OSError as exc:
            self.show_status(f"Kalenderfilen kunde inte skrivas ({exc.strerror or exc}).", problem=True)
            return []
        self.rota = rota
        self.result.value = self._result_html(moved=monday_of(self.start_picker.value) != self.start_picker.value)
        saved = self.save({
            "people": people,
            "start": rota[0].monday.isoformat(),
            "weeks": len(rota),
            "publish_weekday": day,
            "skip": sorted(skip),
            "file": self.filename,
            "rota": [item.as_dict() for item in rota],
        })
        if saved:
            self.show_status(f"Sparat. Schemat för {len(rota)} veckor visas nedanför och finns i kalenderfilen "
                             f"{self.filename}.")
        return rota

    def _result_html(self, *, moved: bool = False) -> str:
        note = "<p>ℹ Schemat börjar alltid på en måndag, så det börjar måndagen samma vecka som du valde.</p>" if moved else ""
        done = (f"<p>✓ Klart! Kalenderfilen <code>{escape(self.filename)}</code> ligger i samma mapp som uppgiften. "
                "Du hittar den i filbläddraren till vänster: högerklicka på den och välj <em>Ladda ned</em>.</p>")
        return note + done + rota_table_html(self.rota, self.day_choice.value)

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict) or not saved.get("rota"):
            return
        try:
            self.people_box.value = "\n".join(saved.get("people", []))
            self.start_picker.value = dt.date.fromisoformat(saved["start"])
            self.weeks_box.value = int(saved.get("weeks", DEFAULT_WEEKS))
            self.day_choice.value = saved.get("publish_weekday")
            self.skip_box.value = ", ".join(str(week) for week in saved.get("skip", []))
            self.rota = [RotaWeek(int(item["year"]), int(item["week"]), dt.date.fromisoformat(item["monday"]),
                                  str(item["person"])) for item in saved["rota"]]
        except (KeyError, TypeError, ValueError, TraitError):
            # A hand-edited answer should not stop the notebook: start afresh instead.
            self.rota = []
            return
        self.result.value = rota_table_html(self.rota, self.day_choice.value)
        self.show_status("Ditt tidigare schema är återställt. Ändrar du något, tryck på knappen igen så skapas "
                         "kalenderfilen på nytt.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.people_box.value = "\n".join(rng.sample(SAMPLE_NAMES, rng.randint(3, 8)))
        self.weeks_box.value = rng.choice([8, 12, 16, 20])
        self.day_choice.value = rng.choice([None, 2, 4])
        self.make()
