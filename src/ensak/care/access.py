"""Answering a GDPR access request (article 15, registerutdrag): everything the course holds about one learner.

`write_extract` finds the learner's data the way `ensak forget` does (ensak.care.forget.find_traces): her
roster row with its history, her record in the gradebook (hand-ins, scores, lateness, the coordinator's
comments), her submissions as handed in, graded copies and feedback, what the exchange holds for her, the
messages sent to her, her own words and settings in Kursbloggen and the sync journal's rows about her. It
copies them into one new folder with a Swedish index.html (what each part is, why the course holds it, where
it came from, who can see it, how long it is kept, her rights) and machine-readable JSON and CSV copies.

A folder, not a .zip: the coordinator opens index.html with a double-click and reads everything before she
hands it over (a zip must be unpacked first, and its entries lose the 0600 permissions on the way), and
Windows or any mail program makes one file of it when it is to be sent. Nothing of anyone else is copied:
rows are the learner's own, files are in her folders or named by her id, the blog gives her words only.
The course is only read; the course lock is held so that no sync is half-way through her files meanwhile.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from traitlets.config import Config

from ensak.care.forget import (
    CERTIFICATES_FOLDER,
    COURSE_FOLDERS,
    EXTRACTS_FOLDER,
    SECRET_FILE,
    Traces,
    find_traces,
    is_learner_id,
    learner_rows,
    names_person,
)
from ensak.clock import course_now, to_course_time
from ensak.course.lock import course_lock
from ensak.course.plan import Course, load_course
from ensak.course.roster import full_name, read_stored, suggest_ids
from ensak.course.skills import COURSE_SKILLS, SKILL_LEVELS
from ensak.nbgrader.api import course_settings, load_config, nbgrader_gradebook, sqlite_file
from ensak.nbgrader.screening import ANSWERS_FILE, reflection_texts
from ensak.nbgrader.widget_cells import WidgetText, widget_texts
from ensak.swedish import WEEKDAYS, count_noun, decimal, swedish_date

DATA_FILE = "uppgifter.json"
INDEX_FILE = "index.html"
# Folders of the course that learners or nbgrader read: an extract there could reach someone else.
SHARED_FOLDERS = ("release", "source", *COURSE_FOLDERS, "outbox", "gradebook", "blog")
ROSTER_LABELS = {"id": "Id i kursen", "first_name": "Förnamn", "last_name": "Efternamn", "email": "E-post",
                 "unit": "Enhet", "role": "Roll", "joined": "Med i kursen sedan", "left": "Slutade",
                 "returned": "Kom tillbaka", "pseudonym": "Pseudonym i rapporter",
                 "employee_number": "Anställningsnummer"}
# The widget kinds in svar.json (ensak.learner's AnswerWidget.kind), as a person would call them.
ANSWER_KINDS = {"quiz": "flervalsfråga", "checklist": "checklista", "text": "textsvar", "answer": "val",
                "selfassessment": "självskattning", "planner": "planering", "builder": "övning där du bygger något",
                "checker": "kontroll", "simulator": "simulering", "evidence": "bevis på det du gjort",
                "access": "kontroll av vilka webbplatser som nås"}
# The fields of an evidence answer (ensak.learner.evidence), as the widget names them.
EVIDENCE_FIELDS = {"link": "Länk", "alternative": "Så gjorde jag", "description": "Beskrivning"}
# A choice about sharing the reflection (ensak.learner.sharing), as the widget asks it.
SHARING_CHOICES = {"share": "Dela min reflektion med kurskamraterna i Kursbloggen",
                   "publish": "Får publiceras på bibliotekets öppna blogg efter kursen"}
CHANNELS = {"smtp": "e-post", "eml": "e-postfil som kursledaren skickade själv"}


class AccessError(Exception):
    """The extract cannot be written as asked. The message is Swedish and says what to do; nothing was written."""


@dataclass
class Extract:
    learner: str
    name: str
    folder: Path
    parts: list[str] = field(default_factory=list)   # what it holds, in Swedish
    notes: list[str] = field(default_factory=list)   # what lies outside the course, for the coordinator

    def __str__(self) -> str:
        lines = [f"Registerutdraget för {self.name or self.learner} ({self.learner}) är sparat i {self.folder}",
                 "Bara ditt eget konto kan läsa det. Öppna index.html och läs igenom det innan du "
                 "lämnar ut det, på ett säkert sätt (inte som vanlig e-post).", "Det innehåller:"]
        lines += [f"  - {part}" for part in self.parts]
        if self.notes:
            lines += ["Att tänka på:"] + [f"  - {note}" for note in self.notes]
        return "\n".join(lines)


# --- checking what was asked ---------------------------------------------------------------------------


def default_folder(course_dir: Path, course: Course, learner: str) -> Path:
    return course_dir / EXTRACTS_FOLDER / f"{learner}-{course_now(course):%Y-%m-%d}"


def _check_out(out: Path, course_dir: Path, config: Config) -> None:
    if out.exists() or out.is_symlink():
        raise AccessError(f"{out} finns redan, och ett registerutdrag skrivs aldrig över ett annat. Ange en ny mapp "
                          "med --out, eller flytta bort den gamla först. Inget har skrivits.")
    settings = course_settings(config)
    shared = {course_dir / name: f"kursens mapp {name}/" for name in SHARED_FOLDERS}
    shared[settings.exchange_root.resolve()] = f"utbytesmappen ({settings.exchange_root})"
    for folder, what in shared.items():
        if out == folder or folder in out.parents:
            raise AccessError(f"{out} ligger i {what}, som deltagarna eller nbgrader läser: utdraget kunde hamna hos "
                              f"någon annan. Välj en mapp utanför, till exempel {EXTRACTS_FOLDER}/ i kursmappen (det "
                              "som används om du inte anger --out). Inget har skrivits.")


def _unknown(course_dir: Path, learner: str) -> AccessError:
    guesses = suggest_ids(course_dir, learner)
    hint = f" Menade du {' eller '.join(guesses)}?" if guesses else ""
    return AccessError(
        f"Kursen har inga uppgifter om {learner!r}: id:t finns inte i deltagarlistan (roster.csv), rättningsboken, "
        f"bland inlämningarna eller i kursbloggen.{hint} Ange id:t som det står i roster.csv. Har personen tagits "
        "bort med ensak forget finns inget kvar att lämna ut: svara då att kursen inte har några uppgifter om "
        "hen. Inget har skrivits.")


# --- reading what the course holds --------------------------------------------------------------------


def _gradebook_exists(db_url: str) -> bool:
    """Whether there is a gradebook to read (nbgrader would create a missing one: reading must not)."""
    path = sqlite_file(db_url)
    if path is not None:
        return path.exists()
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        return "student" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _naive_utc(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else ""


def _gradebook_record(config: Config, learner: str) -> dict:
    """{"student": her record, "submissions": [per task: when, scores, lateness, grades, comments]}; {} if none."""
    from nbgrader.api import MissingEntry

    settings = course_settings(config)
    if not _gradebook_exists(settings.db_url):
        return {}
    with nbgrader_gradebook(config) as gb:
        try:
            student = gb.find_student(learner)
        except MissingEntry:
            return {}
        record = {"student": {"id": student.id, "first_name": student.first_name or "",
                              "last_name": student.last_name or "", "email": student.email or "",
                              "lms_user_id": student.lms_user_id or ""},
                  "submissions": []}
        ours = [s for s in student.submissions if s.assignment.course_id == settings.course_id]
        for submission in sorted(ours, key=lambda s: s.assignment.name):
            grades, comments = [], []
            for notebook in submission.notebooks:
                grades += [{"notebook": notebook.name, "cell": grade.name, "auto_score": grade.auto_score,
                            "manual_score": grade.manual_score, "max_score": grade.max_score}
                           for grade in notebook.grades]
                comments += [{"notebook": notebook.name, "cell": comment.name,
                              "coordinator": comment.manual_comment or "", "automatic": comment.auto_comment or ""}
                             for comment in notebook.comments if comment.manual_comment or comment.auto_comment]
            record["submissions"].append({
                "task": submission.assignment.name, "submitted_utc": _naive_utc(submission.timestamp),
                "score": submission.score, "max_score": submission.max_score,
                "seconds_late": submission.total_seconds_late, "needs_manual_grade": submission.needs_manual_grade,
                "grades": grades, "comments": comments})
    return record


def _blog_record(course_dir: Path, learner: str) -> dict:
    """Her posts, comments, settings and digest notes in Kursbloggen (her words only); {} without a blog."""
    import sqlalchemy as sa

    from ensak.outreach.kursbloggen.care import export_member
    from ensak.outreach.kursbloggen.database import create_blog_engine
    from ensak.outreach.kursbloggen.schema import posts
    from ensak.outreach.kursbloggen.settings import load_settings

    url = load_settings(course_dir).db_url
    database = sa.engine.make_url(url).database
    if sa.engine.make_url(url).get_backend_name() == "sqlite" and database and not Path(database).exists():
        return {}
    # Not open_course_blog: that would migrate (write to) the blog's database; this only reads it.
    engine = create_blog_engine(url)
    try:
        if posts.name not in sa.inspect(engine).get_table_names():
            return {}
        found = export_member(engine, learner)
    finally:
        engine.dispose()
    return found if any(found.values()) else {}


def _read_notebook(path: Path) -> dict | None:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None   # a damaged notebook is still copied as it is
    return notebook if isinstance(notebook, dict) else None


def _task_answers(folder: Path, task_id: str) -> dict:
    """Her reflections and widget answers in one handed-in task folder."""
    found: dict = {"reflections": [], "answers": {}}
    notebook = _read_notebook(folder / f"{task_id}.ipynb")
    if notebook is not None:
        found["reflections"] = [t for t in reflection_texts(notebook) if t.strip()]
    answers = folder / ANSWERS_FILE
    if answers.is_file():
        try:
            data = json.loads(answers.read_text(encoding="utf-8"))
            found["answers"] = data.get("answers", {}) if isinstance(data, dict) else {}
        except (UnicodeDecodeError, ValueError):
            pass
    return found


@dataclass
class Holdings:
    """Everything found about the learner, before anything is written."""
    traces: Traces
    roster: list[dict]
    gradebook: dict
    sent: list[dict]
    journal: dict
    blog: dict
    handed_in: dict   # {task: {"reflections", "answers"}} from submitted/<id>/
    widgets: dict[str, dict[str, WidgetText]] = field(default_factory=dict)   # {task: {answer key: what it showed}}

    def anything(self) -> bool:
        t = self.traces
        return bool(self.roster or self.gradebook or self.sent or self.journal or self.blog or t.own_folders
                    or t.inbound or t.cached or t.released_feedback or t.mails or t.certificates)


def _holdings(course_dir: Path, course: Course, config: Config, learner: str) -> Holdings:
    traces = find_traces(course_dir, course, config, learner)
    submitted = course_dir / "submitted" / learner
    handed_in = {}
    if submitted.is_dir():
        handed_in = {folder.name: _task_answers(folder, folder.name) for folder in sorted(submitted.iterdir())
                     if folder.is_dir()}
    return Holdings(traces=traces,
                    roster=[row for row in read_stored(course_dir).to_dict("records") if row["id"] == learner],
                    gradebook=_gradebook_record(config, learner),
                    sent=learner_rows(traces.sent_log, learner).get("sent", []),
                    journal=learner_rows(traces.sync_journal, learner),
                    blog=_blog_record(course_dir, learner),
                    handed_in=handed_in,
                    widgets={task_id: _widgets_shown(course_dir, submitted / task_id, task_id) for task_id in handed_in})


def _widgets_shown(course_dir: Path, folder: Path, task_id: str) -> dict[str, WidgetText]:
    """What each widget of the task showed her: read from the notebook she handed in (the widget cells are
    locked, so they are the task's own), or from the released task if hers cannot be read."""
    for path in (folder / f"{task_id}.ipynb", course_dir / "release" / task_id / f"{task_id}.ipynb"):
        notebook = _read_notebook(path) if path.is_file() else None
        if notebook is not None:
            return widget_texts(notebook)
    return {}


# --- writing it -----------------------------------------------------------------------------------------


class _Writer:
    """Files under one folder, each readable by the coordinator only (folders 0700, files 0600)."""

    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []

    def _folder(self, relative: str) -> Path:
        path = self.root / relative
        for parent in reversed([p for p in path.parents if self.root in p.parents]):
            if not parent.exists():
                parent.mkdir(mode=0o700)
                os.chmod(parent, 0o700)
        return path

    def write(self, relative: str, content: str | bytes) -> None:
        path = self._folder(relative)
        data = content.encode("utf-8") if isinstance(content, str) else content
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
        self.files.append(relative)

    def copy(self, source: Path, relative: str) -> list[str]:
        """Copy a file or a folder (without nbgrader's secret); returns the files written."""
        before = len(self.files)
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                inside = path.relative_to(source)
                # nbgrader's secret is not about her (it only names her released feedback files).
                if path.is_file() and not path.is_symlink() and path.name != SECRET_FILE \
                        and ".ipynb_checkpoints" not in inside.parts:
                    self.write(f"{relative}/{inside.as_posix()}", path.read_bytes())
        elif source.is_file():
            self.write(relative, source.read_bytes())
        return self.files[before:]


def _csv(rows: list[dict], columns: list[str]) -> str:
    """Semicolons and a byte-order mark: what Excel set up for Swedish opens with a double-click."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";", extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def _shown(value) -> str:
    """An answer as a person reads it."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return decimal(value, 2)
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return "" if value is None else str(value)


def _when(course: Course, iso: str | None) -> str:
    """An ISO time (naive means UTC, as nbgrader and the logs store it) as course time, 'D månad ÅÅÅÅ kl. HH.MM'."""
    import datetime as dt

    if not iso:
        return ""
    try:
        moment = to_course_time(dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00")), course)
    except ValueError:
        return str(iso)
    return f"{swedish_date(moment.date())} kl. {moment:%H.%M}"


def _day(iso: str) -> str:
    import datetime as dt

    try:
        return swedish_date(dt.date.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso


def _task_title(course: Course, task_id: str) -> str:
    titles = {task.id: task.title for task in course.tasks}
    return f"{titles[task_id]} ({task_id})" if task_id in titles else task_id


def _genitive(name: str) -> str:
    """'Bibliotekets', 'Växjö stadsbiblioteks'; a name ending in s, x or z takes none ('Kultur och fritids')."""
    return name if name.endswith(("s", "x", "z")) else f"{name}s"


# --- what the index shows: plain data, which the template (templates/utdrag.html.j2) escapes ---------------

@dataclass
class Link:
    href: str
    text: str


@dataclass
class Lines:
    """A cell of several lines: a sentence, a list under it, a sentence after it (each may be empty)."""
    lead: str
    items: list[str]
    after: str = ""


Cell = str | list[str] | Link | Lines   # a list is lines, each on its own


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    as_written: tuple[int, ...] = ()   # columns of her own words: line breaks kept
    row_headers: bool = False           # the first cell names its row (a question, a field)


@dataclass
class Block:
    """A group within a part (a task, her settings): an optional heading, her reflections, tables, sentences."""
    heading: str = ""
    reflections: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class Part:
    """One section of the index: what it is, why the course holds it, where from, who sees it, its files."""
    anchor: str
    title: str
    what: str
    why: str
    source: str
    who: str
    blocks: list[Block]
    files: list[str]
    links: list[str] = field(default_factory=list)   # files linked in the section itself


def _roster_part(course: Course, rows: list[dict], writer: _Writer) -> Part | None:
    if not rows:
        return None
    writer.write("deltagarlistan.csv", _csv(rows, list(ROSTER_LABELS)))
    tables = []
    for row in rows:
        shown = [(label, _day(row.get(key, "")) if key in ("joined", "left", "returned") else row.get(key, ""))
                 for key, label in ROSTER_LABELS.items()]
        tables.append(Table("Din rad i deltagarlistan", ["Uppgift", "Värde"],
                            [[label, str(value or "–")] for label, value in shown], row_headers=True))
    return Part("deltagarlistan", "Deltagarlistan",
                "Ditt namn, din e-postadress, enhet och roll, när du började i kursen (och slutade eller kom "
                "tillbaka) och den pseudonym som står i stället för ditt namn i kursens rapporter.",
                "För att veta vem som går kursen, kunna skicka inbjudningar och påminnelser och följa upp kursen "
                "utan namn (med pseudonymen).",
                "Personallistan från HR, som kursledaren läste in; datumen sätts av kursen vid varje inläsning.",
                "Kursledaren och den som sköter kursens server.", [Block(tables=tables)], ["deltagarlistan.csv"])


def _gradebook_part(course: Course, record: dict, writer: _Writer) -> Part | None:
    if not record:
        return None
    rows = []
    for sub in record["submissions"]:
        late = sub["seconds_late"] or 0
        rows.append({"uppgift": sub["task"], "inlämnad_utc": sub["submitted_utc"], "poäng": sub["score"],
                     "max_poäng": sub["max_score"], "sekunder_sen": late,
                     "kursledarens_kommentarer": " | ".join(c["coordinator"] for c in sub["comments"]
                                                            if c["coordinator"])})
    writer.write("rattningsboken.csv", _csv(rows, ["uppgift", "inlämnad_utc", "poäng", "max_poäng", "sekunder_sen",
                                                   "kursledarens_kommentarer"]))
    student = record["student"]
    tables = [Table("Så står du i rättningsboken", ["Uppgift", "Värde"], [
        [label, value or "–"] for label, value in (
            ("Id", student["id"]), ("Namn", full_name(student["first_name"], student["last_name"])),
            ("E-post", student["email"]))], row_headers=True)]
    handed_in = []
    for sub in record["submissions"]:
        comments = [c["coordinator"] for c in sub["comments"] if c["coordinator"]]
        handed_in.append([_task_title(course, sub["task"]), _when(course, sub["submitted_utc"]) or "–",
                          f"{decimal(sub['score'] or 0)} av {decimal(sub['max_score'] or 0)}",
                          "ja" if (sub["seconds_late"] or 0) > 0 else "nej", comments or "–"])
    if handed_in:
        tables.append(Table("Dina inlämningar i rättningsboken",
                            ["Uppgift", "Inlämnad", "Poäng", "Sen", "Kursledarens kommentarer"], handed_in,
                            as_written=(4,)))
    return Part("rattningsboken", "Rättningsboken",
                "Din post i nbgraders rättningsbok: för varje inlämnad uppgift när du lämnade in, poängen (de "
                "automatiska och kursledarens), om inlämningen var sen och kursledarens kommentarer.",
                "För att rätta uppgifterna, ge dig återkoppling, se hur det går i kursen och skriva kursintyg.",
                "Dina inlämningar (poängen räknas automatiskt) och kursledaren (bedömning och kommentarer).",
                "Kursledaren. Dina poäng och kommentarer ser du själv i återkopplingen.", [Block(tables=tables)],
                ["rattningsboken.csv"])


def _course_plan(course: Course, value: dict) -> Lines:
    """Task 0's course planner: her weekday and time, and the session it gave her for each task."""
    titles = {task.id: task.title for task in course.tasks}
    day = value.get("weekday")
    time = str(value.get("time", "")).replace(":", ".")   # Swedish writes 9.00, as _when does
    lead = f"Din kurstid: {WEEKDAYS[day]}ar kl. {time}" if day in range(5) else ""
    sessions = [f"{titles.get(s.get('task'), s.get('task'))}: {_when_local(s.get('start'))}"
                for s in value.get("sessions", []) if isinstance(s, dict)]
    return Lines(lead, sessions, f"Kalenderfilen: {value['file']}" if value.get("file") else "")


def _when_local(iso) -> str:
    """A time the learner chose on the course's clock ('2027-01-12T09:00'), as 'D månad ÅÅÅÅ kl. HH.MM'."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    return f"{swedish_date(moment.date())} kl. {moment:%H.%M}"


def _answer_in_words(course: Course, entry: dict, shown: WidgetText | None) -> Cell:
    """Her answer as she gave it: the options she chose, the steps she ticked, her levels, her link."""
    kind, value = str(entry.get("kind", "")), entry.get("value")
    items = shown.items if shown else ()
    if kind == "quiz" and isinstance(value, dict):
        chosen = value.get("chosen_text")
        if not isinstance(chosen, list):
            picked = [i for i in value.get("selected", []) if isinstance(i, int)]
            chosen = [items[i] if i < len(items) else f"alternativ {i + 1}" for i in picked]
        verdict = {True: "Det var rätt svar.", False: "Det var inte rätt svar."}.get(value.get("correct"), "")
        lead = "Du valde:" if len(chosen) > 1 else "" if chosen else "Inget val."
        return Lines(lead, [str(text) for text in chosen], verdict)
    if kind == "checklist" and isinstance(value, dict):
        done = [i for i in value.get("done", []) if isinstance(i, int)]
        total = value.get("total") if isinstance(value.get("total"), int) else len(items)
        ticked = [items[i] if i < len(items) else f"steg {i + 1}" for i in done]
        return Lines(f"Du bockade av {len(done)} av {count_noun(total, 'steg', 'steg')}" + (":" if ticked else "."),
                     ticked)
    if kind == "selfassessment" and isinstance(value, dict):
        named = {**COURSE_SKILLS, **(shown.skills if shown else {})}
        return Lines("Hur säker du kände dig på att …", [
            f"{named.get(skill, skill)}: {SKILL_LEVELS.get(level, _shown(level))}"
            for skill, level in value.items()])
    if kind == "evidence" and isinstance(value, dict):
        said = [(label, str(value.get(name) or "").strip()) for name, label in EVIDENCE_FIELDS.items()]
        return Lines("" if any(text for _, text in said) else "Inget ifyllt.",
                     [f"{label}: {text}" for label, text in said if text])
    if kind == "access" and isinstance(value, dict) and isinstance(value.get("results"), dict):
        return Lines("Så svarade webbplatserna när du kontrollerade:",
                     [f"{name}: {state}" for name, state in value["results"].items()])
    if shown is not None and shown.widget == "SharingChoice" and isinstance(value, dict):
        lines = [f"{label}: {_shown(bool(value.get(name)))}" for name, label in SHARING_CHOICES.items()]
        sent = f"Skickad till Kursbloggen {_when(course, value['sent'])}." if value.get("sent") else ""
        return Lines("", lines, sent)
    if shown is not None and shown.widget == "CoursePlanner" and isinstance(value, dict):
        return _course_plan(course, value)
    if isinstance(value, dict):   # the other exercises: one line for each thing saved
        return Lines("" if value else "–", [f"{name}: {_shown(item)}" for name, item in value.items()])
    return _shown(value)


def _answer_label(key: str, entry: dict, shown: WidgetText | None) -> str:
    kind = str(entry.get("kind", ""))
    what = ANSWER_KINDS.get(kind, kind)
    if shown is None or not shown.label:
        return what.capitalize() if what else key
    return shown.label if kind in ("quiz", "text") or not what else f"{shown.label} ({what})"


def _handed_in_part(course: Course, holdings: Holdings, learner: str, course_dir: Path,
                    writer: _Writer) -> Part | None:
    folder = course_dir / "submitted" / learner
    if not folder.is_dir():
        return None
    files = writer.copy(folder, "inlamningar")
    blocks = []
    for task_id, found in holdings.handed_in.items():
        shown = holdings.widgets.get(task_id, {})
        answers = []
        # In the order the task showed them; answers to widgets no longer in it last.
        order = {key: number for number, key in enumerate(shown)}
        for key, entry in sorted(found["answers"].items(), key=lambda item: order.get(item[0], len(order))):
            entry = entry if isinstance(entry, dict) else {"value": entry}
            answers.append([_answer_label(key, entry, shown.get(key)),
                            _answer_in_words(course, entry, shown.get(key)), _when(course, entry.get("saved"))])
        tables = [Table("Dina svar i uppgiften", ["Fråga eller övning", "Ditt svar", "Sparat"], answers,
                        as_written=(1,), row_headers=True)] if answers else []
        blocks.append(Block(_task_title(course, task_id), found["reflections"], tables))
    return Part("inlamningar", "Dina inlämningar",
                "Uppgifterna som du lämnade in: anteckningsboken med din reflektion och svarsfilen "
                f"{ANSWERS_FILE} med dina svar, som de såg ut när du lämnade in dem.",
                "För att rätta dem och ge dig återkoppling.", "Du själv.",
                "Kursledaren. Reflektioner som du själv delade i Kursbloggen ser också kurskamraterna.",
                blocks, files, links=files)


def _graded_part(course_dir: Path, learner: str, writer: _Writer) -> Part | None:
    files = writer.copy(course_dir / "autograded" / learner, "rattade")
    files += writer.copy(course_dir / "feedback" / learner, "aterkoppling")
    if not files:
        return None
    return Part("rattat", "Rättade kopior och återkoppling",
                "Kursens rättade kopior av dina inlämningar (rattade/) och återkopplingen till dig som webbsidor "
                "(aterkoppling/).",
                "Rättningen görs på en kopia så att det du lämnade in finns kvar orört; återkopplingen är till dig.",
                "Kursen, automatiskt, från dina inlämningar och kursledarens bedömning.",
                "Kursledaren; återkopplingen också du.", [], files, links=files)


def _exchange_part(traces: Traces, writer: _Writer) -> Part | None:
    files = []
    for entry in traces.inbound:
        files += writer.copy(entry, f"utbytesmappen/inlamnat/{entry.name}")
    for page in traces.released_feedback:
        files += writer.copy(page, f"utbytesmappen/aterkoppling/{page.name}")
    for entry in traces.cached:
        files += writer.copy(entry, f"utbytesmappen/cache/{entry.name}")
    if not files:
        return None
    return Part("utbytesmappen", "Utbytesmappen",
                "Det som ligger i nbgraders utbytesmapp för dig: dina inlämningar som de kom in (inlamnat/), "
                "återkopplingen som lämnats ut till dig (aterkoppling/) och kopior i inlämningarnas cache (cache/). "
                "Uppgifterna som alla deltagare hämtar är inte med: de är lika för alla och inte uppgifter om dig.",
                "Det är vägen som uppgifter, inlämningar och återkoppling går mellan dig och kursen.",
                "Du själv (inlämningarna) och kursen (återkopplingen).",
                "Kursledaren; återkopplingen också du, när du hämtar den.", [], files, links=files)


def _messages_part(course: Course, holdings: Holdings, writer: _Writer) -> Part | None:
    files = []
    for mail in holdings.traces.mails:
        files += writer.copy(mail, f"meddelanden/{mail.name}")
    if not (holdings.sent or files):
        return None
    columns = ["key", "learner_id", "email", "subject", "message_id", "channel", "status", "claimed_at", "sent_at"]
    writer.write("meddelanden.csv", _csv(holdings.sent, columns))
    rows = [[row.get("subject", ""), _when(course, row.get("sent_at") or row.get("claimed_at")),
             CHANNELS.get(row.get("channel", ""), row.get("channel", "")), row.get("email", "")]
            for row in holdings.sent]
    table = Table("Meddelanden som kursen har skickat till dig", ["Ämne", "Skickat", "Hur", "Till"], rows)
    return Part("meddelanden", "Meddelanden till dig",
                "Loggen över inbjudningar, påminnelser och tack som kursen har skickat till dig (ämne, när, till "
                "vilken adress), och kopior av själva e-postmeddelandena om de sparades som filer.",
                "Så att ingen får samma meddelande två gånger och kursledaren kan se vad som har skickats.",
                "Kursen (kursledaren skickade dem), med adressen från deltagarlistan.",
                "Kursledaren.", [Block(tables=[table])], ["meddelanden.csv", *files], links=files)


def _blog_part(course: Course, blog: dict, writer: _Writer) -> Part | None:
    if not blog:
        return None
    writer.write("kursbloggen.json", json.dumps(blog, ensure_ascii=False, indent=2))
    block = Block()
    if blog["posts"]:
        block.tables.append(Table("Dina inlägg", ["Skrivet", "Rubrik", "Text", "Delat med kursen", "Får publiceras"], [
            [_when(course, post["created"]), post["title"] or "–", post["body"], _shown(bool(post["shared"])),
             _shown(bool(post["publish"]))] for post in blog["posts"]], as_written=(2,)))
    if blog["comments"]:
        block.tables.append(Table("Dina kommentarer", ["Skrivet", "Text"], [
            [_when(course, comment["created"]), comment["body"]] for comment in blog["comments"]], as_written=(1,)))
    for member in blog["settings"]:
        block.tables.append(Table("Dina inställningar", ["Inställning", "Värde"], [
            ["Sammanfattning med e-post", _shown(bool(member.get("digest")))],
            ["Senast på startsidan", _when(course, member.get("seen_at")) or "–"]], row_headers=True))
    for row in blog.get("roster", []):
        name = full_name(row["first_name"], row["last_name"])
        block.sentences.append(f"Kursbloggen har en kopia av ditt namn från deltagarlistan, {name}, för att kunna "
                               "visa vem som har skrivit vad.")
    if blog["digest_items"]:
        noted = count_noun(len(blog["digest_items"]), "inlägg eller kommentar", "inlägg och kommentarer")
        block.sentences.append(f"Kursbloggen har noterat {noted} som redan har kommit med i en sammanfattning till "
                               "dig (så att ingenting skickas två gånger).")
    return Part("kursbloggen", "Kursbloggen",
                "Det du själv har skrivit i Kursbloggen (inlägg och kommentarer), dina inställningar där och "
                "noteringar om vilka inlägg som har kommit med i sammanfattningar till dig. Vad kurskamrater har "
                "skrivit är inte med: det är deras uppgifter.",
                "För att kursdeltagarna ska kunna dela reflektioner, tips och frågor med varandra.",
                "Du själv.",
                "Inlägg och kommentarer: alla kursdeltagare och kursledaren. Inlägg som du har sagt får publiceras "
                "kan efter kursen visas öppet, med bara ditt förnamn. Inställningarna: kursledaren.",
                [block], ["kursbloggen.json"])


def _journal_part(course: Course, journal: dict, writer: _Writer) -> Part | None:
    if not journal:
        return None
    writer.write("synkroniseringens-logg.json", json.dumps(journal, ensure_ascii=False, indent=2))
    events = journal.get("events", [])
    tables = [Table("Händelser om dina inlämningar", ["När", "Steg", "Uppgift", "Anteckning"], [
        [_when(course, row.get("at")), row.get("step", ""), row.get("task", ""), row.get("detail", "")]
        for row in events])] if events else []
    return Part("logg", "Kursens logg över rättningen",
                "Tekniska anteckningar om när dina inlämningar hämtades in, rättades och fick återkoppling.",
                "Så att ingen inlämning rättas två gånger eller tappas bort om datorn stannar.",
                "Kursen, automatiskt.", "Kursledaren och den som sköter kursens server.", [Block(tables=tables)],
                ["synkroniseringens-logg.json"])


def _certificate_part(traces: Traces, writer: _Writer) -> Part | None:
    files = []
    for pdf in traces.certificates:
        files += writer.copy(pdf, f"{CERTIFICATES_FOLDER}/{pdf.name}")
    if not files:
        return None
    return Part("kursintyg", "Kursintyg",
                "Ditt kursintyg (PDF) med ditt namn och det du har gjort i kursen.",
                "Som ett erkännande av att du har gått hela kursen.",
                "Kursen, från rättningsboken, när kursledaren skrev intygen.",
                "Kursledaren och du.", [], files, links=files)


def _json_data(course: Course, learner: str, holdings: Holdings, made: str) -> str:
    return json.dumps({
        "format": 1, "kurs": {"id": course.id, "titel": course.title, "organisation": course.organisation},
        "deltagare": learner, "skapat": made, "deltagarlistan": holdings.roster, "rättningsboken": holdings.gradebook,
        "inlämningar": holdings.handed_in, "meddelanden": holdings.sent, "kursbloggen": holdings.blog,
        "synkroniseringens_logg": holdings.journal,
    }, ensure_ascii=False, indent=2, default=str)


def _index(course: Course, name: str, learner: str, made: str, parts: list[Part], sender: str) -> str:
    template = Environment(loader=PackageLoader("ensak.care", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True).get_template("utdrag.html.j2")
    overview = Table("Delarna i utdraget", ["Del", "Vad det är", "Varför kursen har det", "Var det kommer ifrån",
                                            "Vem som kan se det"],
                     [[Link(f"#{p.anchor}", p.title), p.what, p.why, p.source, p.who] for p in parts])
    return template.render(course=course, name=name, learner=learner, made=made, parts=parts, sender=sender,
                           overview=overview,
                           organisation=_genitive(course.organisation), closes=swedish_date(course.closes),
                           data_file=DATA_FILE,
                           machine=[DATA_FILE, *[f for p in parts for f in p.files if f.endswith((".csv", ".json"))]])



# --- the whole extract -------------------------------------------------------------------------------


def write_extract(course_dir: Path | str, learner: str, out: Path | str | None = None, *,
                  config: Config | None = None, wait_s: float = 0, on_wait=None) -> Extract:
    """Write everything the course holds about `learner` into a new folder `out` (default
    utdrag/<id>-<date>/ in the course), readable by whoever runs this only. Changes nothing in the course.

    Refuses (AccessError, nothing written) an id the course does not know (suggesting close ones), an
    existing `out`, and an `out` in a folder that learners or nbgrader read. Holds the course lock while
    reading (waiting up to `wait_s` seconds for a sync in progress, calling `on_wait`).
    """
    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    config = config if config is not None else load_config(course_dir)
    if not is_learner_id(learner):
        raise AccessError(f"{learner!r} är inte ett deltagar-id. Ange id:t som det står i roster.csv. "
                          "Inget har skrivits.")
    out = Path(out).expanduser().absolute() if out is not None else default_folder(course_dir, course, learner)
    out = out.parent.resolve() / out.name
    _check_out(out, course_dir, config)
    with course_lock(course_dir, "utdrag", wait_s=wait_s, on_wait=on_wait):
        holdings = _holdings(course_dir, course, config, learner)
        if not holdings.anything():
            raise _unknown(course_dir, learner)
        _check_out(out, course_dir, config)   # again: the wait may have been long
        return _write(course_dir, course, config, learner, holdings, out)


def _person_name(holdings: Holdings) -> str:
    for row in holdings.roster:
        return full_name(row["first_name"], row["last_name"])
    student = holdings.gradebook.get("student", {})
    return full_name(student.get("first_name", ""), student.get("last_name", ""))


def _sender(course_dir: Path) -> str:
    from ensak.outreach.messages import MessageError, load_mail_settings

    try:
        mail = load_mail_settings(course_dir)
    except MessageError:
        return ""
    return mail.reply_to or mail.sender


def _write(course_dir: Path, course: Course, config: Config, learner: str, holdings: Holdings, out: Path) -> Extract:
    from ensak.nbgrader.ngshare_client import uses_ngshare

    name = _person_name(holdings) or learner
    made = f"{swedish_date(course_now(course).date())} kl. {course_now(course):%H.%M}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written beside its place and renamed into it: an extract is there whole or not at all.
        building = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as exc:
        raise AccessError(f"Kunde inte skriva i {out.parent} ({exc.strerror}). Välj en mapp där du får skriva "
                          "med --out. Inget har skrivits.") from None
    try:
        writer = _Writer(building)
        built = [_roster_part(course, holdings.roster, writer), _gradebook_part(course, holdings.gradebook, writer),
                 _handed_in_part(course, holdings, learner, course_dir, writer),
                 _graded_part(course_dir, learner, writer), _exchange_part(holdings.traces, writer),
                 _messages_part(course, holdings, writer), _blog_part(course, holdings.blog, writer),
                 _certificate_part(holdings.traces, writer),
                 _journal_part(course, holdings.journal, writer)]
        parts = [part for part in built if part is not None]
        writer.write(DATA_FILE, _json_data(course, learner, holdings, course_now(course).isoformat(timespec="seconds")))
        writer.write(INDEX_FILE, _index(course, name, learner, made, parts, _sender(course_dir)))
        os.chmod(building, 0o700)
        os.rename(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    extract = Extract(learner, name, out, parts=[f"{part.title}: {count_noun(len(part.files), 'fil', 'filer')}"
                                                 for part in parts])
    if uses_ngshare(config):
        extract.notes.append("Kursen använder ngshare: inlämningarna finns också i ngshares databas, och de är "
                             "samma som under Dina inlämningar.")
    reports = course_dir / "reports"
    if reports.is_dir() and any(names_person(p, holdings.traces.person) for p in reports.rglob("*") if p.is_file()):
        extract.notes.append(f"Rapporter i {reports.name}/ nämner hen bland kollegor: de lämnas inte ut (de "
                             "innehåller andras uppgifter); det som står om hen där finns i rättningsboken.")
    extract.notes += [
        "Det hen har i sin egen mapp på kursens server (hämtade uppgifter, svar under arbete) ser hen själv; det "
        "ingår inte i utdraget.",
        "Säkerhetskopior av kursen innehåller samma uppgifter om hen, som de var när kopian gjordes; de lämnas "
        "inte ut för sig."]
    return extract
