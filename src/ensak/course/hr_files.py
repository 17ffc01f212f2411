"""Reading a staff list as HR systems and Excel really export it, into rows for the roster.

CSV in any encoding Excel writes (UTF-8 with or without BOM, Windows-1252, UTF-16 "Unicode text") with
comma, semicolon or tab, or .xlsx (title rows above the headings skipped). Headings in Swedish or
English. What cannot be a learner's row (a summary line such as "Summa: 4 personer") is skipped with a
note. A file with personal identity numbers (personnummer) is refused as a whole: the course never
needs them. Checking each learner's row is `check_row`; merging into the roster is ensak.course.roster.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ensak.slugs import strip_accents

HEADER_SEARCH_ROWS = 20

# Headings HR systems and people write, normalised (lowercase, no accents, single spaces). Where a file
# has two columns for one field, the heading earlier in its list wins ("Enhet" over "Kostnadsställe").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "anvandarnamn", "anvandar-id", "anvandarid", "anvandare", "username", "user name",
           "user", "userid", "user id", "login", "inloggning", "deltagar-id", "deltagarid", "kurs-id"),
    "employee_number": ("anstallningsnummer", "anst.nr", "anst nr", "anstnr", "anst. nr", "anstallningsnr",
                        "personalnummer", "medarbetarnummer", "medarbetar-id", "medarbetarid", "employee number",
                        "employee id", "employeeid", "employee no", "staff number", "staff id", "hr-id", "hr id"),
    "first_name": ("tilltalsnamn", "fornamn", "first name", "firstname", "given name", "givenname", "forename"),
    "last_name": ("efternamn", "last name", "lastname", "surname", "family name", "familyname"),
    "name": ("namn", "name", "fullstandigt namn", "for- och efternamn", "full name", "fullname", "deltagare"),
    "email": ("e-post", "epost", "e-postadress", "epostadress", "e-mail", "email", "mail", "mejl",
              "mejladress", "mailadress", "email address", "e-mail address", "e-mailadress"),
    "unit": ("bibliotek", "enhet", "avdelning", "arbetsplats", "filial", "enhetsnamn", "avdelningsnamn",
             "arbetsstalle", "kostnadsstalle", "kostnadsstalle namn", "organisation", "library", "unit",
             "department", "branch", "workplace", "cost centre", "cost center"),
    "role": ("roll", "befattning", "yrkestitel", "titel", "tjanst", "role", "title", "position", "job title"),
}
# Headings of a personal identity number (personnummer, or the samordningsnummer of those without one).
PERSONAL_NUMBER_HEADINGS = ("personnummer", "personnr", "person nr", "person-nr", "pnr", "samordningsnummer",
                            "personal identity number", "personal number", "social security number", "ssn")
# YYMMDD-NNNN, YYMMDD+NNNN (over 100) or YYYYMMDDNNNN, with or without the hyphen.
PERSONAL_NUMBER = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})$")
# Lines HR reports end with that are about the list, not a person.
SUMMARY_WORDS = ("summa", "delsumma", "totalt", "total", "antal", "sum", "utskriven", "utskrivet", "rapport")
# Name particles that belong to the surname: "Anna Maria von Platen" is Anna Maria + von Platen.
SURNAME_PARTICLES = {"von", "van", "af", "av", "de", "der", "den", "du", "da", "di", "del", "della", "des", "la",
                     "le", "zu", "ter", "ten", "op"}


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
    employee_number: str = ""


@dataclass
class HrFile:
    """What a file holds: its learners' rows, notes about the file, and which fields it has columns for
    (a field it has no column for is kept as the roster has it, never emptied)."""

    rows: list[SourceRow]
    problems: list[RowProblem] = field(default_factory=list)
    fields: frozenset[str] = frozenset()


# --- cells and lines -------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    text = strip_accents(str(text).replace("\ufeff", "").replace("\xa0", " ")).casefold()
    text = text.replace("_", " ").strip().rstrip(":*").strip()
    return re.sub(r"\s+", " ", text)


_ALIAS_RANK = {alias: (name, rank) for name, aliases in HEADER_ALIASES.items() for rank, alias in enumerate(aliases)}


def map_header(cells: list[str]) -> dict[str, int] | None:
    """{field: column index} if `cells` looks like the heading row, else None."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        found = _ALIAS_RANK.get(normalise_header(cell))
        if found is not None:
            name, rank = found
            if name not in best or rank < best[name][0]:
                best[name] = (rank, index)
    mapping = {name: index for name, (_, index) in best.items()}
    has_name = "name" in mapping or ("first_name" in mapping and "last_name" in mapping)
    return mapping if ("email" in mapping and has_name) else None


def clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores employee numbers as floats: 1234.0 means "1234".
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value).replace("\xa0", " ").replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip()


def decode(data: bytes) -> str:
    """Text from the bytes Excel and HR systems write: UTF-16 with its BOM, UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode text" export
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Swedish Windows saves "CSV (semikolonavgränsad)" as Windows-1252.
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (";", ",", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _csv_lines(path: Path) -> list[tuple[int, list[str]]]:
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    end_of_previous = 0
    try:
        for cells in reader:
            # A quoted field can span lines; the record starts just after the previous one ended.
            rows.append((end_of_previous + 1, [clean(c) for c in cells]))
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
        rows: list[tuple[int, list[str]]] = []
        for sheet in book.worksheets:
            rows = [(number, [clean(c) for c in cells])
                    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
            if any(map_header(cells) for _, cells in rows[:HEADER_SEARCH_ROWS]):
                return rows
        return rows
    finally:
        book.close()


# --- names, summary lines and personal numbers ------------------------------------------------


def split_full_name(name: str) -> tuple[str, str]:
    """One name column into (first, last): "Lindström, Anna-Karin" and "Anna-Karin Lindström" both give
    ("Anna-Karin", "Lindström"); a particle goes with the surname: "Anna Maria von Platen" gives
    ("Anna Maria", "von Platen")."""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), ""
    start = len(parts) - 1
    # Never the first word: "Van Morrison" is a first name and a surname.
    while start > 1 and parts[start - 1].casefold() in SURNAME_PARTICLES:
        start -= 1
    return " ".join(parts[:start]), " ".join(parts[start:])


def tidy_name(name: str) -> str:
    # Some HR systems export names in capitals; "Hej ANNA-KARIN" in an invitation looks like shouting.
    return name.title() if name.isupper() and len(name) > 1 else name


def _summary_text(cells: list[str]) -> str | None:
    """The text of a summary line ("Summa: 4 personer", "Totalt 12"), or None for a person's row."""
    filled = [c for c in cells if c]
    if not filled or any("@" in c for c in filled):
        return None
    first = normalise_header(filled[0])
    word = re.split(r"[\s:;,.=]", first, maxsplit=1)[0]
    return " ".join(filled) if word in SUMMARY_WORDS else None


def is_personal_number(text: str) -> bool:
    """Whether `text` is a Swedish personnummer or samordningsnummer: a date (day + 60 for a
    samordningsnummer) and a Luhn check digit."""
    match = PERSONAL_NUMBER.match(text.strip())
    if not match:
        return False
    _, yy, mm, dd, _, last4 = match.groups()
    day = int(dd) - 60 if int(dd) > 60 else int(dd)
    if not (1 <= int(mm) <= 12 and 1 <= day <= 31):
        return False
    digits = [int(d) for d in yy + mm + dd + last4]
    total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d for i, d in enumerate(digits))
    return total % 10 == 0


def _refuse_personal_numbers(path: Path, header: list[str], mapping: dict[str, int],
                             lines: list[tuple[int, list[str]]]) -> None:
    named = [c for c in header if normalise_header(c) in PERSONAL_NUMBER_HEADINGS]
    suspects = {mapping[f] for f in ("id", "employee_number") if f in mapping}
    found = None
    for line, cells in lines:
        for index, cell in enumerate(cells):
            # In an id column any form counts; elsewhere only the hyphenated one (not a phone number).
            if cell and is_personal_number(cell) and (index in suspects or "-" in cell or "+" in cell):
                found = (line, header[index] if index < len(header) and header[index] else f"kolumn {index + 1}")
                break
        if found:
            break
    if not named and not found:
        return
    where = f"kolumnen {named[0]}" if named else f"kolumnen {found[1]}, rad {found[0]}"
    raise RosterImportError(
        f"Filen {path.name} innehåller personnummer ({where}). Kursen behöver inga personnummer, och enligt "
        "dataskyddsförordningen (GDPR) får uppgifter som inte behövs inte behandlas. Ta bort kolumnen ur filen, "
        "eller be HR om en lista utan personnummer, och importera igen. Vill du känna igen personer som byter "
        "namn kan listan ha ett anställningsnummer. Inget har sparats; radera gärna filen med personnumren.")


# --- the whole file ----------------------------------------------------------------------------


def read_roster_file(path: Path | str) -> HrFile:
    """The learners in an exported file, notes about the file, and the fields it has columns for."""
    path = Path(path)
    if not path.is_file():
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

    header_at = next((i for i, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]) if map_header(cells)), None)
    if header_at is None:
        raise RosterImportError(
            f"Hittar ingen rubrikrad i {path.name}. Filen behöver kolumnrubriker, till exempel "
            "Förnamn, Efternamn, E-post, Bibliotek och Roll (eller Namn i stället för för- och efternamn)."
        )
    header_line, header = lines[header_at]
    mapping = map_header(header)
    assert mapping is not None
    body = lines[header_at + 1:]
    _refuse_personal_numbers(path, header, mapping, body)
    problems: list[RowProblem] = []

    def cell(cells: list[str], name: str) -> str:
        index = mapping.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    # A merged "Namn" heading over two columns (Excel leaves the second heading empty): first and last name.
    name_pair = None
    if "name" in mapping and not {"first_name", "last_name"} <= set(mapping):
        second = mapping["name"] + 1
        if second < len(header) and not header[second] and second not in mapping.values():
            name_pair = second
    # HR's own number in a column called "id" links people across name changes; it is not a user name.
    if "id" in mapping and "employee_number" not in mapping:
        ids = [cell(cells, "id") for _, cells in body if cell(cells, "id")]
        if ids and all(i.isdigit() for i in ids):
            mapping["employee_number"] = mapping.pop("id")
            problems.append(RowProblem(header_line, f"Kolumnen {header[mapping['employee_number']]} innehåller "
                                       "bara siffror och används som anställningsnummer (så känns personer igen "
                                       "när de byter namn); deltagarnas id görs av namnen.", False))
    used = set(mapping.values()) | ({name_pair} if name_pair is not None else set())
    ignored = [c for i, c in enumerate(header) if c and i not in used]
    if ignored:
        problems.append(RowProblem(header_line, "Kolumnerna " + ", ".join(ignored) + " används inte.", False))
    if "unit" not in mapping:
        problems.append(RowProblem(header_line, "Filen saknar en kolumn för bibliotek/enhet; deltagare som "
                                   "redan finns behåller sin enhet, nya får ingen.", False))

    rows: list[SourceRow] = []
    for line, cells in body:
        if not any(cells):
            continue
        summary = _summary_text(cells)
        if summary is not None:
            problems.append(RowProblem(line, f"”{summary}” ser ut som en summeringsrad och hoppades över.", False))
            continue
        first, last = cell(cells, "first_name"), cell(cells, "last_name")
        if "first_name" not in mapping or "last_name" not in mapping:
            whole = cell(cells, "name")
            second = cells[name_pair] if name_pair is not None and name_pair < len(cells) else ""
            first, last = (whole, second) if second else split_full_name(whole)
        rows.append(SourceRow(line=line, id=cell(cells, "id"), first_name=first, last_name=last,
                              email=cell(cells, "email"), unit=cell(cells, "unit"), role=cell(cells, "role"),
                              employee_number=cell(cells, "employee_number")))
    fields = {"first_name", "last_name", "email"} | {f for f in ("id", "unit", "role", "employee_number")
                                                     if f in mapping}
    return HrFile(rows, problems, frozenset(fields))
