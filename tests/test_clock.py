"""The course's clock (issue 13, point 14): every "today" is the course's, whatever the server's time zone.

A server in UTC is still on yesterday between midnight and 01:00 Swedish time (02:00 in summer). A submission
made then must count on the day it was made in Sweden, in the report, the nudge list, messages and the
schedule. The clock is frozen at 23:30 and 00:30 UTC by replacing ensak.clock.utc_now, the one place ensak
reads the system clock.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak import clock
from ensak.analytics import progress as P
from ensak.analytics.gradebook import load_progress
from ensak.analytics.report import VIEW_LEARNERS, load_views, write_report
from ensak.cli import app
from ensak.course.plan import load_course
from ensak.course.roster import write_roster
from ensak.nbgrader.release import record_release
from ensak.outreach.messages import build_messages, nudges_from_progress
from fixtures_coordinator import (  # noqa: F401
    HUB_URL,
    MAIL_TOML,
    empty_gradebook,
    hand_in,
    make_course,
)

UTC = dt.timezone.utc
# 00:10 on Monday 15 March 2027 in Sweden (CET, UTC+1) is 23:10 on Sunday 14 March in UTC.
HANDED_IN = dt.datetime(2027, 3, 14, 23, 10, tzinfo=UTC)
SWEDISH_DAY = dt.date(2027, 3, 15)
NOW = {"23:30 UTC": dt.datetime(2027, 3, 14, 23, 30, tzinfo=UTC), "00:30 UTC": dt.datetime(2027, 3, 15, 0, 30, tzinfo=UTC)}


@pytest.mark.parametrize("now, day", [
    (dt.datetime(2027, 3, 14, 23, 30, tzinfo=UTC), dt.date(2027, 3, 15)),   # winter: UTC+1
    (dt.datetime(2027, 3, 14, 22, 30, tzinfo=UTC), dt.date(2027, 3, 14)),
    (dt.datetime(2027, 6, 14, 22, 30, tzinfo=UTC), dt.date(2027, 6, 15)),   # summer: UTC+2
    (dt.datetime(2027, 6, 15, 0, 30, tzinfo=UTC), dt.date(2027, 6, 15)),
])
def test_is_today_the_courses_day_not_the_servers(now, day):
    assert clock.course_today(now=now) == day
    assert clock.course_today("UTC", now=now) == now.date()


def test_are_gradebook_times_turned_into_the_courses_time():
    assert clock.to_course_time(dt.datetime(2027, 3, 14, 23, 10)).isoformat() == "2027-03-15T00:10:00+01:00"
    series = clock.utc_to_course_naive(pd.Series([pd.Timestamp("2027-06-14 22:30")]))
    assert series[0] == pd.Timestamp("2027-06-15 00:30")


@pytest.fixture
def night_course(tmp_path, empty_gradebook):
    """Two learners in a course whose first task came out on 1 March; anna handed it in at 00:10 Swedish time."""
    root = make_course(tmp_path / "kurs", start=dt.date(2027, 3, 1), extra=MAIL_TOML, url=HUB_URL)
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, pd.DataFrame([
        {"id": "anna", "first_name": "Anna", "last_name": "Berg", "email": "anna@bibliotek.example"},
        {"id": "bo", "first_name": "Bo", "last_name": "Ek", "email": "bo@bibliotek.example"},
    ]), today=dt.date(2027, 2, 20))
    record_release(root, "00-start", dt.date(2027, 3, 1))
    hand_in(root, {"anna": [("00-start", HANDED_IN)]})
    return root


@pytest.mark.parametrize("moment", list(NOW))
def test_does_a_submission_after_swedish_midnight_count_today_whatever_the_servers_clock(
        night_course, monkeypatch, tmp_path, moment):
    monkeypatch.setattr(clock, "utc_now", lambda: NOW[moment])
    course = load_course(night_course)
    assert clock.course_today(course) == SWEDISH_DAY

    views = load_views(night_course)
    assert views.today == SWEDISH_DAY
    status = views.learners.set_index("learner")
    assert status[P.TASKS_DONE].to_dict() == {"Deltagare 01": 1, "Deltagare 02": 0}
    assert status.loc["Deltagare 01", P.LAST_ACTIVITY] == pd.Timestamp(SWEDISH_DAY)

    paths = write_report(night_course, tmp_path / f"rapport-{moment[:2]}")
    assert SWEDISH_DAY.isoformat() in paths["html"].name
    sheet = pd.read_excel(paths["xlsx"], sheet_name=VIEW_LEARNERS).set_index("Deltagare")
    assert sheet.loc["Deltagare 01", "Klara uppgifter"] == 1

    # Bo has had task 0 for 14 days (1 → 15 March), not 13: the nudge list counts in Swedish days.
    status = P.learner_status(P.current_learners(load_progress(night_course))).set_index("learner")
    assert status.loc["bo", P.IDLE_DAYS] == 14
    assert nudges_from_progress(night_course) == {}
    [message, *_] = build_messages(night_course, "last-call")
    assert "om 28 dagar" in message.body  # the course closes on 12 April, 28 Swedish days away

    schedule = CliRunner().invoke(app, ["schedule", "-C", str(night_course)])
    assert f"I dag: {SWEDISH_DAY.isoformat()}" in schedule.output
