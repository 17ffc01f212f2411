"""The podcast episode planner: running order, length check, reminders and the episode description."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.podcast import (
    EpisodeError,
    EpisodePlanner,
    episode_description,
    length_verdict,
    parse_segments,
    timestamp,
)
from html_helpers import unstyled


def test_are_segments_read_with_start_times_in_order():
    segments = parse_segments("Vinjett, 0.5\n\nBoktips: Märta 8\nSamtal med gästen – 12 min\nDel 2, 1,5")
    assert [(s.name, s.minutes, s.start) for s in segments] == [
        ("Vinjett", 0.5, 0.0), ("Boktips: Märta", 8.0, 0.5), ("Samtal med gästen", 12.0, 8.5), ("Del 2", 1.5, 20.5)]


@pytest.mark.parametrize("text, says", [("Intro", "Rad 1"), ("Intro, 2\nSamtal", "Rad 2"), ("", "minst en del"),
                                        ("Intro, 0", "längre än 0")])
def test_does_an_unreadable_plan_get_a_swedish_explanation_naming_the_line(text, says):
    with pytest.raises(EpisodeError, match=says):
        parse_segments(text)


def test_are_times_written_as_chapter_marks():
    assert timestamp(0) == "00:00"
    assert timestamp(8.5) == "08:30"
    assert timestamp(75.25) == "1:15:15"


@pytest.mark.parametrize("total, symbol", [(26, "✓"), (40, "⚠"), (10, "ℹ")])
def test_does_the_length_check_say_how_the_plan_compares_with_the_target(total, symbol):
    assert length_verdict(total, 25).startswith(symbol)


def test_does_the_description_list_chapters_and_credit_the_music():
    text = episode_description("Sommarens ljudböcker", parse_segments("Intro, 2\nBoktips, 8"),
                               music_credit="”Sol” av Anna, CC BY 4.0")
    assert text.splitlines() == ["Sommarens ljudböcker", "", "I det här avsnittet:", "00:00 Intro", "02:00 Boktips",
                                 "", "Musik: ”Sol” av Anna, CC BY 4.0"]


def make_planner(tmp_path) -> EpisodePlanner:
    return EpisodePlanner("poddavsnitt", store=AnswerStore(tmp_path))


def test_does_the_planner_show_a_running_order_and_save_the_plan(tmp_path):
    planner = make_planner(tmp_path)
    planner.title_box.value = "Möt författaren"
    planner.target_box.value = 20
    planner.segments_box.value = "Intro, 2\nSamtal, 15\nTips, 3"
    planner.guests_ok.value = True
    planner.music_ok.value = True
    planner.plan_button.click()
    html = planner.result.value
    assert "✓ Avsnittet blir 20 minuter" in html
    assert "<td>17:00</td><td>Tips</td>" in unstyled(html)
    assert "⚠" not in html
    assert "02:00 Samtal" in planner.description.value
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["poddavsnitt"]
    assert saved["kind"] == "planner"
    assert saved["value"]["total"] == 20 and saved["value"]["guests_ok"] is True
    assert [s["name"] for s in saved["value"]["segments"]] == ["Intro", "Samtal", "Tips"]


def test_does_the_planner_remind_about_consent_and_music_rights(tmp_path):
    planner = make_planner(tmp_path)
    planner.segments_box.value = "Samtal, 40"
    planner.plan()
    html = planner.result.value
    assert "⚠ Avsnittet blir 40 minuter" in html
    assert "⚠ Fråga alla som hörs" in html and "⚠ Använd bara musik" in html


def test_does_a_plan_with_a_problem_leave_nothing_saved(tmp_path):
    planner = make_planner(tmp_path)
    planner.segments_box.value = "Samtal med gästen"
    assert planner.plan() == []
    assert "⚠ Rad 1" in planner.result.value
    assert not (tmp_path / "svar.json").exists()


def test_does_a_rerun_planner_restore_the_plan(tmp_path):
    planner = make_planner(tmp_path)
    planner.segments_box.value = "Vinjett, 0,5\nSamtal, 20"
    planner.music_box.value = "egen musik"
    planner.music_ok.value = True
    planner.plan()
    again = make_planner(tmp_path)
    assert [s.minutes for s in again.segments] == [0.5, 20.0]
    assert again.music_ok.value and again.music_box.value == "egen musik"
    assert "<td>00:30</td><td>Samtal</td>" in unstyled(again.result.value)
    assert "återställd" in again.status.value


def test_does_a_simulated_learner_leave_a_plan(tmp_path):
    make_planner(tmp_path).simulate(random.Random(5))
    assert AnswerStore(tmp_path).get("poddavsnitt")["segments"]
