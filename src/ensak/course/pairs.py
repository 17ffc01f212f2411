"""Buddy pairs for the course: two colleagues who help each other through the tasks, from different
units whenever the roster allows it, so that the course also knits the library together.

The method: list everyone unit by unit (the largest unit first, people shuffled within their unit),
then pair the first half with the second half, position by position. Two people of the same unit can
only meet when one unit holds more than half of the staff, and then as few times as possible. With an
odd number of people the last one joins the pair where a third fits best (no one from their unit).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ensak.course.roster import load_roster

NO_UNIT = "(ingen enhet angiven)"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unit: str


def people_from_roster(roster: pd.DataFrame) -> list[Person]:
    return [Person(str(row["id"]), f"{row['first_name']} {row['last_name']}".strip(),
                   str(row["unit"]).strip() or NO_UNIT) for _, row in roster.iterrows()]


def make_pairs(people: list[Person], seed: int | None = None) -> list[tuple[Person, ...]]:
    """Pairs (and one trio for an odd count) that keep units apart whenever possible."""
    if len(people) < 2:
        return [tuple(people)] if people else []
    rng = random.Random(seed)
    by_unit: dict[str, list[Person]] = {}
    for person in sorted(people, key=lambda p: p.id):
        by_unit.setdefault(person.unit, []).append(person)
    for members in by_unit.values():
        rng.shuffle(members)
    ordered = [p for unit in sorted(by_unit, key=lambda u: (-len(by_unit[u]), u)) for p in by_unit[unit]]
    half = len(ordered) // 2
    first, second = ordered[:half], ordered[half:half * 2]
    groups: list[tuple[Person, ...]] = [(a, b) for a, b in zip(first, second)]
    if len(ordered) % 2:
        extra = ordered[-1]
        fits = [i for i, group in enumerate(groups) if all(p.unit != extra.unit for p in group)]
        index = fits[0] if fits else 0
        groups[index] = (*groups[index], extra)
    return groups


def same_unit_groups(groups: list[tuple[Person, ...]]) -> int:
    return sum(len({p.unit for p in group}) < len(group) for group in groups)


def pairs_for_course(course_dir: Path | str, seed: int | None = None) -> list[tuple[Person, ...]]:
    return make_pairs(people_from_roster(load_roster(course_dir)), seed)


def format_pairs(groups: list[tuple[Person, ...]]) -> str:
    """The pairs as the coordinator reads them in the terminal (Swedish)."""
    if not groups:
        return "Deltagarlistan är tom. Importera den först: ensak roster import FIL"
    lines = [f"{len(groups)} kurskompisgrupper:"]
    for number, group in enumerate(groups, start=1):
        lines.append(f"{number:>3}. " + " – ".join(f"{p.name} ({p.unit})" for p in group))
    mixed = same_unit_groups(groups)
    if mixed:
        lines.append(f"⚠ {mixed} av grupperna har två från samma enhet: en enhet har mer än hälften av deltagarna.")
    return "\n".join(lines)


def pairs_csv(groups: list[tuple[Person, ...]]) -> str:
    rows = [(number, p.id, p.name, p.unit) for number, group in enumerate(groups, start=1) for p in group]
    return pd.DataFrame(rows, columns=["grupp", "id", "namn", "enhet"]).to_csv(index=False)
