"""The course roster: who takes part, with library/unit and role. Stored as roster.csv (personal data, git-ignored).

`import_roster` reads the list as HR or the library exports it (CSV in any of the encodings Excel
writes, or .xlsx; Swedish or English headings), checks every row, and merges it into roster.csv
and nbgrader's gradebook. A bad row is reported with its line number and never stops the good
ones. Learners missing from a new list are marked as having left, never deleted: their work stays.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ensak.atomic_files import write_atomically
from ensak.slugs import ascii_slug, strip_accents

ROSTER_FILE = "roster.csv"
COLUMNS = ["id", "first_name", "last_name", "email", "unit", "role"]
# Kept in roster.csv next to COLUMNS: when someone joined, and when they left (empty while active).
STATUS_COLUMNS = ["joined", "left"]
MANAGER_ROLE = "chef"

# An id must work as a Linux user name (JupyterHub's local users), an nbgrader student id and a
# folder name: lowercase ASCII, starting with a letter, at most 32 characters.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_ID_LENGTH = 32
RESERVED_IDS = {"root", "admin", "jovyan", "nobody", "daemon", "bin", "sys", "www-data", "postgres"}
# Practical, not RFC 5322: what a mail server will accept from an HR list.
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
# Deactivating more than this share of the active learners in one import looks like the wrong file.
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MINIMUM = 3
HEADER_SEARCH_ROWS = 20

# Headings HR systems and people write, normalised (lowercase, no accents, single spaces).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "anvandarnamn", "anvandar-id", "anvandarid", "anvandare", "username", "user name",
           "user", "userid", "user id", "login", "inloggning", "deltagar-id", "deltagarid", "kurs-id"),
    "first_name": ("fornamn", "tilltalsnamn", "first name", "firstname", "given name", "givenname", "forename"),
    "last_name": ("efternamn", "last name", "lastname", "surname", "family name", "familyname"),
    "name": ("namn", "name", "fullstandigt namn", "for- och efternamn", "full name", "fullname", "deltagare"),
    "email": ("e-post", "epost", "e-postadress", "epostadress", "e-mail", "email", "mail", "mejl",
              "mejladress", "mailadress", "email address", "e-mail address", "e-mailadress"),
    "unit": ("bibliotek", "enhet", "avdelning", "arbetsplats", "filial", "organisation", "library",
             "unit", "department", "branch", "workplace"),
    "role": ("roll", "befattning", "yrkestitel", "titel", "tjanst", "role", "title", "position", "job title"),
}


class RosterImportError(Exception):
    """The file cannot be imported at all. The message is Swedish and says what to do."""


@dataclass(frozen=True)
class RowProblem:
    """Something wrong with one row (line is None for the file as a whole)."""

    line: int | None
    message: str
    is_error: bool = True

    def __str__(self) -> str:
        where = f"Rad {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


@dataclass
class SourceRow:
    """One learner as the file gives it, with the line it came from."""

    line: int
    id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    unit: str = ""
    role: str = ""


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


# --- the roster file -------------------------------------------------------------------------


def roster_path(root: Path | str) -> Path:
    return Path(root) / ROSTER_FILE


def _read_stored(root: Path | str) -> pd.DataFrame:
    path = roster_path(root)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS + STATUS_COLUMNS).astype(str)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return frame.reindex(columns=COLUMNS + STATUS_COLUMNS, fill_value="")


def load_roster(root: Path | str, *, include_inactive: bool = False) -> pd.DataFrame:
    """The roster as a DataFrame with COLUMNS (empty if there is no roster yet).

    By default only active learners; with include_inactive=True everyone who ever took part,
    with STATUS_COLUMNS added (`left` is the date someone left, empty while active).
    """
    frame = _read_stored(root)
    if include_inactive:
        return frame.reset_index(drop=True)
    return frame.loc[frame["left"] == "", COLUMNS].reset_index(drop=True)


def is_manager(role: str) -> bool:
    """Managers (`chef` in the role, e.g. "Enhetschef") are shown apart in the analytics."""
    return MANAGER_ROLE in str(role).casefold()


def write_roster(root: Path | str, roster: pd.DataFrame, *, today: dt.date | None = None) -> Path:
    """Write the roster in the canonical column order.

    Learners already in roster.csv but not in `roster` are kept and marked as having left
    (today), never dropped: their submissions and grades still belong to someone.
    """
    today = today or dt.date.today()
    frame = roster.reindex(columns=COLUMNS + STATUS_COLUMNS, fill_value="").fillna("").astype(str)
    frame.loc[frame["joined"] == "", "joined"] = today.isoformat()
    stored = _read_stored(root)
    missing = stored.loc[~stored["id"].isin(frame["id"])].copy()
    missing.loc[missing["left"] == "", "left"] = today.isoformat()
    merged = pd.concat([frame, missing], ignore_index=True) if len(missing) else frame
    path = roster_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, merged.to_csv(index=False), newline="")
    return path


# --- reading what HR exports -----------------------------------------------------------------


def _normalise_header(text: str) -> str:
    text = strip_accents(str(text).replace("\ufeff", "").replace("\xa0", " ")).casefold()
    text = text.replace("_", " ").strip().rstrip(":*").strip()
    return re.sub(r"\s+", " ", text)


_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _map_header(cells: list[str]) -> dict[str, int] | None:
    """{field: column index} if `cells` looks like the heading row, else None."""
    mapping: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _ALIAS_TO_FIELD.get(_normalise_header(cell))
        if name is not None and name not in mapping:
            mapping[name] = index
    has_name = "name" in mapping or ("first_name" in mapping and "last_name" in mapping)
    return mapping if ("email" in mapping and has_name) else None


def derive_id(first_name: str, last_name: str) -> str:
    """The learner id made from a name: "Åsa Lindström-Öberg" -> "asa_lindstrom-oberg"."""
    first, last = ascii_slug(first_name), ascii_slug(last_name)
    base = "_".join(part for part in (first, last) if part)
    base = base.lstrip("0123456789-_")
    # Leave room for a number that tells two people with the same name apart.
    return base[: MAX_ID_LENGTH - 3].rstrip("-_")


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores employee numbers as floats: 1234.0 means "1234".
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value).replace("\xa0", " ").replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode text" export
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Swedish Windows saves "CSV (semikolonavgränsad)" as Windows-1252.
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (";", ",", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _csv_lines(path: Path) -> list[tuple[int, list[str]]]:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    end_of_previous = 0
    try:
        for cells in reader:
            # A quoted field can span lines; the record starts just after the previous one ended.
            rows.append((end_of_previous + 1, [_clean(c) for c in cells]))
            end_of_previous = reader.line_num
    except csv.Error as exc:
        raise RosterImportError(
            f"Filen {path.name} kan inte läsas som CSV efter rad {end_of_previous} ({exc}). "
            "Öppna den i Excel och spara den igen som CSV (UTF-8) eller .xlsx."
        ) from None
    return rows


def _excel_lines(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise RosterImportError(
            f"Filen {path.name} kan inte öppnas som Excel-fil ({type(exc).__name__}). "
            "Kontrollera att den är sparad som .xlsx, eller spara den som CSV."
        ) from None
    try:
        for sheet in book.worksheets:
            rows = [(number, [_clean(c) for c in cells])
                    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
            if any(_map_header(cells) for _, cells in rows[:HEADER_SEARCH_ROWS]):
                return rows
        return rows if book.worksheets else []
    finally:
        book.close()


def read_roster_file(path: Path | str) -> tuple[list[SourceRow], list[RowProblem]]:
    """The learners in an exported file, and what is wrong with it that is not about one learner."""
    path = Path(path)
    if not path.exists():
        raise RosterImportError(f"Filen {path} finns inte. Kontrollera namnet och var den ligger.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        lines = _excel_lines(path)
    elif suffix == ".xls":
        raise RosterImportError(
            f"{path.name} är i det gamla Excel-formatet (.xls). Öppna den i Excel och spara den som .xlsx eller CSV."
        )
    else:
        lines = _csv_lines(path)

    header_at = next((i for i, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]) if _map_header(cells)), None)
    if header_at is None:
        raise RosterImportError(
            f"Hittar ingen rubrikrad i {path.name}. Filen behöver kolumnrubriker, till exempel "
            "Förnamn, Efternamn, E-post, Bibliotek och Roll (eller Namn i stället för för- och efternamn)."
        )
    header_line, header_cells = lines[header_at]
    mapping = _map_header(header_cells)
    assert mapping is not None
    problems: list[RowProblem] = []
    ignored = [c for i, c in enumerate(header_cells) if c and i not in mapping.values()]
    if ignored:
        problems.append(RowProblem(header_line, "Kolumnerna " + ", ".join(ignored) + " används inte.", False))
    if "unit" not in mapping:
        problems.append(RowProblem(header_line, "Filen saknar en kolumn för bibliotek/enhet; "
                                   "analysen per enhet blir då tom.", False))

    def cell(cells: list[str], name: str) -> str:
        index = mapping.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    rows: list[SourceRow] = []
    for line, cells in lines[header_at + 1:]:
        if not any(cells):
            continue
        first, last = cell(cells, "first_name"), cell(cells, "last_name")
        if "first_name" not in mapping or "last_name" not in mapping:
            first, last = split_full_name(cell(cells, "name"))
        rows.append(SourceRow(line=line, id=cell(cells, "id"), first_name=first, last_name=last,
                              email=cell(cells, "email"), unit=cell(cells, "unit"), role=cell(cells, "role")))
    return rows, problems


def split_full_name(name: str) -> tuple[str, str]:
    """("Lindström, Anna-Karin" or "Anna-Karin Lindström") -> ("Anna-Karin", "Lindström")."""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), ""
    return " ".join(parts[:-1]), parts[-1]


def _tidy_name(name: str) -> str:
    # Some HR systems export names in capitals; "Hej ANNA-KARIN" in an invitation looks like shouting.
    return name.title() if name.isupper() and len(name) > 1 else name


# --- checking and merging --------------------------------------------------------------------


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


def _unique_id(base: str, taken: set[str]) -> str:
    if base not in taken and base not in RESERVED_IDS:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def plan_import(
    stored: pd.DataFrame,
    rows: list[SourceRow],
    *,
    today: dt.date,
    keep_missing: bool = False,
    allow_mass_removal: bool = False,
) -> tuple[pd.DataFrame, ImportReport]:
    """The roster after importing `rows` into `stored` (both with COLUMNS + STATUS_COLUMNS), and a report."""
    report = ImportReport()
    stored = stored.reindex(columns=COLUMNS + STATUS_COLUMNS, fill_value="").fillna("").astype(str)
    by_id = {r["id"]: dict(r) for r in stored.to_dict("records")}
    id_by_email = {r["email"].casefold(): r["id"] for r in by_id.values()}

    for row in rows:
        row.id = row.id.strip().lower()
        row.email = row.email.strip().removeprefix("mailto:").strip()
        row.first_name, row.last_name = _tidy_name(row.first_name), _tidy_name(row.last_name)

    good: list[SourceRow] = []
    # Learners that a bad row refers to are left exactly as they are, never marked as having left.
    protected: set[str] = set()

    def protect(row: SourceRow) -> None:
        if row.id in by_id:
            protected.add(row.id)
        if row.email.casefold() in id_by_email:
            protected.add(id_by_email[row.email.casefold()])

    for row in rows:
        problems = check_row(row)
        report.problems.extend(problems)
        if problems:
            protect(row)
        else:
            good.append(row)

    # The same person twice in one file: we cannot know which row is right, so neither is used.
    for attribute, label in (("email", "e-postadress"), ("id", "id")):
        groups: dict[str, list[SourceRow]] = {}
        for row in good:
            value = getattr(row, attribute).casefold()
            if value:
                groups.setdefault(value, []).append(row)
        duplicated = {id(r) for group in groups.values() if len(group) > 1 for r in group}
        for group in groups.values():
            if len(group) > 1:
                lines = ", ".join(str(r.line) for r in group)
                for r in group:
                    report.problems.append(RowProblem(
                        r.line, f"Samma {label} ({getattr(r, attribute)}) står på raderna {lines}. Ingen av dem "
                        "har importerats. Ta bort dubbletten eller rätta raden och importera igen."))
                    protect(r)
        good = [r for r in good if id(r) not in duplicated]

    # Ids: given ids and e-mail matches first, so derived ids never take an id someone already has.
    assigned: dict[int, str] = {}
    for row in good:
        known_id = id_by_email.get(row.email.casefold())
        if row.id:
            if known_id is not None and known_id != row.id:
                report.problems.append(RowProblem(
                    row.line, f"E-postadressen {row.email} tillhör redan {known_id} i deltagarlistan, men raden "
                    f"har id {row.id}. Är det samma person, använd id {known_id}; annars rätta e-postadressen."))
                protected.update({known_id, row.id} & set(by_id))
                continue
            assigned[id(row)] = row.id
        elif known_id is not None:
            assigned[id(row)] = known_id
    taken = set(by_id) | set(assigned.values())
    for row in good:
        if id(row) in assigned or row.id:
            continue
        new_id = _unique_id(derive_id(row.first_name, row.last_name), taken)
        taken.add(new_id)
        assigned[id(row)] = new_id

    # Two rows can still meet in one learner: a given id and another row with that learner's e-mail.
    rows_by_id: dict[str, list[SourceRow]] = {}
    for row in good:
        if id(row) in assigned:
            rows_by_id.setdefault(assigned[id(row)], []).append(row)
    for learner_id, group in rows_by_id.items():
        if len(group) > 1:
            lines = ", ".join(str(r.line) for r in group)
            for r in group:
                report.problems.append(RowProblem(
                    r.line, f"Raderna {lines} gäller alla {learner_id}. Ingen av dem har importerats. "
                    "Ta bort dubbletten eller rätta id/e-post och importera igen."))
                del assigned[id(r)]
            if learner_id in by_id:
                protected.add(learner_id)

    seen: set[str] = set()
    for row in good:
        learner_id = assigned.get(id(row))
        if learner_id is None:
            continue
        seen.add(learner_id)
        fields = {"id": learner_id, "first_name": row.first_name, "last_name": row.last_name,
                  "email": row.email.lower(), "unit": row.unit, "role": row.role}
        report.names[learner_id] = _full_name(row.first_name, row.last_name)
        if not row.unit:
            report.problems.append(RowProblem(row.line, f"{report.names[learner_id]} saknar bibliotek/enhet. "
                                              "Personen är importerad; fyll i enheten vid nästa import.", False))
        current = by_id.get(learner_id)
        if current is None:
            by_id[learner_id] = {**fields, "joined": today.isoformat(), "left": ""}
            report.added.append(learner_id)
            continue
        changes = [name for name in COLUMNS[1:] if current[name] != fields[name]]
        if current["left"]:
            current["left"] = ""
            report.reactivated.append(learner_id)
        if changes:
            report.updated[learner_id] = changes
        if not changes and learner_id not in report.reactivated:
            report.unchanged += 1
        current.update(fields)

    active = [i for i, r in by_id.items() if not r["left"] and i not in report.added]
    missing = [i for i in active if i not in seen and i not in protected]
    for learner_id in missing:
        report.names[learner_id] = _full_name(by_id[learner_id]["first_name"], by_id[learner_id]["last_name"])
    if missing and not keep_missing:
        mass = len(missing) >= MASS_REMOVAL_MINIMUM and len(missing) > MASS_REMOVAL_SHARE * len(active)
        if mass and not allow_mass_removal:
            report.held_back = missing
            report.problems.append(RowProblem(None, (
                f"{len(missing)} av {len(active)} aktiva deltagare finns inte i filen. Det ser ut som fel fil eller "
                "en lista över bara en del av personalen, så ingen har markerats som avslutad. Är det en del av "
                "listan: importera med --keep-missing. Har de verkligen slutat: importera med --allow-mass-removal.")))
        else:
            for learner_id in missing:
                by_id[learner_id]["left"] = today.isoformat()
                report.deactivated.append(learner_id)
        # Someone who seems to have left while a namesake arrived has probably changed e-mail address.
        added_names = {report.names[i].casefold(): i for i in report.added}
        for learner_id in report.deactivated:
            twin = added_names.get(report.names[learner_id].casefold())
            if twin:
                report.problems.append(RowProblem(None, (
                    f"{report.names[learner_id]} finns nu både som avslutad ({learner_id}) och som ny ({twin}). "
                    f"Har personen bytt e-postadress? Lägg då till en kolumn id och skriv {learner_id} på "
                    "personens rad, så behåller hen sina inlämningar."), False))

    new_frame = pd.DataFrame(list(by_id.values()), columns=COLUMNS + STATUS_COLUMNS)
    return new_frame, report


def write_roster_to_gradebook(root: Path | str, roster: pd.DataFrame) -> int:
    """Create or update every learner in nbgrader's gradebook; return how many were written.

    Learners who left stay in the gradebook with their grades; nobody is ever removed.
    """
    from nbgrader.api import Gradebook

    from ensak.nbgrader.api import load_config

    config = load_config(root)
    written = 0
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        existing = {s.id: (s.first_name or "", s.last_name or "", s.email or "") for s in gradebook.students}
        for learner in roster.to_dict("records"):
            wanted = (learner["first_name"], learner["last_name"], learner["email"])
            if existing.get(learner["id"]) != wanted:
                gradebook.update_or_create_student(learner["id"], first_name=wanted[0],
                                                   last_name=wanted[1], email=wanted[2])
                written += 1
    return written


def import_roster(
    root: Path | str,
    file: Path | str,
    *,
    today: dt.date | None = None,
    keep_missing: bool = False,
    allow_mass_removal: bool = False,
    dry_run: bool = False,
    gradebook: bool = True,
) -> ImportReport:
    """Merge an exported staff list into roster.csv and the gradebook, and say what changed.

    `keep_missing` treats the file as additions and changes only (nobody is marked as having
    left). A dry run changes nothing. Importing the same file twice changes nothing the second time.
    """
    today = today or dt.date.today()
    rows, file_problems = read_roster_file(file)
    if not rows:
        raise RosterImportError(f"{Path(file).name} har en rubrikrad men inga deltagare under den.")
    new_roster, report = plan_import(_read_stored(root), rows, today=today, keep_missing=keep_missing,
                                     allow_mass_removal=allow_mass_removal)
    report.problems[:0] = file_problems
    if dry_run:
        return report
    if report.changed or not roster_path(root).exists():
        write_atomically(roster_path(root), new_roster.to_csv(index=False), newline="")
        report.written = True
    if gradebook:
        write_roster_to_gradebook(root, new_roster)
    return report


def _listing(ids: list[str], names: dict[str, str], limit: int = 20) -> str:
    shown = [f"{names.get(i, i)} ({i})" for i in ids[:limit]]
    more = f" och {len(ids) - limit} till" if len(ids) > limit else ""
    return ", ".join(shown) + more


def format_report(report: ImportReport, *, dry_run: bool = False) -> str:
    """The import report in Swedish, for the coordinator."""
    lines = ["Provkörning: inget har ändrats. Så här skulle det bli:" if dry_run else "Import av deltagarlistan:"]
    if report.added:
        lines.append(f"  Nya: {len(report.added)} – {_listing(report.added, report.names)}")
    if report.reactivated:
        lines.append(f"  Tillbaka: {len(report.reactivated)} – {_listing(report.reactivated, report.names)}")
    if report.updated:
        labels = {"first_name": "förnamn", "last_name": "efternamn", "email": "e-post", "unit": "enhet", "role": "roll"}
        details = [f"{report.names.get(i, i)} ({', '.join(labels[c] for c in cols)})"
                   for i, cols in report.updated.items()]
        lines.append(f"  Ändrade: {len(details)} – " + ", ".join(details))
    if report.deactivated:
        lines.append(f"  Avslutade (finns inte i filen, deras arbete sparas): {len(report.deactivated)} – "
                     f"{_listing(report.deactivated, report.names)}")
    lines.append(f"  Oförändrade: {report.unchanged}")
    if not report.changed:
        lines.append("  Inga ändringar i deltagarlistan.")
    if report.errors:
        lines.append(f"{len(report.errors)} fel – de här raderna har inte importerats, övriga har det:")
        lines.extend(f"  {p}" for p in report.errors)
    if report.warnings:
        lines.append("Att känna till:")
        lines.extend(f"  {p}" for p in report.warnings)
    return "\n".join(lines)
