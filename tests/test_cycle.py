"""One course cycle through nbgrader's real exchange: fetch, answer in widgets, submit, collect, autograde."""

from __future__ import annotations

import datetime as dt
import json

import nbformat
import pytest
from nbgrader.api import Gradebook

from ensak.analytics.gradebook import gradebook_url
from ensak.demo import demo_config, fetch_task, run_widget_cells, submit_task
from ensak.learner.answers import ANSWERS_FILE
from ensak.sync import sync

pytestmark = pytest.mark.slow
TASK = "00-valkommen"
NOW = dt.datetime(2027, 1, 20, 10, tzinfo=dt.timezone.utc)


def answer(folder, *, quiz_right: bool, ticks: int = 4, evidence: bool = True,
           reflection: str | None = "Jag lärde mig mycket."):
    """Answer the kickoff through its widgets as a person would, then write the reflection.

    `evidence`: whether the learner shows the task's real thing (the course time booked in the calendar)."""
    nb_path = folder / f"{TASK}.ipynb"
    notebook = nbformat.read(nb_path, as_version=4)
    widgets = run_widget_cells(folder, notebook)
    widgets["q-socialt-medium"].select(1 if quiz_right else 0)
    widgets["q-socialt-medium"].check()
    widgets["q-varfor-alla"].select(*([0, 1, 3] if quiz_right else [2]))
    widgets["q-varfor-alla"].check()
    for skill in widgets["sjalvskattning-fore"].scales:
        widgets["sjalvskattning-fore"].rate(skill, 3)
    widgets["ovning-kurstid"].tick(*range(ticks))
    if evidence:
        widgets["bevis"].description_box.value = ("Min första kurstid är tisdag 12 januari kl. 9.00 i Outlook, "
                                                  "och sedan samma tid var tredje tisdag.")
    if reflection is not None:
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "reflektion":
                cell.source = reflection
    nbformat.write(notebook, nb_path)
    return notebook


@pytest.fixture(scope="module")
def cycle(released_course, tmp_path_factory):
    """Four learners do odd and ordinary things; the coordinator syncs once."""
    config = demo_config(released_course)
    homes = tmp_path_factory.mktemp("homes")
    course_id = "ensak"

    def fetch(learner):
        return fetch_task(config, course_id, TASK, learner, homes / learner)

    answer(fetch("anna.ek"), quiz_right=True)
    answer(fetch("bo.ahl"), quiz_right=False, ticks=1, evidence=False, reflection=None)
    damaged = fetch("cecilia.oberg")
    answer(damaged, quiz_right=True)
    (damaged / ANSWERS_FILE).write_text("{trasig", encoding="utf-8")
    deleter = fetch("david.ek")
    notebook = answer(deleter, quiz_right=True)
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "quiz-1-check"]
    nbformat.write(notebook, deleter / f"{TASK}.ipynb")
    widget_deleter = fetch("eva.lind")
    notebook = answer(widget_deleter, quiz_right=True)
    notebook.cells = [c for c in notebook.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") not in ("quiz-2-widget", "quiz-2-check")]
    nbformat.write(notebook, widget_deleter / f"{TASK}.ipynb")
    for learner in ("anna.ek", "bo.ahl", "cecilia.oberg", "david.ek", "eva.lind"):
        submit_task(config, course_id, TASK, learner, homes / learner, NOW)
    summary = sync(released_course, config=config)
    return {"course": released_course, "config": config, "homes": homes, "summary": summary}


def scores(course_dir, learner):
    # The course's own gradebook, SQLite or PostgreSQL (test_postgres_cycle.py runs these tests there too).
    with Gradebook(gradebook_url(course_dir), "ensak") as gb:
        submission = gb.find_submission(TASK, learner)
        return submission.code_score, submission.max_code_score, submission.needs_manual_grade


def test_is_every_submission_collected_and_graded(cycle):
    graded = {learner for learner, task in cycle["summary"].graded if task == TASK}
    assert {"anna.ek", "bo.ahl", "cecilia.oberg", "david.ek"} <= graded
    # Only the damaged answers file is worth the coordinator's attention.
    assert all("cecilia.oberg" in problem for problem in cycle["summary"].problems)


def test_does_a_learner_who_answered_right_get_every_automatic_point(cycle):
    score, maximum, needs_manual = scores(cycle["course"], "anna.ek")
    # two quizzes (1 + 1), the self-assessment (1), the evidence of the real thing (2)
    assert maximum == 5 and score == 5
    assert needs_manual, "the reflection waits for the coordinator"


def test_are_wrong_answers_and_unfinished_steps_scored_as_such(cycle):
    score, _, _ = scores(cycle["course"], "bo.ahl")
    # both quizzes wrong (0 + 0), self-assessment done (1), no evidence of the real thing (0); the Extra
    # checklist he ticked once is never scored
    assert score == pytest.approx(1)


def test_does_the_answers_file_travel_with_the_submission(cycle):
    learner_copy = json.loads((cycle["homes"] / "anna.ek" / TASK / ANSWERS_FILE).read_text("utf-8"))
    graded_copy = json.loads((cycle["course"] / "autograded" / "anna.ek" / TASK / ANSWERS_FILE).read_text("utf-8"))
    assert graded_copy == learner_copy
    assert graded_copy["answers"]["q-socialt-medium"]["value"]["selected"] == [1]


def test_does_a_damaged_answers_file_score_zero_without_stopping_anyone(cycle):
    score, _, _ = scores(cycle["course"], "cecilia.oberg")
    assert score == 0
    # and the damaged file itself is kept in the collected submission
    assert (cycle["course"] / "submitted" / "cecilia.oberg" / TASK / ANSWERS_FILE).read_text() == "{trasig"


def test_is_a_deleted_test_cell_put_back_and_graded(cycle):
    score, maximum, _ = scores(cycle["course"], "david.ek")
    assert maximum == 5 and score == 5
    graded = nbformat.read(cycle["course"] / "autograded" / "david.ek" / TASK / f"{TASK}.ipynb", as_version=4)
    assert any(c.metadata.get("nbgrader", {}).get("grade_id") == "quiz-1-check" for c in graded.cells)


def test_are_a_deleted_widget_and_its_check_put_back_in_order(cycle):
    score, maximum, _ = scores(cycle["course"], "eva.lind")
    assert maximum == 5 and score == 5
    graded = nbformat.read(cycle["course"] / "autograded" / "eva.lind" / TASK / f"{TASK}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in graded.cells]
    assert ids.index("quiz-1-check") < ids.index("quiz-2-widget") < ids.index("quiz-2-check") < ids.index(
        "sjalvskattning-widget")


def test_is_a_resubmission_regraded_and_nothing_else(cycle):
    home = cycle["homes"] / "bo.ahl"
    answer(home / TASK, quiz_right=True)
    submit_task(cycle["config"], "ensak", TASK, "bo.ahl", home, NOW + dt.timedelta(days=1))
    second = sync(cycle["course"], config=cycle["config"])
    assert second.graded == [("bo.ahl", TASK)]
    assert scores(cycle["course"], "bo.ahl")[0] == 5
    third = sync(cycle["course"], config=cycle["config"])
    assert third.graded == []
    assert all("cecilia.oberg" in problem for problem in third.problems)
