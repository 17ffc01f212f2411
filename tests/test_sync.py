"""ensak sync: collect, grade only what is new, in parallel, feedback when fully graded, and crash-safe."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.cli import app
from ensak.nbgrader.api import load_config
from ensak.sync import sync
from ensak.sync.journal import graded_events, state_path
from fixtures_coordinator import (  # noqa: F401
    SYNC_NOW,
    submit_answer,
    sync_course,
    sync_template,
)

pytestmark = pytest.mark.slow


def scores(course_dir):
    """{(learner, task): (autograded score, needs manual grading)} from the course's gradebook."""
    config = load_config(course_dir)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        return {(s.student.id, s.assignment.name): (s.code_score, s.needs_manual_grade)
                for a in gb.assignments for s in a.submissions}


def released_feedback(course_dir):
    return sorted(p.name for p in (course_dir / "exchange" / "testkurs" / "feedback").glob("*.html"))


def test_does_sync_grade_everything_once_in_parallel_and_nothing_on_rerun(sync_course):
    for learner, answer in (("anna", 42), ("bo", 7), ("cilla", 42)):
        submit_answer(sync_course, "00-start", learner, answer)
    submit_answer(sync_course, "01-blogg", "anna", 42, reflection="Jag skrev mitt första blogginlägg.")
    steps = []
    summary = sync(sync_course, workers=2, on_step=lambda label, done, total: steps.append((label, done, total)))
    assert summary.problems == []
    assert sorted(summary.graded) == [("anna", "00-start"), ("anna", "01-blogg"), ("bo", "00-start"),
                                      ("cilla", "00-start")]
    assert scores(sync_course) == {("anna", "00-start"): (1.0, False), ("bo", "00-start"): (0.0, False),
                                   ("cilla", "00-start"): (1.0, False), ("anna", "01-blogg"): (1.0, True)}
    assert ("Rättar automatiskt", 4, 4) in steps

    # Feedback only for what is graded all the way: anna's reflection waits for the coordinator.
    assert sorted(summary.feedback) == [("anna", "00-start"), ("bo", "00-start"), ("cilla", "00-start")]
    assert summary.waiting_for_manual_grading == 1
    assert len(released_feedback(sync_course)) == 3

    again = sync(sync_course, workers=2)
    assert (again.collected, again.graded, again.feedback, again.problems) == ([], [], [], [])
    assert len(graded_events(sync_course)) == 4


def test_is_only_a_resubmission_regraded(sync_course):
    submit_answer(sync_course, "00-start", "anna", 42)
    submit_answer(sync_course, "00-start", "bo", 7)
    sync(sync_course, workers=1)
    submit_answer(sync_course, "00-start", "bo", 42, when=SYNC_NOW + dt.timedelta(days=2))
    second = sync(sync_course, workers=1)
    assert second.collected == [("bo", "00-start")] and second.graded == [("bo", "00-start")]
    assert second.feedback == [("bo", "00-start")]
    assert scores(sync_course)[("bo", "00-start")] == (1.0, False)
    assert Counter((l, t) for l, t, _ in graded_events(sync_course)) == {("anna", "00-start"): 1,
                                                                         ("bo", "00-start"): 2}


def test_does_feedback_follow_the_coordinators_manual_grade_and_comment(sync_course):
    submit_answer(sync_course, "01-blogg", "anna", 42, reflection="Bloggen blev bra.")
    first = sync(sync_course, workers=1)
    assert first.feedback == [] and first.waiting_for_manual_grading == 1
    config = load_config(sync_course)
    # What formgrader does when the coordinator grades the reflection and writes a comment.
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        grade = gb.find_grade("01-blogg-reflektion", "01-blogg", "01-blogg", "anna")
        grade.manual_score = 2
        grade.needs_manual_grade = False
        comment = gb.find_comment("01-blogg-reflektion", "01-blogg", "01-blogg", "anna")
        comment.manual_comment = "Fint skrivet!"
        gb.db.commit()
    graded = sync(sync_course, workers=1)
    assert graded.feedback == [("anna", "01-blogg")] and graded.graded == []
    html = (sync_course / "feedback" / "anna" / "01-blogg" / "01-blogg.html").read_text(encoding="utf-8")
    assert "Fint skrivet!" in html
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        gb.find_comment("01-blogg-reflektion", "01-blogg", "01-blogg", "anna").manual_comment = "Mycket fint!"
        gb.db.commit()
    assert sync(sync_course, workers=1).feedback == [("anna", "01-blogg")]
    assert sync(sync_course, workers=1).feedback == []
    assert len(released_feedback(sync_course)) == 1


def test_is_a_half_copied_submission_collected_again(sync_course):
    submit_answer(sync_course, "00-start", "anna", 42)
    sync(sync_course, workers=1)
    # A crash in the middle of nbgrader's copy leaves a folder with a timestamp but no notebook.
    submit_answer(sync_course, "00-start", "anna", 7, when=SYNC_NOW + dt.timedelta(days=1))
    inbound = sorted((sync_course / "exchange" / "testkurs" / "inbound").glob("anna+00-start+*"))[-1]
    target = sync_course / "submitted" / "anna" / "00-start"
    for item in target.iterdir():
        item.unlink()
    (target / "timestamp.txt").write_text((inbound / "timestamp.txt").read_text())
    summary = sync(sync_course, workers=1)
    assert summary.collected == [("anna", "00-start")] and summary.problems == []
    assert (target / "00-start.ipynb").exists()
    assert scores(sync_course)[("anna", "00-start")] == (0.0, False)


def journal_count(course_dir, step):
    try:
        with sqlite3.connect(state_path(course_dir), timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM events WHERE step = ?", (step,)).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def start_sync(course_dir):
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen([sys.executable, "-m", "ensak.cli", "sync", "--workers", "2", "--course-dir",
                             str(course_dir)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def processes_working_in(folder):
    """Processes whose working folder is inside `folder` (graders chdir to the course, kernels below it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if cwd == str(folder) or cwd.startswith(f"{folder}/"):
                found.append(int(entry))
    return found


def kill_when(process, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "sync never reached the point to kill it at"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_does_a_sync_killed_mid_way_finish_on_rerun_with_each_submission_graded_once(sync_course):
    learners = {"anna": 42, "bo": 7, "cilla": 42, "david": 42, "eva": 7}
    for learner, answer in learners.items():
        submit_answer(sync_course, "00-start", learner, answer)
    submit_answer(sync_course, "01-blogg", "anna", 42, reflection="Text.")

    # Killed (SIGKILL, no chance to tidy up) first while grading, then while giving feedback.
    first = start_sync(sync_course)
    kill_when(first, lambda: journal_count(sync_course, "graded") >= 2)
    graded_before = journal_count(sync_course, "graded")
    assert 2 <= graded_before < 6
    # No grader or kernel outlives the killed sync to write into the gradebook behind the rerun's back.
    deadline = time.monotonic() + 10
    while processes_working_in(sync_course) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_working_in(sync_course) == []
    second = start_sync(sync_course)
    kill_when(second, lambda: journal_count(sync_course, "feedback") >= 1)

    summary = sync(sync_course, workers=2)
    assert summary.problems == []
    events = graded_events(sync_course)
    pairs = Counter((learner, task) for learner, task, _ in events)
    assert pairs == Counter({**{(learner, "00-start"): 1 for learner in learners}, ("anna", "01-blogg"): 1})
    expected = {(learner, "00-start"): (1.0 if answer == 42 else 0.0, False) for learner, answer in learners.items()}
    assert scores(sync_course) == {**expected, ("anna", "01-blogg"): (1.0, True)}
    assert len(released_feedback(sync_course)) == len(learners)
    assert journal_count(sync_course, "feedback") == len(learners)
    assert sync(sync_course, workers=2).graded == []


def test_does_the_cli_show_progress_and_a_swedish_summary(sync_course):
    submit_answer(sync_course, "00-start", "anna", 42)
    result = CliRunner().invoke(app, ["sync", "--workers", "1", "--course-dir", str(sync_course)])
    assert result.exit_code == 0, result.output
    assert "Rättade: 1" in result.output and "Återkoppling utlämnad: 1" in result.output
    again = CliRunner().invoke(app, ["sync", "--course-dir", str(sync_course)])
    assert "Inget nytt" in again.output


def test_is_a_half_written_submission_reported_each_sync_and_collected_once_complete(sync_course):
    submit_answer(sync_course, "00-start", "anna", 7)
    sync(sync_course, workers=1)
    whole = sorted((sync_course / "exchange" / "testkurs" / "inbound").glob("anna+00-start+*"))[-1]
    # Still being written: the folder is there, its timestamp.txt not yet.
    half = whole.parent / "anna+00-start+2027-01-22 09:00:00.000000 UTC+halv"
    half.mkdir()
    for _ in range(2):
        summary = sync(sync_course, workers=1)
        assert summary.collected == [] and [p for p in summary.problems if p.startswith("anna 00-start")]
    for item in whole.iterdir():
        if item.name != "timestamp.txt":
            shutil.copy2(item, half / item.name)
    answers = half / "svar.json"
    answers.write_text(answers.read_text(encoding="utf-8").replace('"value": 7', '"value": 42'), encoding="utf-8")
    (half / "timestamp.txt").write_text("2027-01-22 09:00:00.000000 UTC")
    done = sync(sync_course, workers=1)
    assert done.collected == [("anna", "00-start")] and done.graded == [("anna", "00-start")]
    assert done.problems == []
    assert scores(sync_course)[("anna", "00-start")] == (1.0, False)
