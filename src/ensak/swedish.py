"""Swedish as people read it: dates ("12 mars 2027"), month names, counted nouns ("1 uppgift",
"3 uppgifter") and decimals ("5,8"). Dates and plural rules come from Babel's CLDR data for Swedish."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

SWEDISH = Locale("sv", "SE")
MONTHS: tuple[str, ...] = tuple(SWEDISH.months["format"]["wide"][month] for month in range(1, 13))
WEEKDAYS: tuple[str, ...] = tuple(SWEDISH.days["format"]["wide"][day] for day in range(7))  # måndag first


def swedish_date(day: dt.date, *, year: bool = True) -> str:
    """'12 mars 2027', or '12 mars' with year=False."""
    return format_date(day, "d MMMM y" if year else "d MMMM", locale=SWEDISH)


def count_noun(n: int, one: str, many: str) -> str:
    """'1 länk', '3 länkar': Swedish nouns have no rule for their plural, so the caller gives both forms;
    which form a number takes is CLDR's plural rule for Swedish."""
    return f"{n} {one if SWEDISH.plural_form(n) == 'one' else many}"


def decimal(value: float, digits: int = 1) -> str:
    """A number as Swedes write it: a decimal comma and no trailing ',0' ('5,8', '4')."""
    return format_decimal(round(value, digits), format="0." + "#" * digits, locale=SWEDISH).replace("\xa0", " ")
