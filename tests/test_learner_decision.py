"""The decision guide: one question at a time until an outcome, with answers that can be changed."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.decision import Choice, DecisionGuide, Outcome, Step, check_guide

STEPS = {
    "vem": Step("Vem tog bilden?", (Choice("Jag själv", "personer"), Choice("Någon på nätet", "stopp"))),
    "personer": Step("Syns någon?", (Choice("Nej", "ok"), Choice("Ja", "samtycke")), help="Går de att känna igen?"),
    "samtycke": Step("Har de sagt ja?", (Choice("Ja", "ok"), Choice("Nej", "fraga"))),
}
OUTCOMES = {
    "ok": Outcome("ja", "publicera", "Ange fotograf."),
    "fraga": Outcome("villkor", "ni frågar först", "Be om samtycke.", links=(("IMY", "https://www.imy.se/"),)),
    "stopp": Outcome("nej", "skaffa tillstånd", "Fråga den som äger bilden."),
}


def make_guide(tmp_path) -> DecisionGuide:
    return DecisionGuide("publicera", STEPS, OUTCOMES, start="vem", title="Får vi publicera?",
                         store=AnswerStore(tmp_path))


def shown_questions(guide: DecisionGuide) -> list[str]:
    return [step_id for step_id, _, _ in guide.rows]


def test_does_the_guide_start_with_only_the_first_question(tmp_path):
    guide = make_guide(tmp_path)
    assert shown_questions(guide) == ["vem"]
    assert guide.outcome is None and guide.result.value == ""


def test_does_each_answer_bring_up_the_next_question_until_an_outcome(tmp_path):
    guide = make_guide(tmp_path)
    guide.answer("vem", 0)
    guide.answer("personer", 1)
    assert shown_questions(guide) == ["vem", "personer", "samtycke"]
    guide.answer("samtycke", 1)
    assert guide.outcome_id == "fraga"
    assert "⚠ Ja, men bara om: ni frågar först" in guide.result.value
    assert 'href="https://www.imy.se/"' in guide.result.value
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["publicera"]
    assert saved["kind"] == "checker"
    assert saved["value"]["path"] == [["vem", 0], ["personer", 1], ["samtycke", 1]]
    assert saved["value"]["verdict"] == "villkor"
    assert saved["value"]["answers"] == ["Jag själv", "Ja", "Nej"]


def test_does_changing_an_earlier_answer_drop_the_later_questions(tmp_path):
    guide = make_guide(tmp_path)
    guide.answer("vem", 0)
    guide.answer("personer", 1)
    guide.answer("vem", 1)
    assert shown_questions(guide) == ["vem"]
    assert guide.outcome_id == "stopp"
    assert "✗ Nej, inte så här: skaffa tillstånd" in guide.result.value


def test_can_a_question_not_on_screen_be_answered(tmp_path):
    with pytest.raises(ValueError):
        make_guide(tmp_path).answer("samtycke", 0)


def test_does_starting_over_clear_the_answers_but_keep_the_saved_outcome(tmp_path):
    guide = make_guide(tmp_path)
    guide.answer("vem", 1)
    guide.restart_button.click()
    assert shown_questions(guide) == ["vem"] and guide.outcome is None
    assert AnswerStore(tmp_path).get("publicera")["outcome"] == "stopp"


def test_does_a_rerun_guide_replay_the_saved_path(tmp_path):
    guide = make_guide(tmp_path)
    guide.answer("vem", 0)
    guide.answer("personer", 0)
    again = make_guide(tmp_path)
    assert shown_questions(again) == ["vem", "personer"]
    assert again.outcome_id == "ok" and "✓ Ja: publicera" in again.result.value
    assert "återställda" in again.status.value


def test_does_a_saved_path_that_no_longer_fits_start_over(tmp_path):
    AnswerStore(tmp_path).save("publicera", {"path": [["vem", 0], ["borttagen", 0]]}, kind="checker")
    guide = make_guide(tmp_path)
    assert shown_questions(guide) == ["vem"] and guide.outcome is None


@pytest.mark.parametrize("steps, outcomes, problem", [
    ({"a": Step("?", (Choice("x", "b"), Choice("y", "ok")))}, {"ok": OUTCOMES["ok"]}, "neither"),
    ({"a": Step("?", (Choice("x", "a"), Choice("y", "ok")))}, {"ok": OUTCOMES["ok"]}, "circle"),
    ({"a": Step("?", (Choice("x", "ok"),))}, {"ok": OUTCOMES["ok"]}, "two choices"),
    ({"a": Step("?", (Choice("x", "ok"), Choice("y", "ok")))}, {"ok": Outcome("kanske", "t", "a")}, "verdict"),
])
def test_is_a_broken_guide_refused_when_it_is_written(steps, outcomes, problem):
    with pytest.raises(ValueError, match=problem):
        check_guide(steps, outcomes, "a")


def test_does_a_simulated_learner_reach_an_outcome(tmp_path):
    guide = make_guide(tmp_path)
    guide.simulate(random.Random(7))
    assert AnswerStore(tmp_path).get("publicera")["outcome"] in OUTCOMES
