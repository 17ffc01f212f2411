"""Learners hand in strange things: one sync must grade everyone else as usual and tell the coordinator,
in Swedish, what is wrong with the rest and what to do.

One course instance with the first two tasks, one cohort doing one odd thing each, one sync. The
notebook time limit is cut from the course's 60 seconds to a few so that a notebook that loops
forever costs the test seconds, not a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from ensak.analytics.gradebook import LATE, LEARNER, TASK, gradebook_url, load_progress
from ensak.course.plan import load_course
from ensak.demo import fetch_task
from ensak.learner.answers import ANSWERS_FILE
from ensak.nbgrader.api import load_config
from ensak.nbgrader.screening import PLACEHOLDER
from ensak.sync import sync

pytest.register_assert_rewrite("fixtures_reliability")
from fixtures_reliability import COURSE_ID, T0, T1, Cohort, grade_id, released_course  # noqa: E402

pytestmark = pytest.mark.slow

# Short enough that the endless loop costs little, long enough that an ordinary cell (the first one
# imports the widgets) never times out on a busy two-core machine.
TIME_LIMIT = 15
GOOD = ("ok.forst", "ok.sist")
# Whoever does something odd, and what; each is checked by a test below.
BLOCKED = ("trasig.json", "annan.uppgift", "fel.innehall")
GRADED_AS_USUAL = ("celler.andrade", "loopar", "skriver.mycket", "lankar", "platshallare", "sen",
                   "svar.kopierad")
SCORE_ZERO = ("last.andrad", "svar.saknas", "svar.tom", "svar.trasig", "svar.enorm")


@pytest.fixture(scope="module")
def bad_course(tmp_path_factory):
    """A course instance with the first two tasks generated and released (SQLite gradebook)."""
    return released_course(tmp_path_factory.mktemp("bad") / "kurs", [T0, T1])


@pytest.fixture(scope="module")
def cohort(bad_course, tmp_path_factory):
    course = load_course(bad_course)
    cohort = Cohort(bad_course, tmp_path_factory.mktemp("homes"), time_limit=TIME_LIMIT)
    with Gradebook(gradebook_url(bad_course), COURSE_ID) as gb:
        for task in (T0, T1):  # as the demo does: the course's closing day is every task's due date
            gb.update_or_create_assignment(task, duedate=dt.datetime.combine(course.closes, dt.time(23, 59)))
    ok = cohort.answered("ok.forst")
    cohort.submit("ok.forst")

    (cohort.answered("trasig.json") / f"{T0}.ipynb").write_text('{"cells": [', encoding="utf-8")
    other = cohort.answered("annan.uppgift", T1)
    wrong = cohort.answered("annan.uppgift")
    (wrong / f"{T0}.ipynb").unlink()
    shutil.copy(other / f"{T1}.ipynb", wrong / f"{T1}.ipynb")
    shutil.copy(other / f"{T1}.ipynb", cohort.answered("fel.innehall") / f"{T0}.ipynb")

    def delete_and_add_cells(nb):
        nb.cells = [c for i, c in enumerate(nb.cells) if i % 3 or not grade_id(c) or "reflektion" in grade_id(c)]
        nb.cells.insert(2, nbformat.v4.new_markdown_cell("Egna anteckningar"))
        nb.cells.append(nbformat.v4.new_code_cell("print('hej')"))
    cohort.answered("celler.andrade")
    cohort.edit("celler.andrade", delete_and_add_cells)

    def cheat(nb):  # every check cell "passes" and no widget was ever answered
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                cell.source = "print('Alla rätt!')"
    fetch_task(cohort.config, COURSE_ID, T0, "last.andrad", cohort.homes / "last.andrad")
    cohort.edit("last.andrad", cheat)

    (cohort.answered("svar.saknas") / ANSWERS_FILE).unlink()
    (cohort.answered("svar.tom") / ANSWERS_FILE).write_text("", encoding="utf-8")
    (cohort.answered("svar.trasig") / ANSWERS_FILE).write_text('{"format": 1, "answ', encoding="utf-8")
    (cohort.answered("svar.enorm") / ANSWERS_FILE).write_text(
        json.dumps({"format": 1, "answers": {"x": {"value": "å" * 3_000_000}}}), encoding="utf-8")
    shutil.copy(ok / ANSWERS_FILE, cohort.answered("svar.kopierad") / ANSWERS_FILE)
    cohort.answered("platshallare", reflection=None)

    cohort.answered("loopar")
    cohort.edit("loopar", lambda nb: nb.cells.insert(3, nbformat.v4.new_code_cell("while True:\n    pass")))
    cohort.answered("skriver.mycket")
    cohort.edit("skriver.mycket", lambda nb: nb.cells.insert(3, nbformat.v4.new_code_cell(
        "print('x' * 20_000_000)\nfor i in range(100_000):\n    print(i)")))

    for learner in (*BLOCKED, *GRADED_AS_USUAL, *SCORE_ZERO):
        if learner not in ("lankar", "sen"):
            cohort.submit(learner)

    # A learner with a shell on the hub can write into the exchange directly: a link to the
    # coordinator's roster inside a submission must not be followed by collect.
    cohort.answered("lankar")
    cohort.submit("lankar")
    (bad_course / "roster.csv").write_text("id,first_name,last_name,email,unit,role\n"
                                           "ok.forst,Olle,Först,hemlig@bibliotek.example,Enheten,bibliotekarie\n",
                                           encoding="utf-8")
    inbound = next((bad_course / "exchange" / COURSE_ID / "inbound").glob(f"lankar+{T0}+*"))
    os.symlink(bad_course / "roster.csv", inbound / "deltagare.csv")
    # A submission cut off half-way (no timestamp.txt yet), newer than a whole one.
    cohort.answered("avbruten")
    cohort.submit("avbruten")
    half = inbound.parent / f"avbruten+{T0}+2027-01-21 09:00:00.000000 UTC+halv"
    half.mkdir()
    (half / f"{T0}.ipynb").write_text("{", encoding="utf-8")
    # After the course closed: kept and graded, marked late.
    cohort.answered("sen")
    cohort.submit("sen", when=dt.datetime.combine(course.closes + dt.timedelta(days=3), dt.time(9),
                                                  tzinfo=dt.timezone.utc))
    cohort.answered("ok.sist")
    cohort.submit("ok.sist")
    return cohort


@pytest.fixture(scope="module")
def synced(cohort):
    summary = sync(cohort.course_dir, config=cohort.config)
    return {"summary": summary, "again": sync(cohort.course_dir, config=cohort.config)}


def score(course_dir, learner) -> float:
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        return gb.find_submission(T0, learner).code_score


def messages_for(lines: list[str], learner: str) -> list[str]:
    return [line for line in lines if line.startswith(f"{learner} {T0}: ")]


def test_is_everyone_else_graded_in_full_whatever_the_others_did(synced, cohort):
    graded = {learner for learner, task in synced["summary"].graded}
    assert {*GOOD, *GRADED_AS_USUAL, *SCORE_ZERO, "avbruten"} <= graded
    full = score(cohort.course_dir, "ok.forst")
    assert full > 0
    assert score(cohort.course_dir, "ok.sist") == full, "a learner after all the odd ones is graded as usual"


@pytest.mark.parametrize("learner, fragment", [
    ("trasig.json", "är skadad och går inte att öppna"),
    ("annan.uppgift", "som i stället innehåller 01-larplattformen.ipynb (uppgift 1 (Lärplattformen))"),
    ("fel.innehall", "innehåller uppgift 1 (Lärplattformen) i stället för uppgift 0"),
])
def test_is_a_notebook_that_cannot_be_graded_reported_kept_and_left_ungraded(synced, cohort, learner, fragment):
    problems = messages_for(synced["summary"].problems, learner)
    assert len(problems) == 1 and fragment in problems[0], synced["summary"].problems
    assert "lämna in" in problems[0], "the coordinator is told what to do"
    assert (cohort.course_dir / "submitted" / learner / T0).is_dir(), "the submission is kept"
    assert not (cohort.course_dir / "autograded" / learner / T0).exists()
    assert messages_for(synced["again"].problems, learner) == problems, "still reported until it is handed in again"


def test_are_deleted_and_added_cells_no_obstacle_to_a_full_score(synced, cohort):
    full = score(cohort.course_dir, "ok.forst")
    assert score(cohort.course_dir, "celler.andrade") == full
    graded = nbformat.read(cohort.course_dir / "autograded" / "celler.andrade" / T0 / f"{T0}.ipynb", as_version=4)
    released = nbformat.read(cohort.course_dir / "release" / T0 / f"{T0}.ipynb", as_version=4)
    assert [grade_id(c) for c in released.cells if grade_id(c)] == [grade_id(c) for c in graded.cells if grade_id(c)]


def test_are_changed_check_cells_replaced_by_the_real_checks(synced, cohort):
    assert score(cohort.course_dir, "last.andrad") == 0
    graded = nbformat.read(cohort.course_dir / "autograded" / "last.andrad" / T0 / f"{T0}.ipynb", as_version=4)
    assert not any("Alla rätt!" in cell.source for cell in graded.cells)


@pytest.mark.parametrize("learner, fragment", [
    ("svar.saknas", "svar.json saknas"),
    ("svar.tom", "svar.json är tom"),
    ("svar.trasig", "svar.json är skadad"),
    ("svar.enorm", "kB, långt mer än widgetarna skriver"),
])
def test_is_a_missing_or_unusable_answers_file_scored_zero_and_explained(synced, cohort, learner, fragment):
    assert score(cohort.course_dir, learner) == 0
    notes = messages_for(synced["summary"].notes, learner)
    assert len(notes) == 1 and fragment in notes[0] and "0 poäng" in notes[0], synced["summary"].notes
    assert (cohort.course_dir / "submitted" / learner / T0 / f"{T0}.ipynb").exists()


def test_is_an_answers_file_from_another_learner_pointed_out(synced):
    notes = messages_for(synced["summary"].notes, "svar.kopierad")
    assert len(notes) == 1 and "sparades av ok.forst" in notes[0] and "kopierad" in notes[0]
    assert messages_for(synced["summary"].notes, "ok.forst") == [], "her own answers raise nothing"


def test_is_an_unwritten_reflection_flagged_for_the_coordinator(synced):
    notes = messages_for(synced["summary"].notes, "platshallare")
    assert len(notes) == 1 and "Reflektionen är inte skriven" in notes[0] and PLACEHOLDER in notes[0]
    assert messages_for(synced["summary"].notes, "ok.sist") == []


def test_is_a_notebook_that_loops_forever_stopped_and_the_rest_graded(synced, cohort):
    assert load_config(cohort.course_dir).Execute.timeout == 60, "the course's own limit"
    assert score(cohort.course_dir, "loopar") == score(cohort.course_dir, "ok.forst")
    notes = messages_for(synced["summary"].notes, "loopar")
    assert len(notes) == 1 and "tog för lång tid och avbröts" in notes[0]


def test_is_a_flood_of_output_cut_and_the_rest_graded(synced, cohort):
    assert score(cohort.course_dir, "skriver.mycket") == score(cohort.course_dir, "ok.forst")
    graded = cohort.course_dir / "autograded" / "skriver.mycket" / T0 / f"{T0}.ipynb"
    ordinary = cohort.course_dir / "autograded" / "ok.forst" / T0 / f"{T0}.ipynb"
    assert graded.stat().st_size < ordinary.stat().st_size + 150_000, "about 100 000 characters of output at most"
    notes = messages_for(synced["summary"].notes, "skriver.mycket")
    assert len(notes) == 1 and "skrev ut för mycket" in notes[0]


def test_is_a_link_out_of_the_task_folder_never_followed(synced, cohort):
    collected = cohort.course_dir / "submitted" / "lankar" / T0
    assert (collected / f"{T0}.ipynb").exists()
    assert not (collected / "deltagare.csv").exists()
    everything = "".join(p.read_text(errors="ignore") for p in collected.rglob("*") if p.is_file())
    assert "hemlig@bibliotek.example" not in everything
    notes = messages_for(synced["summary"].notes, "lankar")
    assert len(notes) == 1 and "deltagare.csv" in notes[0] and "följdes inte" in notes[0]
    assert messages_for(synced["again"].notes, "lankar") == [], "said once, not at every sync"


def test_is_a_submission_cut_off_half_way_skipped_for_the_whole_one_before_it(synced, cohort):
    collected = cohort.course_dir / "submitted" / "avbruten" / T0
    assert nbformat.read(collected / f"{T0}.ipynb", as_version=4).cells, "the whole, earlier submission"
    problems = messages_for(synced["summary"].problems, "avbruten")
    assert len(problems) == 1 and "avbröts innan den var klar" in problems[0]


def test_is_a_submission_after_the_course_closed_kept_graded_and_late(synced, cohort):
    assert score(cohort.course_dir, "sen") == score(cohort.course_dir, "ok.forst")
    notes = messages_for(synced["summary"].notes, "sen")
    assert len(notes) == 1 and "efter att kursen stängde" in notes[0]
    progress = load_progress(cohort.course_dir)
    late = progress[(progress[TASK] == T0)].set_index(LEARNER)[LATE]
    assert late["sen"] and not late["ok.forst"]


def test_does_a_second_sync_grade_nothing_again(synced):
    assert synced["again"].graded == []
    assert synced["again"].notes == []
    # (The course blog adds its own line about a notebook it cannot read; only sync's own are compared.)
    own = [p for p in synced["again"].problems if p.startswith(f"{p.split()[0]} {T0}: ")]
    assert sorted(own) == sorted(p for p in synced["summary"].problems if p.split()[0] in (*BLOCKED, "avbruten"))
