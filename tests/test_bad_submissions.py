"""Learners hand in strange things: one sync must grade everyone else as usual and tell the coordinator,
in Swedish, what is wrong with the rest and what to do.

One course instance with the first two tasks, one cohort doing one odd thing each, one sync (and a
second one after the coordinator has graded a reflection). The notebook time limit is cut from the
course's 60 seconds to a few so that a notebook that loops forever would cost the test seconds, not a
minute. Code that learners add never runs (`SetAsideForeignCode`): one learner adds a whole hostile
corpus (tests/fixtures_hostile.py) and nothing of it may happen; test_grading_sandbox.py runs the same
code as the teacher's, in the grading sandbox.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from html import unescape
from html.parser import HTMLParser

import nbformat
import pytest
from nbgrader.api import Gradebook

from ensak.analytics.gradebook import LATE, LEARNER, TASK, gradebook_url, load_progress
from ensak.course.plan import load_course
from ensak.demo import fetch_task
from ensak.learner.answers import ANSWERS_FILE
from ensak.nbgrader.api import load_config
from ensak.nbgrader.preprocessors import FOREIGN_CODE_NOTE, SET_ASIDE
from ensak.nbgrader.screening import PLACEHOLDER
from ensak.sync import sync

pytest.register_assert_rewrite("fixtures_reliability", "fixtures_hostile")
from fixtures_hostile import (  # noqa: E402
    GIB,
    HACKED,
    REFLECTION_CANARY,
    Listener,
    Targets,
    coordinator_environment,
    hostile_cells,
    large_files,
    leaks,
    learner_names,
    plant_canaries,
)
from fixtures_reliability import COURSE_ID, T0, T1, Cohort, grade_id, released_course  # noqa: E402

pytestmark = pytest.mark.slow

# Short enough that the endless loop costs little, long enough that an ordinary cell (the first one
# imports the widgets) never times out on a busy two-core machine.
TIME_LIMIT = 15
GOOD = ("ok.forst", "ok.sist")
# Whoever does something odd, and what; each is checked by a test below.
BLOCKED = ("trasig.json", "annan.uppgift", "fel.innehall")
GRADED_AS_USUAL = ("celler.andrade", "loopar", "skriver.mycket", "lankar", "platshallare", "sen",
                   "svar.kopierad", "fientlig", "html.text")
HOSTILE = "fientlig"  # adds every cell of the hostile corpus to an honestly answered notebook
# Writes HTML that would run in the coordinator's formgrader: in the reflection, in a Markdown cell and a
# raw cell of her own. Each piece would set window.ensakHacked if a browser ran it.
MARKUP = "html.text"
MARKUP_REFLECTION = ('Jag gillade uppgiften <3 och skrev a < b. <img src=x onerror="window.ensakHacked=1">'
                     '<script>window.ensakHacked=2</script> [Läs mer](javascript:window.ensakHacked=3)')
MARKUP_CELL = ('<iframe srcdoc="<script>parent.ensakHacked=4</script>"></iframe> <a href="#" onclick="ensakHacked=5">x</a> '
               # Pictures are embedded in the feedback: a picture of the coordinator's files must not be.
               '![kanariefagel](../../../../gradebook/gradebook.db) ![x](/etc/hostname)')
MARKUP_RAW = "<script>window.ensakHacked=6</script>"
SCORE_ZERO = ("last.andrad", "svar.saknas", "svar.tom", "svar.trasig", "svar.enorm")


@pytest.fixture(scope="module")
def bad_course(tmp_path_factory):
    """A course instance with the first two tasks generated and released (SQLite gradebook)."""
    return released_course(tmp_path_factory.mktemp("bad") / "kurs", [T0, T1])


@pytest.fixture(scope="module")
def listener():
    service = Listener()
    yield service
    service.close()


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    """Where hostile code that ran would leave files (outside the course)."""
    return tmp_path_factory.mktemp("spar")


@pytest.fixture(scope="module")
def cohort(bad_course, tmp_path_factory, listener, traces):
    course = load_course(bad_course)
    cohort = Cohort(bad_course, tmp_path_factory.mktemp("homes"), time_limit=TIME_LIMIT)
    with Gradebook(gradebook_url(bad_course), COURSE_ID) as gb:
        for task in (T0, T1):  # as the demo does: the course's closing day is every task's due date
            gb.update_or_create_assignment(task, duedate=dt.datetime.combine(course.closes, dt.time(23, 59)))
    ok = cohort.answered("ok.forst", reflection=f"Det här skriver jag bara för kursledaren: {REFLECTION_CANARY}.")
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
        if learner not in ("lankar", "sen", HOSTILE, MARKUP):
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

    cohort.answered(MARKUP, reflection=MARKUP_REFLECTION)

    def add_markup_cells(nb):
        # The Markdown cell claims to be one grading set aside (such cells are shown as they are).
        nb.cells[3:3] = [nbformat.v4.new_markdown_cell(MARKUP_CELL, metadata={SET_ASIDE: True}),
                         nbformat.v4.new_raw_cell(MARKUP_RAW)]
    cohort.edit(MARKUP, add_markup_cells)
    cohort.submit(MARKUP)

    plant_canaries(bad_course, T0)
    targets = Targets(bad_course, T0, bad_course / "submitted" / "ok.forst" / T0 / f"{T0}.ipynb", listener.port,
                      gradebook_url(bad_course), traces)

    def add_hostile_code(nb):
        cells = [nbformat.v4.new_code_cell(code) for code in hostile_cells(targets).values()]
        # Two in disguise: one wears a real check's nbgrader id (placed before that check), one claims
        # an id of its own worth 1000 points.
        check = next(c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
        cells[0].metadata = json.loads(json.dumps(check.metadata))
        cells[1].metadata = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1000,
                                          "grade_id": "fusk", "schema_version": 3, "task": False}}
        nb.cells[nb.cells.index(check):nb.cells.index(check)] = cells
    cohort.answered(HOSTILE)
    cohort.edit(HOSTILE, add_hostile_code)
    cohort.submit(HOSTILE)
    cohort.hostile_code = list(hostile_cells(targets).values())
    return cohort


@pytest.fixture(scope="module")
def synced(cohort):
    url = gradebook_url(cohort.course_dir)
    with coordinator_environment(url):
        summary = sync(cohort.course_dir, config=cohort.config)
        # The coordinator reads two reflections in formgrader; the next sync gives those learners feedback.
        with Gradebook(url, COURSE_ID) as gb:
            for learner in (HOSTILE, MARKUP):
                for notebook in gb.find_submission(T0, learner).notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            grade.manual_score, grade.needs_manual_grade = grade.max_score, False
                    for comment in notebook.comments:
                        if comment.cell.name == grade_id_of_reflection(notebook):
                            comment.manual_comment = COORDINATOR_COMMENT
            gb.db.commit()
        again = sync(cohort.course_dir, config=cohort.config)
    return {"summary": summary, "again": again}


COORDINATOR_COMMENT = "Tack! Berätta gärna mer om *poddarna* på nästa träff."


def grade_id_of_reflection(notebook) -> str:
    """The manually graded reflection's cell name in a submitted notebook of the gradebook."""
    return next(grade.cell.name for grade in notebook.grades if grade.cell.cell_type == "markdown")


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


def graded_notebook(course_dir, learner):
    return nbformat.read(course_dir / "autograded" / learner / T0 / f"{T0}.ipynb", as_version=4)


def set_aside_cells(notebook) -> list:
    return [c for c in notebook.cells if c.metadata.get(SET_ASIDE)]


@pytest.mark.parametrize("learner, code", [("loopar", "while True:"), ("skriver.mycket", "print('x' * 20_000_000)"),
                                           ("celler.andrade", "print('hej')")])
def test_is_code_a_learner_added_set_aside_unexecuted_and_the_rest_graded(synced, cohort, learner, code):
    assert score(cohort.course_dir, learner) == score(cohort.course_dir, "ok.forst")
    aside = set_aside_cells(graded_notebook(cohort.course_dir, learner))
    assert len(aside) == 1 and aside[0].cell_type == "markdown" and code in aside[0].source
    assert FOREIGN_CODE_NOTE in aside[0].source
    notes = messages_for(synced["summary"].notes, learner)
    assert notes == [f"{learner} {T0}: {FOREIGN_CODE_NOTE} Övriga svar är rättade som vanligt; koden syns i "
                     "formgrader och i deltagarens återkoppling."], "said once, and nothing about time limits"
    graded = cohort.course_dir / "autograded" / learner / T0 / f"{T0}.ipynb"
    ordinary = cohort.course_dir / "autograded" / "ok.forst" / T0 / f"{T0}.ipynb"
    assert graded.stat().st_size < ordinary.stat().st_size + 2_000, "no output from the added cell"


def test_is_the_course_time_limit_what_ships(cohort):
    assert load_config(cohort.course_dir).Execute.timeout == 60, "the course's own limit"


def test_does_none_of_the_hostile_code_run(synced, cohort, listener, traces):
    assert listener.connections == [], "nothing connected to the service on 127.0.0.1"
    assert list(traces.iterdir()) == [], "no process forked, no file written, no memory taken"
    assert HACKED not in learner_names(gradebook_url(cohort.course_dir))
    assert large_files(cohort.course_dir, GIB // 16) == []
    assert leaks(cohort.course_dir, gradebook_url(cohort.course_dir), [HOSTILE]) == []


def test_is_hostile_code_shown_to_the_coordinator_and_the_learner_never_run(synced, cohort):
    graded = graded_notebook(cohort.course_dir, HOSTILE)
    aside = set_aside_cells(graded)
    shown = "\n".join(c.source for c in aside)
    assert len(aside) == len(cohort.hostile_code)
    assert all(code.splitlines()[-1] in shown for code in cohort.hostile_code), "every cell is shown"
    assert all(c.cell_type == "markdown" and "nbgrader" not in c.metadata for c in aside)
    assert not any("fusk" == grade_id(c) for c in graded.cells), "the made-up graded cell is gone"
    notes = messages_for(synced["summary"].notes, HOSTILE)
    assert len(notes) == 1 and FOREIGN_CODE_NOTE in notes[0], "said once for the submission"
    feedback = (cohort.course_dir / "feedback" / HOSTILE / T0 / f"{T0}.html").read_text(encoding="utf-8")
    assert FOREIGN_CODE_NOTE in feedback, "the learner is told the same"
    assert "UPDATE student SET" in feedback, "with the code it left out"


def test_is_set_aside_code_shown_by_formgrader_as_text(synced, cohort):
    html = formgrader_page(cohort.course_dir, HOSTILE)
    assert html.count(FOREIGN_CODE_NOTE) == len(cohort.hostile_code)
    shown = unescape(re.sub(r"<[^>]+>", "", html))
    assert all(code in shown for code in cohort.hostile_code), "the code is there to read, as it was written"


def formgrader_page(course_dir, learner) -> str:
    """The page formgrader shows the coordinator for a learner's graded task 0 (its own exporter and template)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    exporter = HTMLExporter(template_name="formgrade", extra_template_basedirs=[handlers.template_path])
    path = course_dir / "autograded" / learner / T0 / f"{T0}.ipynb"
    html, _ = exporter.from_filename(str(path), resources={
        "assignment_id": T0, "notebook_id": T0, "submission_id": "x", "index": 0, "total": 1, "base_url": "",
        "student": learner, "last_name": "", "first_name": "", "notebook_path": ""})
    return html


class ActiveParts(HTMLParser):
    """What a browser would act on in a page: attribute values and the text of script elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.parts += [f"{tag} {name}={value}" for name, value in attrs if value]
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.parts.append(f"script: {data}")


def test_is_html_a_learner_wrote_shown_as_text_in_formgrader_never_run(synced, cohort):
    html = formgrader_page(cohort.course_dir, MARKUP)
    active = ActiveParts()
    active.feed(html)
    assert [part for part in active.parts if "ensakHacked" in part] == [], "nothing she wrote can run"
    shown = unescape(re.sub(r"<[^>]+>", " ", html))
    for piece in ("<3", "a < b", '<img src=x onerror="window.ensakHacked=1">', "<script>window.ensakHacked=2",
                  '<iframe srcdoc="<script>parent.ensakHacked=4</script>">', MARKUP_RAW):
        assert piece in shown, f"the coordinator reads what she wrote: {piece}"
    assert "Läs mer" in shown
    # The same graded copy is her feedback, which the coordinator may open too.
    active = ActiveParts()
    active.feed((cohort.course_dir / "feedback" / MARKUP / T0 / f"{T0}.html").read_text(encoding="utf-8"))
    assert [part for part in active.parts if "ensakHacked" in part] == []


def test_is_the_feedback_the_learners_task_in_swedish_without_code(synced, cohort):
    page = (cohort.course_dir / "feedback" / HOSTILE / T0 / f"{T0}.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    shown = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)))
    with Gradebook(gradebook_url(cohort.course_dir), COURSE_ID) as gb:
        submission = gb.find_submission(T0, HOSTILE)
        total, most = submission.score, submission.max_score
    assert f"Du fick {total:g} av {most:g} poäng" in " ".join(shown.split()) and "Din reflektion" in shown
    assert "Kontroll av kontrollfråga 1: 1 av 1 poäng" in " ".join(shown.split())
    assert "Kursledarens kommentar" in shown and "poddarna" in page and "<em>poddarna</em>" in page
    # What the learner never saw in her task is not in her feedback either: code, hidden tests, prompts.
    for english_or_code in ("from ensak", "BEGIN HIDDEN TESTS", "grading.", "In [", "Out[", "Score", "Test cell",
                            "Student's answer", "Comments"):
        assert english_or_code not in shown, english_or_code
    assert "<script" not in page, "no script, from elsewhere or inline"
    assert FOREIGN_CODE_NOTE in shown, "the code she added is shown as text, with the note"


def test_does_the_feedback_embed_only_the_tasks_own_pictures(synced, cohort):
    honest = (cohort.course_dir / "feedback" / HOSTILE / T0 / f"{T0}.html").read_text(encoding="utf-8")
    marked = (cohort.course_dir / "feedback" / MARKUP / T0 / f"{T0}.html").read_text(encoding="utf-8")
    assert honest.count("<img") == marked.count("<img") > 0, "the task's own picture, nothing of the disk"
    assert "kanariefagel" in unescape(re.sub(r"<[^>]+>", " ", marked)), "her text is shown as text"


def test_is_an_honest_reflection_left_as_written(synced, cohort):
    graded = graded_notebook(cohort.course_dir, "ok.forst")
    submitted = nbformat.read(cohort.course_dir / "submitted" / "ok.forst" / T0 / f"{T0}.ipynb", as_version=4)
    assert [c.source for c in graded.cells if c.cell_type == "markdown"] == \
        [c.source for c in submitted.cells if c.cell_type == "markdown"]
    assert score(cohort.course_dir, MARKUP) == score(cohort.course_dir, "ok.forst"), "her answers count as usual"


def test_are_the_hostile_learners_own_answers_graded(synced, cohort):
    assert score(cohort.course_dir, HOSTILE) == score(cohort.course_dir, "ok.forst") > 0
    assert (HOSTILE, T0) in synced["again"].feedback


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
    assert sorted(synced["again"].feedback) == sorted([(HOSTILE, T0), (MARKUP, T0)]), \
        "only the reflections the coordinator graded"
    # (The course blog adds its own line about a notebook it cannot read; only sync's own are compared.)
    own = [p for p in synced["again"].problems if p.startswith(f"{p.split()[0]} {T0}: ")]
    assert sorted(own) == sorted(p for p in synced["summary"].problems if p.split()[0] in (*BLOCKED, "avbruten"))
