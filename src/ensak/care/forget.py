"""Erasing a learner, as a municipality must on request (GDPR article 17): every trace the course keeps.

A learner leaves traces in the gradebook (their record, submissions, scores, comments), in the
course's folders submitted/, autograded/ and feedback/, in the exchange (their submissions in
inbound/, their released feedback, the submission cache), in the sync journal, in the outbox and the
log of messages sent, in roster.csv, in reports written with names, in their kursintyg in intyg/ and
in the registerutdrag `ensak utdrag` made for them. `find_traces` says where (ensak.care.access copies
from the same places for an access request); `forget_learner` removes all of them; deleted rows are
vacuumed away so the database files keep no copy in their free pages.

What lies outside the course is listed for the coordinator instead: the learner's account and home
folder on the hub, backups made before today, and the HR list a later roster import would read.
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import sqlite3
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from traitlets.config import Config

from ensak.course.lock import course_lock
from ensak.course.plan import load_course
from ensak.course.roster import read_stored, remove_learner
from ensak.nbgrader.api import course_settings, load_config, nbgrader_gradebook

COURSE_FOLDERS = ("submitted", "autograded", "feedback")
SECRET_FILE = "submission_secret.txt"
# `ensak utdrag` (ensak.care.access) writes a person's copy of her data here by default, as utdrag/<id>-<date>/.
EXTRACTS_FOLDER = "utdrag"
# `ensak intyg` writes kursintyg-<id>.pdf here by default (run in the course directory, as docs say).
CERTIFICATES_FOLDER = "intyg"


class ForgetError(Exception):
    """The learner cannot be erased as asked. The message is Swedish and says what to do."""


@dataclass
class ForgetReport:
    learner: str
    removed: list[str] = field(default_factory=list)   # what was erased, in Swedish
    manual: list[str] = field(default_factory=list)    # what the coordinator must see to herself

    def __str__(self) -> str:
        lines = [f"Borttaget för {self.learner}:"] + [f"  - {line}" for line in self.removed or ["ingenting hittades"]]
        if self.manual:
            lines += ["Att göra själv:"] + [f"  - {line}" for line in self.manual]
        return "\n".join(lines)


@dataclass(frozen=True)
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""

    def identifiers(self) -> list[str]:
        """Strings that would give the learner away in a file: id, names, e-mail address."""
        return [text for text in (self.id, self.first_name, self.last_name, self.email) if text]


# --- roster ---------------------------------------------------------------------------------------


def is_learner_id(text: str) -> bool:
    """Whether `text` can name a learner's files: not empty, no folder separators or wildcards."""
    return bool(text) and "/" not in text and text not in (".", "..") and "*" not in text


def find_person(course_dir: Path, config: Config, learner: str) -> Person:
    """The learner as roster.csv and the gradebook know them (names and e-mail for the search)."""
    from nbgrader.api import MissingEntry

    for row in read_stored(course_dir).to_dict("records"):
        if row["id"] == learner:
            return Person(learner, row["first_name"], row["last_name"], row["email"])
    with nbgrader_gradebook(config) as gb:
        try:
            student = gb.find_student(learner)
        except MissingEntry:
            return Person(learner)
        return Person(learner, student.first_name or "", student.last_name or "", student.email or "")


# --- gradebook -----------------------------------------------------------------------------------


def _vacuum(db_url: str) -> None:
    """Rebuild the database so that deleted rows leave no copy behind in its free pages."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            # PostgreSQL's plain VACUUM only marks the space free; FULL writes each table anew.
            connection.execute(sa.text("VACUUM FULL" if connection.dialect.name == "postgresql" else "VACUUM"))
            if connection.dialect.name == "sqlite":
                # A database in WAL mode (Kursbloggen's) keeps recent pages in its -wal file until checkpointed.
                connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()


def _remove_from_gradebook(config: Config, learner: str) -> list[str]:
    from nbgrader.api import MissingEntry

    course_id = course_settings(config).course_id
    removed = []
    with nbgrader_gradebook(config) as gb:
        try:
            student = gb.find_student(learner)
        except MissingEntry:
            return []
        ours = [s.assignment.name for s in student.submissions if s.assignment.course_id == course_id]
        for task in ours:
            gb.remove_submission(task, learner)
        if ours:
            removed.append(f"{len(ours)} inlämningar med poäng och kommentarer i rättningsboken")
        if not gb.find_student(learner).submissions:
            gb.remove_student(learner)
            removed.append("deltagaren i rättningsboken (namn och e-post)")
    return removed


# --- files ---------------------------------------------------------------------------------------


def _feedback_files(exchange_course: Path, secrets: set[str], task_ids: list[str]) -> list[Path]:
    """nbgrader names released feedback by a hash of the submission's secret and the notebook."""
    from nbgrader.utils import notebook_hash

    folder = exchange_course / "feedback"
    found = []
    for secret in secrets:
        for task_id in task_ids:
            path = folder / f"{notebook_hash(secret=secret, notebook_id=task_id)}.html"
            if path.exists():
                found.append(path)
    return found


def _secrets(folders: list[Path]) -> set[str]:
    found = set()
    for folder in folders:
        for path in folder.rglob(SECRET_FILE):
            found.add(path.read_text(encoding="utf-8").strip())
    return {secret for secret in found if secret}


def _remove_paths(paths: list[Path]) -> int:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return len(paths)


def _learner_entries(folder: Path, learner: str) -> list[Path]:
    """nbgrader's `learner+task+timestamp+…` entries in an exchange or cache folder."""
    return [Path(p) for p in glob.glob(os.path.join(glob.escape(str(folder)), f"{glob.escape(learner)}+*"))]


# --- journals and messages -----------------------------------------------------------------------


def _learner_columns(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every table in an SQLite file (the sync journal, the sent-log) that names a learner."""
    found = []
    tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
        found += [(table, column) for column in ("learner", "learner_id") if column in columns]
    return found


def learner_rows(path: Path, learner: str) -> dict[str, list[dict]]:
    """{table: rows} of the learner's rows in an SQLite file, read without changing it (for an access request)."""
    if not path.exists():
        return {}
    found = {}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)) as connection:
        connection.row_factory = sqlite3.Row
        for table, column in _learner_columns(connection):
            rows = [dict(row) for row in connection.execute(f'SELECT * FROM "{table}" WHERE "{column}" = ?',
                                                            (learner,))]
            if rows:
                found[table] = rows
    return found


def _remove_rows(path: Path, learner: str) -> int:
    """Delete the learner's rows from every table of an SQLite file with a learner column; vacuum."""
    if not path.exists():
        return 0
    deleted = 0
    with closing(sqlite3.connect(path, timeout=60, isolation_level=None)) as connection:
        for table, column in _learner_columns(connection):
            deleted += connection.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', (learner,)).rowcount
        connection.execute("VACUUM")
    return deleted


def _forget_in_blog(course_dir: Path, person: Person, gradebook_url: str) -> list[str]:
    """Erase the learner's posts (with the conversation under them), comments, settings and digest notes from
    Kursbloggen's database (ensak.outreach.kursbloggen.care), and take their name out of what colleagues
    wrote; colleagues' replies to their comments stay."""
    from ensak.outreach.kursbloggen.care import erase_member
    from ensak.outreach.kursbloggen.settings import open_course_blog

    opened = open_course_blog(course_dir, create=False)
    if opened is None:
        return []
    settings, engine = opened
    try:
        full_name = f"{person.first_name} {person.last_name}".strip()
        erased = erase_member(engine, person.id, [*person.identifiers(), full_name])
    finally:
        engine.dispose()
    if not (erased.posts or erased.comments or erased.digest_notes or erased.names_removed):
        return []
    if settings.db_url != gradebook_url:   # a blog in the gradebook's database is vacuumed with it
        _vacuum(settings.db_url)
    return [str(erased)]


def _outbox_messages(outbox: Path, learner: str, email: str) -> list[Path]:
    found = []
    for path in outbox.rglob("*.eml"):
        if path.stem == learner:
            found.append(path)
            continue
        if email:
            with path.open("rb") as handle:
                recipient = str(BytesParser(policy=policy.default).parse(handle, headersonly=True).get("To", ""))
            if email.lower() in recipient.lower():
                found.append(path)
    return found


def names_person(path: Path, person: Person) -> bool:
    """Whether the file names the person, looking inside zip containers (an Excel workbook is one)."""
    try:
        data = path.read_bytes()
        texts = [data]
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts = [archive.read(name) for name in archive.namelist()]
    except (OSError, zipfile.BadZipFile):
        return False
    return any(identifier in text.decode("utf-8", errors="ignore") for text in texts
               for identifier in person.identifiers())


# --- the whole erasure ---------------------------------------------------------------------------


def forget_learner(course_dir: Path | str, learner: str, *, config: Config | None = None,
                   reports: Path | str | None = None, wait_s: float = 0, on_wait=None) -> ForgetReport:
    """Erase `learner` from the course; return what was removed and what is left to the coordinator.

    `reports` is the folder of written reports (default: reports/ in the course); files there that
    name the learner are removed. Holds the course lock throughout (waiting up to `wait_s` seconds for
    a sync in progress), so that no sync grades the learner back into the gradebook meanwhile.
    """
    course_dir = Path(course_dir).resolve()
    if not is_learner_id(learner):
        raise ForgetError(f"{learner!r} är inte ett deltagar-id. Ange id:t som det står i roster.csv.")
    course = load_course(course_dir)
    config = config if config is not None else load_config(course_dir)
    with course_lock(course_dir, "forget", wait_s=wait_s, on_wait=on_wait):
        report = _erase(course_dir, course, config, learner, reports)

    from ensak.nbgrader.ngshare_client import uses_ngshare

    if uses_ngshare(config):
        report.manual.append(
            f"Kursen använder ngshare: inlämningar och återkoppling från {learner} finns också i ngshares databas, "
            "och ngshare kan inte ta bort en enskild deltagares inlämningar. Be den som sköter hubben ta bort dem "
            "direkt i ngshares databas.")
    report.manual += [
        f"Kontot {learner} och dess hemmapp på kursens server tas bort med userdel -r {learner} (som root).",
        "Säkerhetskopior gjorda före i dag innehåller fortfarande deltagaren: ta bort dem eller låt dem gå ut "
        "enligt er gallringsrutin.",
        "Finns personen kvar i personallistan från HR läggs hen till igen vid nästa import: ta bort raden där först.",
        "Har kursbloggen exporterats för publicering (ensak blog --export): exportera igen till samma mapp.",
    ]
    return report


@dataclass
class Traces:
    """Where the course's folders and logs hold a learner's data: what `ensak forget` erases and what `ensak
    utdrag` (ensak.care.access) copies for her, found the same way for both."""
    person: Person
    own_folders: list[Path]         # submitted/<id>, autograded/<id>, feedback/<id> that exist
    inbound: list[Path]             # her submissions in the exchange
    cached: list[Path]              # copies in the submission cache of whoever runs this
    released_feedback: list[Path]   # feedback released to her in the exchange
    mails: list[Path]               # .eml files to her in outbox/
    sync_journal: Path              # SQLite files with rows per learner
    sent_log: Path
    extracts: list[Path]            # copies `ensak utdrag` made for her
    certificates: list[Path]        # her kursintyg from `ensak intyg`


def find_traces(course_dir: Path, course, config: Config, learner: str) -> Traces:
    """Every place in the course that holds something of `learner` (folders and files found, logs to look in)."""
    from ensak.outreach.certificates import CERTIFICATE_STEM
    from ensak.outreach.messages import OUTBOX_FOLDER, SENT_LOG_FILE
    from ensak.sync.journal import state_path

    person = find_person(course_dir, config, learner)
    settings = course_settings(config)
    exchange_course = settings.exchange_root / settings.course_id
    # The cache of whoever runs this (on a hub each learner's is in their own home, listed as manual work).
    cache_course = settings.cache / settings.course_id
    own_folders = [course_dir / name / learner for name in COURSE_FOLDERS]
    inbound = _learner_entries(exchange_course / "inbound", learner)
    cached = _learner_entries(cache_course, learner) if cache_course.is_dir() else []
    # Released feedback is found through the secrets of the learner's submissions.
    feedback = _feedback_files(exchange_course, _secrets([p for p in own_folders + inbound + cached if p.is_dir()]),
                               course.task_ids)
    outbox = course_dir / OUTBOX_FOLDER
    mails = _outbox_messages(outbox, learner, person.email) if outbox.is_dir() else []
    extracts = [Path(p) for p in glob.glob(os.path.join(glob.escape(str(course_dir / EXTRACTS_FOLDER)),
                                                        f"{glob.escape(learner)}-*"))]
    certificate = course_dir / CERTIFICATES_FOLDER / f"{CERTIFICATE_STEM}-{learner}.pdf"
    return Traces(person=person, own_folders=[p for p in own_folders if p.exists()], inbound=sorted(inbound),
                  cached=sorted(cached), released_feedback=sorted(feedback), mails=sorted(mails),
                  sync_journal=state_path(course_dir), sent_log=outbox / SENT_LOG_FILE, extracts=sorted(extracts),
                  certificates=[certificate] if certificate.is_file() else [])


def _erase(course_dir: Path, course, config: Config, learner: str, reports: Path | str | None) -> ForgetReport:
    traces = find_traces(course_dir, course, config, learner)
    person = traces.person
    report = ForgetReport(learner)
    settings = course_settings(config)

    if _remove_paths(traces.released_feedback):
        report.removed.append(f"{len(traces.released_feedback)} utlämnade återkopplingar i utbytesmappen")
    if _remove_paths(traces.inbound):
        report.removed.append(f"{len(traces.inbound)} inlämningar i utbytesmappen")
    if _remove_paths(traces.cached):
        report.removed.append(f"{len(traces.cached)} kopior i inlämningarnas cache")
    for folder in traces.own_folders:
        _remove_paths([folder])
        report.removed.append(f"mappen {folder.parent.name}/{learner}")

    report.removed += _remove_from_gradebook(config, learner)
    if _remove_rows(traces.sync_journal, learner):
        report.removed.append("rader i synkroniseringens logg")

    if _remove_paths(traces.mails):
        report.removed.append(f"{len(traces.mails)} meddelanden i outbox/")
    if _remove_rows(traces.sent_log, learner):
        report.removed.append("rader i loggen över skickade meddelanden")
    if _remove_paths(traces.extracts):
        report.removed.append(f"{len(traces.extracts)} registerutdrag i {EXTRACTS_FOLDER}/")
    if _remove_paths(traces.certificates):
        report.removed.append(f"kursintyget i {CERTIFICATES_FOLDER}/")

    if remove_learner(course_dir, learner):
        report.removed.append("raden i roster.csv")

    report.removed += _forget_in_blog(course_dir, person, settings.db_url)
    _vacuum(settings.db_url)

    reports = Path(reports) if reports is not None else course_dir / "reports"
    if reports.is_dir():
        named = [p for p in reports.rglob("*") if p.is_file() and names_person(p, person)]
        if _remove_paths(named):
            report.removed.append(f"{len(named)} rapporter med deltagarens namn i {reports.name}/")
        if any(p.is_file() for p in reports.rglob("*")):
            report.manual.append(f"Rapporterna som finns kvar i {reports} bygger på data från före borttagningen. "
                                 "Skriv nya med ensak report och ta bort de gamla.")
    return report
