"""The checks test cells call: Swedish messages, points from the locked answer key, not the file."""

import json

import pytest

from ensak.learner import Checklist, Option, Quiz, grading
from ensak.learner.answers import ANSWERS_FILE, AnswerStore


@pytest.fixture
def grading_run(monkeypatch):
    """As inside nbgrader validate/autograde, which set NBGRADER_EXECUTION for the kernel."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


@pytest.fixture
def quiz(tmp_path):
    return Quiz("q-g", "Fråga?", [Option("Rätt", correct=True, why="a"), Option("Fel", why="b")],
                store=AnswerStore(tmp_path))


def test_does_answered_fail_in_swedish_when_nothing_is_saved(tmp_path, quiz, grading_run):
    with pytest.raises(grading.NotAnsweredError, match="inte svarat på kontrollfråga 1"):
        grading.answered("q-g", "kontrollfråga 1", folder=tmp_path)


def test_does_answered_pass_and_say_so_on_stdout_only(tmp_path, quiz, capsys):
    quiz.select(0)
    quiz.check()
    grading.answered("q-g", "kontrollfråga 1", folder=tmp_path)
    out, err = capsys.readouterr()
    assert "sparat" in out and err == ""


def test_are_quiz_points_given_for_the_right_choice_only(tmp_path, quiz):
    assert grading.quiz_points("q-g", 2, folder=tmp_path) == 0.0
    quiz.select(1)
    quiz.check()
    assert grading.quiz_points("q-g", 2, folder=tmp_path) == 0.0
    quiz.select(0)
    quiz.check()
    assert grading.quiz_points("q-g", 2, folder=tmp_path) == 2.0


def test_does_editing_the_answers_file_not_change_what_counts_as_right(tmp_path, quiz):
    quiz.select(1)
    quiz.check()
    path = tmp_path / ANSWERS_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"]["q-g"]["value"]["correct"] = True  # tampered flag
    path.write_text(json.dumps(data), encoding="utf-8")
    assert grading.quiz_points("q-g", 1, folder=tmp_path) == 0.0


def test_does_a_quiz_that_never_ran_give_a_clear_message(tmp_path, grading_run):
    # In the learner's own words and path (the task panel), never a menu learners do not have.
    with pytest.raises(grading.NotAnsweredError, match="öppna den igen från panelen Uppgifter"):
        grading.quiz_points("finns-inte", 1, folder=tmp_path)


def test_do_checklist_points_grow_with_the_steps_done(tmp_path):
    widget = Checklist("c", ["a", "b", "c", "d"], store=AnswerStore(tmp_path))
    assert grading.checklist_points("c", 1, minimum=2, folder=tmp_path) == 0.0
    widget.tick(0)
    assert grading.checklist_points("c", 1, minimum=2, folder=tmp_path) == 0.5
    widget.tick(1, 2)
    assert grading.checklist_points("c", 1, minimum=2, folder=tmp_path) == 1.0


def test_does_a_damaged_answers_file_fail_the_check_with_the_swedish_reason(tmp_path, grading_run):
    (tmp_path / ANSWERS_FILE).write_text("{")
    with pytest.raises(grading.NotAnsweredError, match="skadad"):
        grading.answered("q", folder=tmp_path)


def test_does_a_learners_own_run_only_note_what_is_missing_so_run_all_goes_on(tmp_path, quiz, monkeypatch, capsys):
    """An exception would stop Run All Cells at the first check and hide the rest of the task."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    grading.answered("q-g", "kontrollfråga 1", folder=tmp_path)
    out, err = capsys.readouterr()
    assert "ℹ Du har inte svarat på kontrollfråga 1" in out and err == ""
    (tmp_path / ANSWERS_FILE).write_text("{")
    grading.answered("q-g", "kontrollfråga 1", folder=tmp_path)
    assert "skadad" in capsys.readouterr().out
    assert grading.quiz_points("q-g", 1, folder=tmp_path) == 0.0
