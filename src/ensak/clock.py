"""The course's clock: one time zone for every date a person sees and for every "today".

Servers often run in UTC while the course runs in Sweden, so the machine's own date is the wrong
day for an hour or two every night: a submission at 00:30 Swedish time would lie "tomorrow". Every
"today" and every time shown to people therefore comes from here, in the course's time zone
(course.toml `[course] timezone`, DEFAULT_TIMEZONE unless set). nbgrader stores naive UTC times.

Functions take `now` (an aware datetime) so that callers and tests can run the course at any moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Stockholm"


class HasTimezone(Protocol):
    timezone: str


def _zone(where: HasTimezone | str | None) -> ZoneInfo:
    if where is None:
        return ZoneInfo(DEFAULT_TIMEZONE)
    return ZoneInfo(where if isinstance(where, str) else where.timezone)


def utc_now() -> dt.datetime:
    """The current moment, aware, in UTC: the one place ensak reads the system clock for course time."""
    return dt.datetime.now(dt.timezone.utc)


def to_course_time(moment: dt.datetime, course: HasTimezone | str | None = None) -> dt.datetime:
    """`moment` in the course's time zone (aware). A naive `moment` is taken as UTC, as nbgrader stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(_zone(course))


def course_now(course: HasTimezone | str | None = None, *, now: dt.datetime | None = None) -> dt.datetime:
    """The current moment (or `now`) in the course's time zone."""
    return to_course_time(now if now is not None else utc_now(), course)


def course_today(course: HasTimezone | str | None = None, *, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the course runs (or the date of `now` there)."""
    return course_now(course, now=now).date()


def utc_to_course_naive(values, course: HasTimezone | str | None = None):
    """Naive UTC times (as nbgrader stores them) as naive times in the course's time zone: a pandas Series."""
    import pandas as pd  # here: course.toml is read by nbgrader_config.py, which should not load pandas

    stamps = pd.to_datetime(values)
    if len(stamps) == 0:
        return stamps.astype("datetime64[us]")
    return stamps.dt.tz_localize("UTC").dt.tz_convert(_zone(course).key).dt.tz_localize(None)
