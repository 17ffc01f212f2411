"""The course roster: who takes part, since when, with library/unit and role. Stored as roster.csv
(personal data, git-ignored) in the course directory.

roster.csv keeps history: when someone joined, left and came back. Nobody is ever deleted by an import
(only `ensak forget` erases a person): their work stays theirs. Each learner gets a pseudonym
("Deltagare 07") once, stored with them and never renumbered. `active_learners` is who takes part on a
given day; `pseudonyms` is what reports show instead of names.

`import_roster` merges a staff list (read by ensak.course.hr_files) into roster.csv and nbgrader's
gradebook. Rows are matched to learners by id, HR's employee number or e-mail address, so a person who
changes name and address keeps her id and work when the file has an employee number, or when the
coordinator links the two ids (`link_learners`). A bad row is reported and changes nobody.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from ensak.atomic_files import write_atomically
from ensak.course.hr_files import (  # noqa: F401  (RosterImportError, split_full_name: part of this module's API)
    RosterImportError,
    RowProblem,
    SourceRow,
    decode,
    read_roster_file,
    sniff_delimiter,
    split_full_name,
)
from ensak.outreach.messages import sent_log
from ensak.slugs import ascii_slug

ROSTER_FILE = "roster.csv"
COLUMNS = ["id", "first_name", "last_name", "email", "unit", "role"]
# History: the first day someone took part, the day they left (empty while active), the day they last came back.
STATUS_COLUMNS = ["joined", "left", "returned"]
# HR's employee number, if the staff list has one: how a person is recognised after a change of name.
STORED_COLUMNS = [*COLUMNS, *STATUS_COLUMNS, "pseudonym", "employee_number"]
MANAGER_ROLE = "chef"
PSEUDONYM_PREFIX = "Deltagare"

# An id must work as a Linux user name (JupyterHub's local users), an nbgrader student id and a
# folder name: lowercase ASCII, starting with a letter, at most 32 characters.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_ID_LENGTH = 32
RESERVED_IDS = {"root", "admin", "jovyan", "nobody", "daemon", "bin", "sys", "www-data", "postgres"}
# Practical, not RFC 5322: what a mail server will accept from an HR list.
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


# --- the roster file -------------------------------------------------------------------------


def roster_path(root: Path | str) -> Path:
    return Path(root) / ROSTER_FILE


def read_stored(root: Path | str) -> pd.DataFrame:
    """roster.csv as stored, with every STORED_COLUMNS column (older files lack some: they read as empty,
    except pseudonyms, which a file from before they were stored gets as reports then showed them)."""
    path = roster_path(root)
    if not path.exists():
        return pd.DataFrame(columns=STORED_COLUMNS, dtype=str)
    # Opened and saved again in Excel it may come back as Windows-1252 with semicolons: still read it.
    text = decode(path.read_bytes())
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sniff_delimiter(text))
    frame = frame.reindex(columns=STORED_COLUMNS, fill_value="").fillna("").astype(str)
    frame["pseudonym"] = frame["id"].map(_with_pseudonyms(frame))
    return frame


def _number(pseudonym: str) -> int | None:
    match = re.fullmatch(rf"{PSEUDONYM_PREFIX} (\d+)", pseudonym.strip())
    return int(match.group(1)) if match else None


def _with_pseudonyms(frame: pd.DataFrame, also: Iterable[str] = ()) -> dict[str, str]:
    """{id: pseudonym} for the roster and the ids `also`: stored ones as they are; the others get the
    next free numbers in the order of their ids (which is what reports showed before they were stored)."""
    mapping = {i: p for i, p in zip(frame["id"], frame["pseudonym"]) if p}
    numbers = [n for n in map(_number, mapping.values()) if n is not None]
    missing = sorted({*frame["id"], *map(str, also)} - set(mapping) - {""})
    highest = max(numbers, default=0) + len(missing)
    width = max(2, len(str(highest)))
    for offset, learner in enumerate(missing, start=1):
        mapping[learner] = f"{PSEUDONYM_PREFIX} {max(numbers, default=0) + offset:0{width}d}"
    return mapping


def _publish_for_blog(root: Path | str, frame: pd.DataFrame) -> int | None:
    """Kursbloggen's copy of the roster in the course's database, when the blog lives in a server database
    (ensak.outreach.kursbloggen.members.publish_course_roster)."""
    # Imported here: the blog's modules bring tornado and SQLAlchemy, which only writing the roster needs.
    from ensak.outreach.kursbloggen.members import publish_course_roster as publish

    return publish(root, frame)


def store(root: Path | str, frame: pd.DataFrame) -> Path:
    """Write the roster (STORED_COLUMNS), giving a pseudonym to whoever has none yet (the newcomers:
    everyone read from roster.csv has one already)."""
    frame = frame.reindex(columns=STORED_COLUMNS, fill_value="").fillna("").astype(str).reset_index(drop=True)
    frame["pseudonym"] = frame["id"].map(_with_pseudonyms(frame))
    # Kursbloggen on Kubernetes cannot read this file (it is on the coordinator's volume): it reads the copy in
    # the course's database. Published first, so that a database out of reach leaves both as they were.
    _publish_for_blog(root, frame)
    return write_atomically(roster_path(root), frame.to_csv(index=False), newline="")


def load_roster(root: Path | str, *, include_inactive: bool = False) -> pd.DataFrame:
    """The roster as a DataFrame with COLUMNS (empty if there is no roster yet).

    By default only those active today; with include_inactive=True everyone who ever took part, with
    every stored column (`left` is the day someone left, empty while active).
    """
    frame = read_stored(root)
    if include_inactive:
        return frame.reset_index(drop=True)
    return frame.loc[frame["left"] == "", COLUMNS].reset_index(drop=True)


def active_learners(root: Path | str, on: dt.date | None = None) -> pd.DataFrame:
    """Who takes part on the day `on` (default today): COLUMNS + joined, active_since, pseudonym.

    `active_since` is the day someone joined, or came back after leaving: count from then, not from the
    course's start. Leavers are not here; `load_roster(include_inactive=True)` has everyone.
    A returner counts from the day they came back (roster.csv keeps only the last return).
    """
    day = (on or dt.date.today()).isoformat()
    frame = read_stored(root)
    frame["active_since"] = frame["returned"].where(frame["returned"] != "", frame["joined"])
    taking_part = ((frame["active_since"] <= day) | (frame["active_since"] == "")) & (
        (frame["left"] == "") | (frame["left"] > day))
    return frame.loc[taking_part, [*COLUMNS, "joined", "active_since", "pseudonym"]].reset_index(drop=True)


def pseudonyms(root: Path | str, also: Iterable[str] = ()) -> dict[str, str]:
    """{learner id: "Deltagare 07"} for everyone in the roster (leavers too), as stored: a number is
    given once and never changes when others join, leave or are erased. Ids in `also` that the roster
    does not know (a learner only in the gradebook) get numbers after the roster's."""
    return _with_pseudonyms(read_stored(root), also)


def is_manager(role: str) -> bool:
    """Managers (`chef` in the role, e.g. "Enhetschef") are shown apart in the analytics."""
    return MANAGER_ROLE in str(role).casefold()


def write_roster(root: Path | str, roster: pd.DataFrame, *, today: dt.date | None = None) -> Path:
    """Write `roster` (at least COLUMNS) as the whole roster.

    Learners already in roster.csv but not in `roster` are kept and marked as having left (today),
    never dropped: their submissions and grades still belong to someone.
    """
    today = today or dt.date.today()
    stored = read_stored(root)
    frame = roster.reindex(columns=STORED_COLUMNS, fill_value="").fillna("").astype(str)
    known = stored.set_index("id")
    for column in ("joined", "pseudonym", "employee_number"):
        # What the caller does not say is kept from roster.csv.
        kept = frame["id"].map(known[column]) if len(known) else pd.Series("", index=frame.index)
        frame[column] = frame[column].where(frame[column] != "", kept.fillna(""))
    frame.loc[frame["joined"] == "", "joined"] = today.isoformat()
    missing = stored.loc[~stored["id"].isin(frame["id"])].copy()
    missing.loc[missing["left"] == "", "left"] = today.isoformat()
    return store(root, pd.concat([frame, missing], ignore_index=True) if len(missing) else frame)


def remove_learner(root: Path | str, learner: str) -> bool:
    """Erase the learner's row for good (for `ensak forget`; an import only ever marks people as left).
    Everyone else keeps their pseudonym."""
    stored = read_stored(root)
    if learner not in set(stored["id"]):
        return False
    store(root, stored.loc[stored["id"] != learner])
    return True


def derive_id(first_name: str, last_name: str) -> str:
    """The learner id made from a name: "Åsa Lindström-Öberg" -> "asa_lindstrom-oberg"."""
    first, last = ascii_slug(first_name), ascii_slug(last_name)
    base = "_".join(part for part in (first, last) if part)
    base = base.lstrip("0123456789-_")
    # Leave room for a number that tells two people with the same name apart.
    return base[: MAX_ID_LENGTH - 3].rstrip("-_")


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


# --- checking one row --------------------------------------------------------------------------


def check_row(row: SourceRow) -> list[RowProblem]:
    """What is wrong with one learner's row, each with what to do about it."""
    problems = []
    missing = [label for label, value in (("förnamn", row.first_name), ("efternamn", row.last_name),
                                          ("e-post", row.email)) if not value]
    if missing:
        problems.append(RowProblem(row.line, f"{' och '.join(missing).capitalize()} saknas. "
                                   "Fyll i det i filen och importera igen."))
    for label, value in (("Förnamnet", row.first_name), ("Efternamnet", row.last_name)):
        if "@" in value:
            problems.append(RowProblem(row.line, f"{label} {value!r} ser ut som en e-postadress. "
                                       "Har kolumnerna hamnat fel? Kontrollera rubrikraden."))
    if row.email and not EMAIL_PATTERN.match(row.email):
        hint = ("Adressen innehåller å, ä eller ö, som de flesta e-postservrar inte tar emot. "
                if re.search(r"[^\x00-\x7f]", row.email) else "")
        problems.append(RowProblem(row.line, f"E-postadressen {row.email!r} är inte giltig. {hint}"
                                   "Rätta den i filen och importera igen."))
    if row.id and not ID_PATTERN.match(row.id):
        problems.append(RowProblem(row.line, f"Id {row.id!r} går inte att använda. Ett id får bara innehålla "
                                   "a–z, siffror, - och _, ska börja med en bokstav och vara högst 32 tecken. "
                                   "Rätta det, eller töm fältet så skapas ett id av namnet."))
    elif row.id in RESERVED_IDS:
        problems.append(RowProblem(row.line, f"Id {row.id!r} är reserverat av systemet. Välj ett annat id."))
    if not row.id and not problems and not derive_id(row.first_name, row.last_name):
        problems.append(RowProblem(row.line, f"Av namnet {row.first_name} {row.last_name} går det inte att göra "
                                   "ett id med a–z. Lägg till en kolumn id med ett id för den här personen."))
    return problems


# --- importing a staff list --------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    reactivated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    written: bool = False

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[RowProblem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.reactivated or self.deactivated)


def import_roster(
    root: Path | str,
    file: Path | str,
    *,
    today: dt.date | None = None,
    keep_missing: bool = False,
    allow_mass_removal: bool = False,
    dry_run: bool = False,
    gradebook: bool = True,
    wait_s: float = 0,
    on_wait=None,
) -> ImportReport:
    """Merge an exported staff list into roster.csv and the gradebook, and say what changed.

    Nothing is written unless `root` is a course directory and the file can be read; a file with
    personal identity numbers is refused whole. `keep_missing` treats the file as additions and changes
    only (nobody is marked as having left). A dry run changes nothing. Importing the same file twice
    changes nothing the second time. Holds the course lock (waiting up to `wait_s` seconds for it).
    """
    from ensak.course.lock import course_lock
    from ensak.course.roster_merge import plan_import
    from ensak.nbgrader.api import NotACourseError, course_settings, ensure_gradebook, load_config

    today = today or dt.date.today()
    try:
        config = load_config(root)  # first: personal data is never written outside a course directory
    except NotACourseError as exc:
        raise RosterImportError(str(exc)) from None
    hr = read_roster_file(file)
    if not hr.rows:
        raise RosterImportError(f"{Path(file).name} har en rubrikrad men inga deltagare under den.")
    if dry_run:
        return plan_import(read_stored(root), hr, today=today, keep_missing=keep_missing,
                           allow_mass_removal=allow_mass_removal)[1]
    with course_lock(root, "roster import", wait_s=wait_s, on_wait=on_wait):
        new_roster, report = plan_import(read_stored(root), hr, today=today, keep_missing=keep_missing,
                                         allow_mass_removal=allow_mass_removal)
        if gradebook:
            # Before roster.csv: if the gradebook cannot be made, nothing at all is written.
            ensure_gradebook(course_settings(config).db_url)
        if report.changed or not roster_path(root).exists():
            store(root, new_roster)
            report.written = True
        elif gradebook:
            # Unchanged, but the course database is brought up to date all the same, like the gradebook below:
            # Kursbloggen's copy of the roster may be missing, e.g. in a course that began before the blog
            # read it from there.
            _publish_for_blog(root, new_roster)
        if gradebook:
            write_roster_to_gradebook(root, new_roster, config=config)
    return report


def write_roster_to_gradebook(root: Path | str, roster: pd.DataFrame, *, config=None) -> int:
    """Create or update every learner in nbgrader's gradebook; return how many were written.

    Learners who left stay in the gradebook with their grades; nobody is ever removed.
    """
    from ensak.nbgrader.api import load_config, nbgrader_gradebook

    written = 0
    with nbgrader_gradebook(config if config is not None else load_config(root)) as gradebook:
        existing = {s.id: (s.first_name or "", s.last_name or "", s.email or "") for s in gradebook.students}
        for learner in roster.to_dict("records"):
            wanted = (learner["first_name"], learner["last_name"], learner["email"])
            if existing.get(learner["id"]) != wanted:
                gradebook.update_or_create_student(learner["id"], first_name=wanted[0],
                                                   last_name=wanted[1], email=wanted[2])
                written += 1
    return written


def _listing(ids: list[str], names: dict[str, str], limit: int = 20) -> str:
    shown = [f"{names.get(i, i)} ({i})" for i in ids[:limit]]
    more = f" och {len(ids) - limit} till" if len(ids) > limit else ""
    return ", ".join(shown) + more


FIELD_LABELS = {"first_name": "förnamn", "last_name": "efternamn", "email": "e-post", "unit": "enhet",
                "role": "roll", "employee_number": "anställningsnummer"}


def format_report(report: ImportReport, *, dry_run: bool = False) -> str:
    """The import report in Swedish, for the coordinator."""
    lines = ["Provkörning: inget har ändrats. Så här skulle det bli:" if dry_run else "Import av deltagarlistan:"]
    if report.added:
        lines.append(f"  Nya: {len(report.added)} – {_listing(report.added, report.names)}")
    if report.reactivated:
        lines.append(f"  Tillbaka: {len(report.reactivated)} – {_listing(report.reactivated, report.names)}")
    if report.updated:
        details = [f"{report.names.get(i, i)} ({', '.join(FIELD_LABELS[c] for c in cols)})"
                   for i, cols in report.updated.items()]
        lines.append(f"  Ändrade: {len(details)} – " + ", ".join(details))
    if report.deactivated:
        lines.append(f"  Avslutade (finns inte i filen, deras arbete sparas): {len(report.deactivated)} – "
                     f"{_listing(report.deactivated, report.names)}")
    lines.append(f"  Oförändrade: {report.unchanged}")
    if not report.changed:
        lines.append("  Inga ändringar i deltagarlistan.")
    if report.errors:
        others = report.changed or report.unchanged
        if dry_run:
            said = "skulle inte importeras" + (", övriga skulle det" if others else "")
        else:
            said = "har inte importerats" + (", övriga har det" if others else "")
        lines.append(f"{len(report.errors)} fel – de här raderna {said}:")
        lines.extend(f"  {p}" for p in report.errors)
    if report.warnings:
        lines.append("Att känna till:")
        lines.extend(f"  {p}" for p in report.warnings)
    return "\n".join(lines)


# --- linking a person's two ids ----------------------------------------------------------------


class LinkError(Exception):
    """Two ids cannot be linked as asked. The message is Swedish and says what to do."""


def link_learners(root: Path | str, old_id: str, new_id: str, *, wait_s: float = 0, on_wait=None) -> str:
    """`new_id` is the same person as `old_id` (a new name and address, e.g. after marrying): she keeps
    `old_id`, her work and pseudonym, with the names, address, unit and role of `new_id`; `new_id` goes.
    Returns what was done, in Swedish."""
    from ensak.course.lock import course_lock
    from ensak.nbgrader.api import load_config, nbgrader_gradebook

    config = load_config(root)
    with course_lock(root, "roster link", wait_s=wait_s, on_wait=on_wait):
        stored = read_stored(root)
        rows = {r["id"]: r for r in stored.to_dict("records")}
        for learner in (old_id, new_id):
            if learner not in rows:
                raise LinkError(f"{learner} finns inte i deltagarlistan (roster.csv). Ange id:n som de står där, "
                                "det gamla först: ensak roster link GAMMALT-ID NYTT-ID.")
        if old_id == new_id:
            raise LinkError("Ange två olika id: det gamla först, sedan det nya.")
        with nbgrader_gradebook(config) as gradebook:
            work = [s for s in gradebook.students if s.id == new_id and s.submissions]
            if work:
                raise LinkError(f"{new_id} har redan lämnat in uppgifter under det nya id:t, så de två kan inte slås "
                                f"ihop. Behåll båda, eller be den som sköter kursen flytta inlämningarna. Inget "
                                "har ändrats.")
            old, new = rows[old_id], rows[new_id]
            for column in ("first_name", "last_name", "email", "unit", "role", "employee_number"):
                old[column] = new[column] or old[column]
            # Marked as left only because the list named her anew: she never left.
            if old["left"] and old["left"] >= new["joined"]:
                old["left"] = ""
            elif old["left"]:
                old["left"], old["returned"] = "", new["joined"]
            kept = pd.DataFrame([r for i, r in rows.items() if i != new_id], columns=STORED_COLUMNS)
            store(root, kept)
            gradebook.update_or_create_student(old_id, first_name=old["first_name"], last_name=old["last_name"],
                                               email=old["email"])
            if any(s.id == new_id for s in gradebook.students):
                gradebook.remove_student(new_id)
        # Messages that reached her under the new id are hers: an invitation is not sent to her twice.
        sent_log.hand_over(root, new_id, old_id)
    return (f"{full_name(old['first_name'], old['last_name'])} är nu {old_id} med sina inlämningar; {new_id} är "
            f"borttaget. Har ett konto {new_id} hunnit skapas på kursens server kan det tas bort.")
