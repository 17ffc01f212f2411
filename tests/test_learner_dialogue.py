"""The post checker (marketing or dialogue?) and the comment simulator: verdicts, advice, saving, restoring."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.dialogue import (
    EXAMPLE_POSTS,
    SCENARIOS,
    CommentSimulator,
    PostChecker,
    Reply,
    Scenario,
    review_post,
)


def texts(review, level):
    return [f.text for f in review.findings if f.level == level]


def saved(tmp_path, key):
    return json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"][key]


def test_is_a_shouting_sales_post_called_marketing_with_reasons():
    review = review_post(EXAMPLE_POSTS["reklam"])
    assert review.verdict == "marknadsforing" and review.dialogue == 0
    tips = " ".join(texts(review, "tips"))
    assert "”missa inte”" in tips and "utropstecken" in tips and "hashtaggar" in tips and "”vi”" in tips


def test_is_a_question_with_an_invitation_and_a_signature_called_dialogue():
    review = review_post(EXAMPLE_POSTS["dialog"])
    assert review.verdict == "dialog" and review.broadcast == 0
    good = " ".join(texts(review, "bra"))
    assert "1 fråga" in good and "”tipsa oss”" in good and "personlig avsändare" in good


def test_is_plain_news_information_rather_than_marketing():
    review = review_post("Nu har vi köpt in nya böcker om trädgård.")
    assert review.verdict == "information"
    assert not any("reklam" in t for t in texts(review, "tips")), "'köpt in' is not the sales word 'köp'"
    assert any("avsluta med en fråga" in t for t in texts(review, "tips"))


def test_is_a_bare_link_asked_for_a_reason_to_click():
    assert any("Mest en länk" in t for t in texts(review_post("Läs här: https://example.org/x"), "tips"))


def test_does_an_empty_post_get_a_problem_and_no_verdict_of_dialogue():
    review = review_post("  ")
    assert texts(review, "problem") and review.verdict == "information"


def test_does_the_checker_say_it_counts_signals_not_tone():
    assert any("tonen måste du själv bedöma" in t for t in texts(review_post("Hej!"), "info"))


def test_does_the_post_checker_save_and_restore(tmp_path):
    checker = PostChecker("inlaggsgranskning", store=AnswerStore(tmp_path))
    checker.examples["dialog"].click()
    checker.check_button.click()
    assert "Bjuder in till dialog" in checker.result.value and "✓ Bra:" in checker.result.value
    value = saved(tmp_path, "inlaggsgranskning")["value"]
    assert value["verdict"] == "dialog" and value["text"] == EXAMPLE_POSTS["dialog"]

    again = PostChecker("inlaggsgranskning", store=AnswerStore(tmp_path))
    assert again.box.value == EXAMPLE_POSTS["dialog"] and again.result.value == checker.result.value


def test_has_every_scenario_exactly_one_best_reply_and_an_outcome_for_each():
    for scenario in SCENARIOS:
        assert [r.quality for r in scenario.replies].count("bra") == 1
        assert all(len(r.outcome) > 40 for r in scenario.replies)


def test_does_a_reply_show_its_outcome_and_the_best_reply_when_it_was_not_chosen(tmp_path):
    sim = CommentSimulator("kommentarer", store=AnswerStore(tmp_path))
    assert "Kommentar 1 av 5" in sim.card.value and sim.next_button.disabled
    sim.reply_button.click()
    assert "Välj först" in sim.outcome.value and not (tmp_path / "svar.json").exists()
    sim.replies.index = 0                       # deleting the complaint
    sim.reply_button.click()
    assert "✗ Inte bra." in sim.outcome.value and "Det bästa svaret:" in sim.outcome.value
    assert not sim.next_button.disabled
    sim.next_button.click()
    assert "Kommentar 2 av 5" in sim.card.value and sim.outcome.value == ""


def test_does_the_simulator_count_best_replies_save_and_restore(tmp_path):
    sim = CommentSimulator("kommentarer", store=AnswerStore(tmp_path))
    picks = [s.best for s in SCENARIOS]
    picks[1] = 2                                  # block the troll: could work, but not best
    sim.answer_all(picks)
    value = saved(tmp_path, "kommentarer")["value"]
    assert value["answered"] == 5 and value["best"] == 4 and value["choices"]["troll"] == 2
    assert "valde det bästa svaret i 4 av dem" in sim.summary.value
    assert saved(tmp_path, "kommentarer")["kind"] == "simulator"

    again = CommentSimulator("kommentarer", store=AnswerStore(tmp_path))
    assert again.choices == sim.choices and again.position == len(SCENARIOS) - 1
    again.restart_button.click()
    assert again.position == 0 and again.replies.index == picks[0] and "✓ Bra val." in again.outcome.value


def test_does_a_half_done_simulator_resume_at_the_first_unanswered_comment(tmp_path):
    sim = CommentSimulator("kommentarer", store=AnswerStore(tmp_path))
    sim.answer_all([SCENARIOS[0].best, SCENARIOS[1].best])
    again = CommentSimulator("kommentarer", store=AnswerStore(tmp_path))
    assert again.position == 2 and "Besvarade: 2 av 5" in again.summary.value


def test_are_scenarios_required_and_replaceable():
    with pytest.raises(ValueError):
        CommentSimulator("k", scenarios=[])
    one = Scenario("x", "Någon", "Hej?", (Reply("Svara", "bra", "Bra."), Reply("Tig", "daligt", "Dåligt.")))
    assert one.best == 0


def test_does_the_simulated_learner_answer_every_comment(tmp_path):
    CommentSimulator("kommentarer", store=AnswerStore(tmp_path)).simulate(random.Random(4), {"skill": 1.0})
    assert saved(tmp_path, "kommentarer")["value"]["best"] == len(SCENARIOS)
