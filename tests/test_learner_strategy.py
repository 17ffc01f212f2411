"""The channel strategy planner: whether the plan fits the time, invites dialogue and has what it needs."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.strategy import (
    ChannelPlan,
    ChannelStrategyPlanner,
    StrategyError,
    assess,
    hours_text,
    make_strategy,
    strategy_markdown,
)
from html_helpers import unstyled


def strategy(**changes):
    options = dict(goals=["dialog", "synlighet"], audience="Småbarnsföräldrar",
                   channels=[ChannelPlan("instagram", 2.0, "Anna"), ChannelPlan("facebook", 1.0, "Bertil")],
                   hours=3, manager=True, learning=True, response="samma", dialogue="halften")
    options.update(changes)
    return make_strategy(**options)


def test_does_the_plan_count_posting_and_answering_time():
    # Instagram 2 × 30 + 15, Facebook 1 × 20 + 15
    assert strategy().weekly_minutes == 110


def test_is_a_plan_that_fits_the_time_and_invites_dialogue_approved():
    findings = assess(strategy())
    assert findings[0] == "✓ Planen kräver ungefär 1,8 timmar i veckan och ryms i de 3 timmar ni har avsatt."
    assert not [f for f in findings if f.startswith("⚠")]


def test_does_a_plan_that_needs_more_time_than_set_aside_say_so():
    findings = assess(strategy(channels=[ChannelPlan("podd", 1.0, "Anna"), ChannelPlan("tiktok", 3.0, "Elin")],
                               hours=2))
    assert findings[0].startswith("⚠ Planen kräver ungefär 7,5 timmar i veckan, men ni har avsatt 2.")


@pytest.mark.parametrize("changes, warning", [
    (dict(dialogue="fa"), "⚠ Nästan inga inlägg bjuder in till samtal"),
    (dict(response="ingen"), "⚠ Ni har ingen plan för att svara"),
    (dict(manager=False), "⚠ Chefen har inte sagt ja ännu"),
    (dict(learning=False), "⚠ Den som själv använder verktygen"),
    (dict(channels=[ChannelPlan("instagram", 1.0, "")]), "⚠ Ingen är ansvarig för: Instagram"),
    (dict(channels=[ChannelPlan(c, 0.25, "Anna") for c in ("facebook", "instagram", "tiktok", "linkedin", "blogg")],
          hours=10), "⚠ 5 kanaler är många"),
])
def test_does_the_assessment_warn_about_what_makes_a_plan_fail(changes, warning):
    assert any(f.startswith(warning) for f in assess(strategy(**changes)))


def test_does_knowledge_sharing_without_room_for_longer_texts_get_a_hint():
    findings = assess(strategy(goals=["kunskap"], channels=[ChannelPlan("tiktok", 1.0, "Elin")], hours=5))
    assert any(f.startswith("ℹ Kunskapsdelning behöver plats") for f in findings)
    findings = assess(strategy(goals=["kunskap"], channels=[ChannelPlan("blogg", 1.0, "Elin")], hours=5))
    assert not any("Kunskapsdelning" in f for f in findings)


@pytest.mark.parametrize("changes, says", [
    (dict(goals=[]), "minst ett mål"), (dict(channels=[]), "minst en kanal"),
    (dict(response=None), "dialog"), (dict(channels=[ChannelPlan("myspace", 1.0)]), "känner igen"),
])
def test_is_a_plan_without_its_essentials_refused(changes, says):
    with pytest.raises(StrategyError, match=says):
        strategy(**changes)


def test_are_hours_written_the_swedish_way():
    assert (hours_text(90), hours_text(120), hours_text(20)) == ("1,5", "2", "0,3")


def test_does_the_one_page_plan_hold_goals_channels_conditions_and_assessment():
    text = strategy_markdown(strategy(manager=False))
    assert text.startswith("# Bibliotekets kanalstrategi\n")
    assert "- Marknadsföring med dialog – nå fler och samtala med dem" in text
    assert "| Instagram | två gånger i veckan | Anna | 75 |" in text
    assert "- Chefens stöd: inte ännu." in text
    assert "- ⚠ Chefen har inte sagt ja ännu." in text


def fill(planner):
    planner.goal_boxes["dialog"].value = True
    planner.audience_box.value = "Unga vuxna"
    use, often, owner = planner.channel_rows["instagram"]
    use.value, often.value, owner.value = True, 2.0, "Fatima"
    planner.response_choice.value = "tva"
    planner.dialogue_choice.value = "flesta"
    planner.hours_box.value = 2
    planner.manager_box.value = True


def test_does_the_planner_show_the_plan_write_the_file_and_save(tmp_path):
    planner = ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path))
    fill(planner)
    planner.make_button.click()
    html = planner.result.value
    assert "<td>Instagram</td><td>två gånger i veckan</td><td>Fatima</td><td>75</td>" in unstyled(html)
    assert "✓ Planen kräver ungefär 1,2 timmar" in html and "⚠ Den som själv använder verktygen" in html
    assert "| Instagram | två gånger i veckan | Fatima | 75 |" in (tmp_path / "kanalstrategi.md").read_text(encoding="utf-8")
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["kanalplan"]
    assert saved["kind"] == "planner"
    assert saved["value"]["goals"] == ["dialog"] and saved["value"]["minutes"] == 75
    assert saved["value"]["channels"] == [{"channel": "instagram", "per_week": 2.0, "owner": "Fatima"}]


def test_does_an_incomplete_plan_get_an_explanation_and_no_file(tmp_path):
    planner = ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path))
    planner.make()
    assert "⚠ Välj minst ett mål" in planner.result.value
    assert not (tmp_path / "kanalstrategi.md").exists() and not (tmp_path / "svar.json").exists()


def test_does_a_rerun_planner_restore_every_choice(tmp_path):
    first = ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path))
    fill(first)
    first.make()
    again = ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path))
    use, often, owner = again.channel_rows["instagram"]
    assert use.value and often.value == 2.0 and owner.value == "Fatima"
    assert again.goal_boxes["dialog"].value and not again.goal_boxes["kunskap"].value
    assert again.response_choice.value == "tva" and again.manager_box.value
    assert again.strategy == first.strategy
    assert "återställd" in again.status.value


def test_is_a_saved_plan_that_no_longer_makes_sense_left_behind(tmp_path):
    AnswerStore(tmp_path).save("kanalplan", {"goals": ["dialog"], "channels": [{"channel": "myspace", "per_week": 1}],
                                             "hours": 2, "response": "samma", "dialogue": "fa"}, kind="planner")
    planner = ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path))
    assert planner.strategy is None and planner.result.value == ""


def test_does_a_simulated_learner_leave_a_plan(tmp_path):
    ChannelStrategyPlanner("kanalplan", store=AnswerStore(tmp_path)).simulate(random.Random(4))
    assert AnswerStore(tmp_path).get("kanalplan")["channels"]
