"""Evidence of the task's real action: a link, a named alternative, or a description, and the check
that a task cannot be complete without it."""

import pytest

from ensak.learner import Evidence, grading
from ensak.learner.answers import AnswerStore, load_answers
from ensak.learner.evidence import MIN_DESCRIPTION_WORDS, evidence_from_answer, is_web_address

ALTERNATIVE = "Jag skrev i kursens testblogg"


def make_evidence(tmp_path) -> Evidence:
    return Evidence("bevis", "Klistra in länken till ditt blogginlägg", alternatives=[ALTERNATIVE],
                    store=AnswerStore(tmp_path))


@pytest.fixture
def grading_run(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def test_is_a_pasted_link_saved_at_once_and_called_enough(tmp_path):
    evidence = make_evidence(tmp_path)
    evidence.link_box.value = "https://bibliotek.example.se/blogg/mitt-forsta-inlagg"
    saved = load_answers(tmp_path)["bevis"]
    assert saved["link"].endswith("mitt-forsta-inlagg") and saved["complete"] is True
    assert "Beviset räcker" in evidence.verdict.value


@pytest.mark.parametrize("text", ["mitt inlägg", "www.example.se", "ftp://example.se/x", "https://", "https://a b.se"])
def test_is_something_that_is_not_a_web_address_refused_as_a_link(tmp_path, text):
    assert not is_web_address(text)
    evidence = make_evidence(tmp_path)
    evidence.link_box.value = text
    assert load_answers(tmp_path)["bevis"]["complete"] is False
    assert "Beviset räcker" not in evidence.verdict.value


def test_does_a_description_count_only_when_it_says_what_was_done(tmp_path):
    evidence = make_evidence(tmp_path)
    evidence.alternative_choice.value = ALTERNATIVE
    evidence.description_box.value = "Jag gjorde det."
    assert load_answers(tmp_path)["bevis"]["complete"] is False
    assert "för kort" in evidence.verdict.value
    evidence.description_box.value = " ".join(["ord"] * MIN_DESCRIPTION_WORDS)
    saved = load_answers(tmp_path)["bevis"]
    assert saved["complete"] is True and saved["alternative"] == ALTERNATIVE


def test_is_the_evidence_restored_when_the_task_opens_again(tmp_path):
    first = make_evidence(tmp_path)
    first.alternative_choice.value = ALTERNATIVE
    first.link_box.value = "https://sv.wikipedia.org/w/index.php?diff=123"
    again = make_evidence(tmp_path)
    assert again.link_box.value == first.link_box.value and again.alternative_choice.value == ALTERNATIVE
    assert "återställt" in again.status.value


def test_does_the_check_fail_in_swedish_without_evidence_while_grading(tmp_path, grading_run):
    make_evidence(tmp_path)
    with pytest.raises(grading.NotAnsweredError, match="saknar bevis"):
        grading.evidence_given("bevis", folder=tmp_path)


def test_does_the_check_print_the_evidence_for_formgrader(tmp_path, grading_run, capsys):
    evidence = make_evidence(tmp_path)
    evidence.link_box.value = "https://www.instagram.com/p/abc123/"
    grading.evidence_given("bevis", folder=tmp_path)
    out = capsys.readouterr()
    assert "Länk: https://www.instagram.com/p/abc123/" in out.out and out.err == ""


def test_is_a_hand_edited_answers_file_no_evidence(tmp_path, grading_run):
    """A learner who writes complete: true into svar.json does not get the task done."""
    store = AnswerStore(tmp_path)
    store.save("bevis", {"complete": True, "link": 42, "description": ["x"] * 20}, kind="evidence")
    assert evidence_from_answer(load_answers(tmp_path)["bevis"]).complete is False
    with pytest.raises(grading.NotAnsweredError):
        grading.evidence_given("bevis", folder=tmp_path)


def test_does_the_check_only_inform_when_the_learner_runs_the_task(tmp_path, capsys):
    make_evidence(tmp_path)
    grading.evidence_given("bevis", folder=tmp_path)
    assert "saknar bevis" in capsys.readouterr().out
