"""Merging a staff list into the roster: who is new, who changed, who left and who came back.

A row is matched to a learner by a given id, then HR's employee number, then the e-mail address. A row
that is wrong in any way (a blank or invalid address, the same address twice) changes nobody: the
learner it may belong to is left exactly as they are and never marked as having left. Fields the file
has no column for, and cells left empty, never empty what the roster already knows.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ensak.course.hr_files import HrFile, RowProblem, SourceRow, tidy_name
from ensak.course.roster import (
    STORED_COLUMNS,
    ImportReport,
    check_row,
    derive_id,
    full_name,
)

# Deactivating more than this share of the active learners in one import looks like the wrong file.
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MINIMUM = 3
# The fields a staff list can change for a learner already in the roster.
UPDATABLE = ("first_name", "last_name", "email", "unit", "role", "employee_number")


def _unique_id(base: str, taken: set[str]) -> str:
    from ensak.course.roster import RESERVED_IDS

    if base not in taken and base not in RESERVED_IDS:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


class _Known:
    """The stored learners, looked up the ways a row can name one."""

    def __init__(self, by_id: dict[str, dict]):
        self.by_id = by_id
        self.by_email = {r["email"].casefold(): i for i, r in by_id.items() if r["email"]}
        self.by_number = {r["employee_number"]: i for i, r in by_id.items() if r["employee_number"]}
        self.by_name: dict[str, set[str]] = {}
        for i, r in by_id.items():
            self.by_name.setdefault(full_name(r["first_name"], r["last_name"]).casefold(), set()).add(i)

    def matching(self, row: SourceRow) -> set[str]:
        """Every stored learner the row could be about, by any of its fields."""
        found = {row.id} & set(self.by_id)
        found |= {self.by_email[row.email.casefold()]} if row.email.casefold() in self.by_email else set()
        found |= {self.by_number[row.employee_number]} if row.employee_number in self.by_number else set()
        return found | self.by_name.get(full_name(row.first_name, row.last_name).casefold(), set())


def _reject_duplicates(good: list[SourceRow], report: ImportReport, protect) -> list[SourceRow]:
    """The same person twice in one file: nobody can know which row is right, so neither is used."""
    for attribute, label in (("email", "e-postadress"), ("id", "id"), ("employee_number", "anställningsnummer")):
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
    return good


def _conflict(row: SourceRow, claims: list[tuple[str, str]], known: _Known) -> str:
    """Why a row that points at two learners is not imported, and what to do (Swedish)."""
    (first_what, first), (second_what, second) = claims[0], next(c for c in claims if c[1] != claims[0][1])
    if first_what == "id" and second_what == "e-postadress":
        text = (f"E-postadressen {row.email} tillhör redan {second} i deltagarlistan, men raden har id {first}. "
                f"Är det samma person, använd id {second}; annars rätta e-postadressen.")
    else:
        text = (f"Raden pekar ut två deltagare: {first_what} ger {first}, {second_what} ger {second}. Rätta raden "
                "eller kontrollera med HR.")
    if first in known.by_id and second in known.by_id:
        # The id or HR's number is what the coordinator or HR keeps: that one is the person's old id.
        text += (f" Har {first} bytt namn eller adress och lagts till på nytt som {second}: koppla ihop dem med "
                 f"ensak roster link {first} {second}, så behåller hen sina inlämningar.")
    return text


def _assign_ids(good: list[SourceRow], known: _Known, report: ImportReport, protected: set[str]) -> dict[int, str]:
    """{id(row): learner id}: given ids, employee numbers and addresses first, so that an id made from a
    name never takes one somebody already has."""
    assigned: dict[int, str] = {}
    rejected: set[int] = set()
    for row in good:
        by_number = known.by_number.get(row.employee_number) if row.employee_number else None
        by_email = known.by_email.get(row.email.casefold())
        claims = [(what, learner) for what, learner in (("id", row.id), ("anställningsnummer", by_number),
                                                         ("e-postadress", by_email)) if learner]
        owners = {learner for _, learner in claims}
        if len(owners) > 1:
            report.problems.append(RowProblem(row.line, _conflict(row, claims, known)))
            protected.update(owners & set(known.by_id))
            rejected.add(id(row))
            continue
        if owners:
            learner = owners.pop()
            stored_number = known.by_id.get(learner, {}).get("employee_number", "")
            if row.employee_number and stored_number and stored_number != row.employee_number:
                report.problems.append(RowProblem(row.line, (
                    f"{learner} har anställningsnummer {stored_number} i deltagarlistan men {row.employee_number} "
                    "på raden. Rätta raden eller kontrollera med HR.")))
                protected.add(learner)
                rejected.add(id(row))
                continue
            assigned[id(row)] = learner
    taken = set(known.by_id) | set(assigned.values())
    for row in good:
        if id(row) in assigned or id(row) in rejected:
            continue
        new_id = _unique_id(derive_id(row.first_name, row.last_name), taken)
        taken.add(new_id)
        assigned[id(row)] = new_id

    # Two rows can still meet in one learner: a given id and another row with that learner's address.
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
            if learner_id in known.by_id:
                protected.add(learner_id)
    return assigned


def plan_import(stored: pd.DataFrame, hr: HrFile, *, today: dt.date, keep_missing: bool = False,
                allow_mass_removal: bool = False) -> tuple[pd.DataFrame, ImportReport]:
    """The roster after importing the file `hr` into `stored` (STORED_COLUMNS), and a report."""
    report = ImportReport()
    report.problems.extend(hr.problems)
    stored = stored.reindex(columns=STORED_COLUMNS, fill_value="").fillna("").astype(str)
    known = _Known({r["id"]: dict(r) for r in stored.to_dict("records")})
    rows = hr.rows
    for row in rows:
        row.id = row.id.strip().lower()
        row.email = row.email.strip().removeprefix("mailto:").strip()
        # "00123" in a CSV is 123 in Excel: the same employee.
        row.employee_number = row.employee_number.strip()
        if row.employee_number.isdigit():
            row.employee_number = row.employee_number.lstrip("0") or "0"
        row.first_name, row.last_name = tidy_name(row.first_name), tidy_name(row.last_name)

    # Learners a bad row may be about are left exactly as they are, never marked as having left.
    protected: set[str] = set()
    unplaced: list[int] = []   # bad rows that match nobody: they might still be somebody

    def protect(row: SourceRow) -> None:
        found = known.matching(row)
        protected.update(found)
        if not found:
            unplaced.append(row.line)

    good: list[SourceRow] = []
    for row in rows:
        problems = check_row(row)
        report.problems.extend(problems)
        if problems:
            protect(row)
        else:
            good.append(row)
    good = _reject_duplicates(good, report, protect)
    assigned = _assign_ids(good, known, report, protected)

    seen: set[str] = set()
    by_id = known.by_id
    for row in good:
        learner_id = assigned.get(id(row))
        if learner_id is None:
            continue
        seen.add(learner_id)
        values = {"first_name": row.first_name, "last_name": row.last_name, "email": row.email.lower(),
                  "unit": row.unit, "role": row.role, "employee_number": row.employee_number}
        report.names[learner_id] = full_name(row.first_name, row.last_name)
        current = by_id.get(learner_id)
        if current is None:
            if not row.unit:
                report.problems.append(RowProblem(row.line, f"{report.names[learner_id]} saknar bibliotek/enhet. "
                                                  "Personen är importerad; fyll i enheten vid nästa import.", False))
            by_id[learner_id] = {**dict.fromkeys(STORED_COLUMNS, ""), **values, "id": learner_id,
                                 "joined": today.isoformat()}
            report.added.append(learner_id)
            continue
        # Only what the file has a column for, and never emptied by an empty cell.
        changes = [name for name in UPDATABLE if name in hr.fields and values[name]
                   and current[name] != values[name]]
        if current["left"]:
            current["left"], current["returned"] = "", today.isoformat()
            report.reactivated.append(learner_id)
        if changes:
            report.updated[learner_id] = changes
            current.update({name: values[name] for name in changes})
        elif learner_id not in report.reactivated:
            report.unchanged += 1

    _mark_leavers(by_id, seen, protected, unplaced, report, today=today, keep_missing=keep_missing,
                  allow_mass_removal=allow_mass_removal)
    return pd.DataFrame(list(by_id.values()), columns=STORED_COLUMNS), report


def _mark_leavers(by_id: dict[str, dict], seen: set[str], protected: set[str], unplaced: list[int],
                  report: ImportReport, *, today: dt.date, keep_missing: bool, allow_mass_removal: bool) -> None:
    active = [i for i, r in by_id.items() if not r["left"] and i not in report.added]
    missing = [i for i in active if i not in seen and i not in protected]
    for learner_id in missing:
        report.names[learner_id] = full_name(by_id[learner_id]["first_name"], by_id[learner_id]["last_name"])
    if not missing or keep_missing:
        return
    mass = len(missing) >= MASS_REMOVAL_MINIMUM and len(missing) > MASS_REMOVAL_SHARE * len(active)
    if unplaced:
        report.held_back = missing
        lines = ", ".join(map(str, unplaced))
        report.problems.append(RowProblem(None, (
            f"{len(missing)} aktiva deltagare finns inte i filen, men rad {lines} kunde inte läsas och kan vara "
            "någon av dem, så ingen har markerats som avslutad. Rätta raderna och importera igen.")))
        return
    if mass and not allow_mass_removal:
        report.held_back = missing
        report.problems.append(RowProblem(None, (
            f"{len(missing)} av {len(active)} aktiva deltagare finns inte i filen. Det ser ut som fel fil eller "
            "en lista över bara en del av personalen, så ingen har markerats som avslutad. Är det en del av "
            "listan: importera med --keep-missing. Har de verkligen slutat: importera med --allow-mass-removal.")))
        return
    for learner_id in missing:
        by_id[learner_id]["left"] = today.isoformat()
        report.deactivated.append(learner_id)
    # Someone who seems to have left while a namesake (or anyone) arrived may have a new name or address.
    added_names = {report.names[i].casefold(): i for i in report.added}
    for learner_id in report.deactivated:
        twin = added_names.get(report.names[learner_id].casefold())
        if twin:
            report.problems.append(RowProblem(None, (
                f"{report.names[learner_id]} finns nu både som avslutad ({learner_id}) och som ny ({twin}). Har "
                f"personen bytt e-postadress? Koppla då ihop dem med ensak roster link {learner_id} {twin}, så "
                "behåller hen sina inlämningar."), False))
    if report.added and not any("roster link" in p.message for p in report.warnings):
        report.problems.append(RowProblem(None, (
            "Har någon av de avslutade bytt namn och e-postadress och kommit tillbaka som ny? Koppla ihop dem "
            "med ensak roster link GAMMALT-ID NYTT-ID, så behåller hen sina inlämningar. Har listan ett "
            "anställningsnummer känns sådana byten igen av sig själva."), False))
