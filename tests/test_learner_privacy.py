"""The "Vem ser mitt inlägg?" simulator: who can see a post, what it warns about, what it saves."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.privacy import (
    AUDIENCES,
    MAYBE,
    NO,
    PLACES,
    YES,
    AudienceSimulator,
    render_visibility,
    who_sees,
)


def texts(result, level):
    return [f.text for f in result.findings if f.level == level]


def saved(tmp_path, key):
    return json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"][key]


def test_does_a_public_profile_post_reach_everyone():
    result = who_sees("profil", "offentligt")
    assert result.reach == "alla" and result.circles["alla"] == YES


def test_does_a_friends_only_post_stop_at_friends():
    result = who_sees("profil", "vanner")
    assert result.reach == "krets"
    assert result.circles["krets"] == YES and result.circles["alla"] == NO and result.circles["taggade"] == NO


def test_does_a_tag_make_the_audience_uncertain_and_say_why():
    result = who_sees("profil", "vanner", tagged=True)
    assert result.circles["taggade"] == MAYBE and result.reach == "krets"
    assert any("hens vänner" in t for t in texts(result, "tips"))


def test_does_only_me_still_leave_the_platform_able_to_see():
    result = who_sees("profil", "bara-jag")
    assert result.reach == "du"
    assert result.circles["plattformen"] == YES and result.circles["krets"] == NO


@pytest.mark.parametrize("place", ["sida", "grupp-offentlig", "kommentar"])
def test_are_pages_public_groups_and_page_comments_public_whatever_you_pick(place):
    assert who_sees(place).reach == "alla"


def test_is_a_close_friends_story_limited_even_on_a_public_instagram_account():
    assert who_sees("ig-offentligt", "nara").reach == "utvalda"
    assert who_sees("ig-offentligt", "alla").reach == "alla"
    assert who_sees("ig-privat", "foljare").reach == "krets"


def test_is_publishing_people_on_the_library_account_a_consent_problem():
    problems = texts(who_sees("sida", shows_people=True), "problem")
    assert problems and "samtycke" in problems[0] and "vårdnadshavaren" in problems[0]
    assert texts(who_sees("profil", "vanner", shows_people=True), "problem") == []


def test_is_there_always_a_reminder_that_screenshots_travel():
    for place in PLACES:
        for audience in AUDIENCES[place]:
            assert any("skärmdump" in t for t in texts(who_sees(place, audience), "info"))


def test_is_an_audience_that_does_not_exist_in_a_place_refused():
    with pytest.raises(ValueError):
        who_sees("sida", "vanner")
    with pytest.raises(ValueError):
        who_sees("tiktok")


def test_does_the_table_answer_in_words_and_symbols():
    html = render_visibility(who_sees("profil", "vanner", tagged=True))
    assert "✓ Ja" in html and "✗ Nej" in html and "? Kanske" in html
    assert ">Vem kan se inlägget?</caption>" in html and 'scope="col"' in html


def test_does_the_audience_menu_follow_the_place_chosen(tmp_path):
    sim = AudienceSimulator("vem-ser", store=AnswerStore(tmp_path))
    assert [v for _, v in sim.audience.options] == list(AUDIENCES["profil"]) and not sim.audience.disabled
    sim.place.value = "sida"
    assert sim.audience.disabled and sim.audience.value == "alla"
    assert "Räckvidd: alla" in sim.result.value


def test_is_nothing_saved_until_the_learner_changes_something(tmp_path):
    AudienceSimulator("vem-ser", store=AnswerStore(tmp_path))
    assert not (tmp_path / "svar.json").exists()


def test_does_the_simulator_save_each_scenario_and_restore_the_last(tmp_path):
    sim = AudienceSimulator("vem-ser", store=AnswerStore(tmp_path))
    sim.choose("profil", "offentligt")
    sim.choose("ig-privat", "foljare", tagged=True, people=True)
    value = saved(tmp_path, "vem-ser")["value"]
    assert saved(tmp_path, "vem-ser")["kind"] == "simulator"
    assert value["place"] == "ig-privat" and value["reach"] == "krets" and value["tagged"] is True
    assert "profil/offentligt" in value["tried"] and "ig-privat/foljare" in value["tried"]

    again = AudienceSimulator("vem-ser", store=AnswerStore(tmp_path))
    assert (again.place.value, again.audience.value, again.tagged.value, again.people.value) == (
        "ig-privat", "foljare", True, True)
    assert again.tried == value["tried"] and "Räckvidd: en avgränsad krets" in again.result.value


def test_does_the_simulated_learner_try_several_places(tmp_path):
    AudienceSimulator("vem-ser", store=AnswerStore(tmp_path)).simulate(random.Random(3))
    assert len(saved(tmp_path, "vem-ser")["value"]["tried"]) >= 3
