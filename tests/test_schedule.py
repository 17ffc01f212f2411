"""The schedule: what is due, releasing it exactly once, the plan and the calendar file."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.lock import BusyError
from ensak.course.plan import load_course
from ensak.course.schedule import (
    STATUS_DUE,
    STATUS_MISSING,
    STATUS_RELEASED,
    STATUS_WAITING,
    plan,
    release_due,
    write_ics,
)
from ensak.nbgrader.release import UnknownTaskError, release_tasks, released_tasks
from fixtures_coordinator import course_dir, course_toml, empty_gradebook, make_course  # noqa: F401
from lock_helpers import course_held_by

START = dt.date(2027, 1, 11)


def outbound(root):
    return sorted(p.name for p in (root / "exchange" / "testkurs" / "outbound").iterdir())


def test_does_release_due_release_only_what_has_come_and_only_once(course_dir):
    first = release_due(course_dir, START + dt.timedelta(days=14))
    assert first.released == ["00-start", "01-blogg"] and first.not_yet == ["02-bild"]
    assert outbound(course_dir) == ["00-start", "01-blogg"]
    notebook = course_dir / "exchange" / "testkurs" / "outbound" / "01-blogg" / "01-blogg.ipynb"
    mtime = notebook.stat().st_mtime_ns

    again = release_due(course_dir, START + dt.timedelta(days=14))
    assert again.released == [] and again.already_released == ["00-start", "01-blogg"]
    assert notebook.stat().st_mtime_ns == mtime

    later = release_due(course_dir, START + dt.timedelta(days=100))
    assert later.released == ["02-bild"] and later.not_yet == []
    assert released_tasks(course_dir) == {"00-start", "01-blogg", "02-bild"}


def test_does_release_due_before_the_start_release_nothing(course_dir):
    result = release_due(course_dir, START - dt.timedelta(days=1))
    assert result.released == [] and result.not_yet == ["00-start", "01-blogg", "02-bild"]
    assert not (course_dir / "exchange" / "testkurs").exists()


def test_does_a_missing_release_folder_stop_only_that_task(course_dir):
    shutil.rmtree(course_dir / "release" / "00-start")
    result = release_due(course_dir, START + dt.timedelta(days=14))
    assert result.released == ["01-blogg"]
    [problem] = result.problems
    assert "release/00-start finns inte" in problem and "ensak" in problem


def test_is_a_release_folder_without_its_notebook_reported(course_dir):
    (course_dir / "release" / "00-start" / "00-start.ipynb").unlink()
    result = release_due(course_dir, START)
    assert result.released == [] and "saknar anteckningsboken 00-start.ipynb" in result.problems[0]


def test_is_an_unknown_task_refused_in_swedish(course_dir):
    with pytest.raises(UnknownTaskError, match="ingen uppgift '99-x'.*00-start, 01-blogg, 02-bild"):
        release_tasks(course_dir, ["99-x"])


def test_does_a_second_cron_run_wait_its_turn_instead_of_overlapping(course_dir):
    with course_held_by(course_dir, "release"):
        with pytest.raises(BusyError, match="upptagen just nu: ensak release"):
            release_due(course_dir, START)
    assert release_due(course_dir, START).released == ["00-start"]


def test_does_the_plan_show_each_status(course_dir):
    shutil.rmtree(course_dir / "release" / "02-bild")
    course = load_course(course_dir)
    rows = plan(course, {"00-start"}, START + dt.timedelta(days=14))
    assert [r.status for r in rows] == [STATUS_RELEASED, STATUS_DUE, STATUS_MISSING]
    assert plan(course, set(), START)[1].status == STATUS_WAITING


def test_do_explicit_dates_override_the_pace(tmp_path):
    root = make_course(tmp_path / "k", releases={"01-blogg": "2027-03-01"})
    course = load_course(root)
    assert [t.release for t in course.tasks] == [START, dt.date(2027, 3, 1), dt.date(2027, 3, 15)]


def test_does_the_ics_file_parse_back_with_every_release_and_the_closing_day(course_dir, tmp_path):
    course = load_course(course_dir)
    path = write_ics(course, tmp_path / "kalender" / "plan.ics")
    parsed = Calendar.from_ical(path.read_bytes())
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {"testkurs-release-00-start@ensak", "testkurs-release-01-blogg@ensak",
                           "testkurs-release-02-bild@ensak", "testkurs-closes@ensak"}
    blogg = events["testkurs-release-01-blogg@ensak"]
    assert blogg.decoded("dtstart") == dt.date(2027, 1, 25)
    assert blogg.decoded("dtend") == dt.date(2027, 1, 26)
    assert str(blogg["summary"]) == "Ny uppgift: Bloggar"
    assert events["testkurs-closes@ensak"].decoded("dtstart") == course.closes == dt.date(2027, 2, 22)


def test_does_the_cli_release_due_idempotently_and_show_the_plan(course_dir, tmp_path):
    runner = CliRunner()
    args = ["--course-dir", str(course_dir), "--today", "2027-01-25"]
    first = runner.invoke(app, ["release", "--due", *args])
    assert first.exit_code == 0, first.output
    assert "Släppta nu: 00-start, 01-blogg" in first.output
    second = runner.invoke(app, ["release", "--due", *args])
    assert "Inget nytt att släppa i dag." in second.output
    shown = runner.invoke(app, ["schedule", *args, "--ics", str(tmp_path / "plan.ics")])
    assert shown.exit_code == 0, shown.output
    assert "01-blogg  Bloggar" in shown.output and "släppt" in shown.output and "väntar" in shown.output
    assert (tmp_path / "plan.ics").exists()


def test_are_dates_out_of_order_refused_with_a_clear_message(tmp_path):
    root = make_course(tmp_path / "k", releases={"01-blogg": "2027-03-01", "02-bild": "2027-02-01"})
    result = CliRunner().invoke(app, ["schedule", "--course-dir", str(root)])
    assert result.exit_code == 1
    assert "2027-02-01" in result.output and "2027-03-01" in result.output and "i tur och ordning" in result.output


def test_is_a_release_folder_not_in_the_plan_pointed_out(course_dir):
    (course_dir / "release" / "05-gammal").mkdir()
    result = CliRunner().invoke(app, ["schedule", "--course-dir", str(course_dir), "--today", "2027-01-11"])
    assert "release/05-gammal finns men står inte i course.toml" in result.output


def test_does_the_cli_refuse_release_without_tasks_or_due(course_dir):
    result = CliRunner().invoke(app, ["release", "--course-dir", str(course_dir)])
    assert result.exit_code == 1 and "--due" in result.output
