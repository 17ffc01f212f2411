"""The personal course planner: where it finds the plan, which days it books, the calendar file it writes."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from icalendar import Calendar

from ensak.course.plan import load_course
from ensak.learner.answers import AnswerStore
from ensak.learner.planner_course import (
    CoursePlanner,
    PlannedRelease,
    course_releases,
    find_course_root,
    plan_sessions,
    session_day,
    sessions_calendar,
)

COURSE_TOML = """
[course]
id = "test"
title = "Testkursen"
start = 2027-01-11
pace_days = 14

[[task]]
id = "00-start"
title = "Start"

[[task]]
id = "01-andra"
title = "Den andra"
release = 2027-01-27
"""


@pytest.fixture
def course_dir(tmp_path):
    root = tmp_path / "kurs"
    # A learner's folder as the autograder sees it (in source/ the answers would go to facit.json).
    (root / "autograded" / "anna" / "00-start").mkdir(parents=True)
    (root / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    return root


def events(ics: bytes) -> list:
    return [c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"]


def saved(folder, key):
    return json.loads((folder / "svar.json").read_text(encoding="utf-8"))["answers"][key]


def test_is_the_course_found_from_a_task_folder_below_it(course_dir, tmp_path):
    assert find_course_root(course_dir / "autograded" / "anna" / "00-start", installed_from=tmp_path) == course_dir


def test_does_the_environment_variable_win(course_dir, tmp_path, monkeypatch):
    other = tmp_path / "annan"
    other.mkdir()
    (other / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    monkeypatch.setenv("ENSAK_COURSE_DIR", str(other))
    assert find_course_root(course_dir / "autograded" / "anna" / "00-start", installed_from=tmp_path) == other


def test_is_the_installed_repository_the_last_resort(tmp_path, course_dir, monkeypatch):
    monkeypatch.delenv("ENSAK_COURSE_DIR", raising=False)
    lonely = tmp_path / "hem" / "00-start"
    lonely.mkdir(parents=True)
    assert find_course_root(lonely, installed_from=course_dir) == course_dir
    assert find_course_root(lonely, installed_from=tmp_path / "hem") is None


def test_are_release_dates_and_titles_read_from_course_toml(course_dir):
    title, releases = course_releases(course_dir)
    assert title == "Testkursen"
    assert [(r.id, r.number, r.title, r.release) for r in releases] == [
        ("00-start", 0, "Start", dt.date(2027, 1, 11)), ("01-andra", 1, "Den andra", dt.date(2027, 1, 27))]


@pytest.mark.parametrize("release, weekday, booked", [
    (dt.date(2027, 1, 11), 0, dt.date(2027, 1, 11)),   # a Monday release, Monday sessions: the same day
    (dt.date(2027, 1, 11), 3, dt.date(2027, 1, 14)),   # ... Thursday sessions: three days later
    (dt.date(2027, 1, 27), 1, dt.date(2027, 2, 2)),    # a Wednesday release, Tuesday sessions: next week
])
def test_is_each_session_the_first_chosen_weekday_on_or_after_release(release, weekday, booked):
    assert session_day(release, weekday) == booked


def test_does_the_calendar_hold_one_timed_event_with_a_reminder_per_session():
    releases = [PlannedRelease("00-start", 0, "Start", dt.date(2027, 1, 11), 45),
                PlannedRelease("01-andra", 1, "Den andra", dt.date(2027, 1, 27), 75)]
    sessions = plan_sessions(releases, 4, dt.time(13, 30))
    found = events(sessions_calendar(sessions, course_title="Testkursen"))
    assert [str(e["summary"]) for e in found] == ["Kurstid: Uppgift 0 – Start", "Kurstid: Uppgift 1 – Den andra"]
    assert found[0].decoded("dtstart") == dt.datetime(2027, 1, 15, 13, 30)
    assert found[0].decoded("dtend") == dt.datetime(2027, 1, 15, 14, 15)  # each session as long as its task
    assert found[1].decoded("dtend") - found[1].decoded("dtstart") == dt.timedelta(minutes=75)
    assert "ungefär 75 minuter" in str(found[1]["description"])
    assert str(found[1]["uid"]) == "kurstid-01-andra@ensak"
    alarm = found[0].subcomponents[0]
    assert alarm.name == "VALARM" and alarm.decoded("trigger") == dt.timedelta(minutes=-15)


def test_does_the_planner_write_the_file_show_the_table_and_save(course_dir):
    folder = course_dir / "autograded" / "anna" / "00-start"
    planner = CoursePlanner("kursplan", store=AnswerStore(folder), today=dt.date(2027, 1, 13))
    assert planner.course_title == "Testkursen" and not planner.approximate
    planner.weekday.value = 3
    planner.time.value = "10:00"
    planner.make_button.click()
    found = events((folder / "min-kurstid.ics").read_bytes())
    assert len(found) == 2 and found[0].decoded("dtstart") == dt.datetime(2027, 1, 14, 10, 0)
    assert ">Min kursplan</caption>" in planner.result.value
    assert "torsdag 14 januari 2027 kl. 10:00" in planner.result.value and "Ladda ned" in planner.result.value
    value = saved(folder, "kursplan")["value"]
    assert saved(folder, "kursplan")["kind"] == "planner"
    assert value["weekday"] == 3 and value["sessions"][1] == {"task": "01-andra", "release": "2027-01-27",
                                                              "start": "2027-01-28T10:00"}


def test_are_sessions_already_past_left_out_of_the_calendar_but_shown(course_dir):
    folder = course_dir / "autograded" / "anna" / "00-start"
    planner = CoursePlanner("kursplan", store=AnswerStore(folder), today=dt.date(2027, 1, 20))
    planner.make()
    assert len(events((folder / "min-kurstid.ics").read_bytes())) == 1
    assert "har redan varit" in planner.result.value


def test_are_the_choices_restored_and_replanned_from_the_current_course_plan(course_dir):
    folder = course_dir / "autograded" / "anna" / "00-start"
    planner = CoursePlanner("kursplan", store=AnswerStore(folder), today=dt.date(2027, 1, 4))
    planner.weekday.value = 0
    planner.make()
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("2027-01-27", "2027-02-03"), encoding="utf-8")
    again = CoursePlanner("kursplan", store=AnswerStore(folder), today=dt.date(2027, 1, 4))
    assert again.weekday.value == 0 and again.time.value == planner.time.value
    assert again.sessions[1].day == dt.date(2027, 2, 8) and "8 februari 2027" in again.result.value
    assert "återställda" in again.status.value


def test_does_a_planner_without_a_course_plan_still_work_and_say_so(tmp_path):
    planner = CoursePlanner("kursplan", store=AnswerStore(tmp_path), today=dt.date(2027, 3, 1),
                            course_dir=tmp_path)
    assert planner.approximate and "ungefärliga" in planner.children[0].value
    sessions = planner.make()
    assert len(sessions) == 12 and sessions[1].task.release == dt.date(2027, 3, 22)
    assert saved(tmp_path, "kursplan")["value"]["approximate"] is True


def test_does_the_real_course_plan_give_every_task_a_session_as_long_as_the_task(repo, tmp_path):
    planner = CoursePlanner("kursplan", store=AnswerStore(tmp_path), course_dir=repo, today=dt.date(2027, 1, 1))
    assert [r.id for r in planner.releases] == load_course(repo).task_ids
    sessions = planner.make()
    assert [s.minutes for s in sessions] == [t.minutes for t in load_course(repo).tasks]


def test_does_the_simulated_learner_book_sessions(course_dir):
    folder = course_dir / "autograded" / "anna" / "00-start"
    CoursePlanner("kursplan", store=AnswerStore(folder), today=dt.date(2027, 1, 1)).simulate(random.Random(7))
    assert len(saved(folder, "kursplan")["value"]["sessions"]) == 2
