"""The blog rota planner: who blogs which week, and the calendar file learners import."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from icalendar import Calendar

from ensak.learner.answers import AnswerStore
from ensak.learner.rota import (
    BlogRotaPlanner,
    RotaError,
    parse_people,
    parse_weeks,
    plan_rota,
    rota_calendar,
    rota_table_html,
)
from html_helpers import unstyled

MONDAY = dt.date(2027, 6, 7)  # ISO week 23 of 2027


def events(ics: bytes) -> list:
    return [c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"]


def test_are_names_read_one_per_line_without_blanks_or_repeats():
    assert parse_people("Anna\n\n  Bertil  \nanna\nCecilia, David") == ["Anna", "Bertil", "Cecilia", "David"]


def test_are_week_ranges_and_single_weeks_both_understood():
    assert parse_weeks("27-32, 52") == {27, 28, 29, 30, 31, 32, 52}
    assert parse_weeks("") == set()


@pytest.mark.parametrize("text", ["sommar", "54", "32-27", "0"])
def test_does_an_unreadable_week_list_get_a_swedish_explanation(text):
    with pytest.raises(RotaError, match="vecko|veckor"):
        parse_weeks(text)


def test_does_everyone_take_turns_in_the_order_given():
    rota = plan_rota(["Anna", "Bertil", "Cecilia"], MONDAY, 5)
    assert [r.person for r in rota] == ["Anna", "Bertil", "Cecilia", "Anna", "Bertil"]
    assert [r.week for r in rota] == [23, 24, 25, 26, 27]


def test_does_a_rota_start_on_the_monday_of_the_chosen_week():
    rota = plan_rota(["Anna"], dt.date(2027, 6, 10), 1)
    assert rota[0].monday == MONDAY


def test_are_skipped_weeks_left_out_without_shortening_the_rota():
    rota = plan_rota(["Anna", "Bertil"], MONDAY, 4, skip={25, 26, 27})
    assert [(r.week, r.person) for r in rota] == [(23, "Anna"), (24, "Bertil"), (28, "Anna"), (29, "Bertil")]


def test_does_a_rota_cross_the_new_year_with_iso_week_numbers():
    rota = plan_rota(["Anna"], dt.date(2027, 12, 20), 3)
    assert [(r.year, r.week) for r in rota] == [(2027, 51), (2027, 52), (2028, 1)]


@pytest.mark.parametrize("people, weeks, skip", [([], 4, set()), (["Anna"], 0, set()), (["Anna"], 4, set(range(1, 54)))])
def test_is_an_impossible_rota_refused(people, weeks, skip):
    with pytest.raises(RotaError):
        plan_rota(people, MONDAY, weeks, skip)


def test_does_the_calendar_hold_one_whole_week_event_per_blog_week():
    rota = plan_rota(["Anna", "Bertil"], MONDAY, 3)
    found = events(rota_calendar(rota))
    assert [str(e["summary"]) for e in found] == ["Bloggvecka: Anna", "Bloggvecka: Bertil", "Bloggvecka: Anna"]
    first = found[0]
    assert first.decoded("dtstart") == MONDAY
    assert first.decoded("dtend") == MONDAY + dt.timedelta(days=7)
    assert len({str(e["uid"]) for e in found}) == 3


def test_does_a_publishing_day_put_each_event_on_that_day():
    rota = plan_rota(["Anna"], MONDAY, 2)
    found = events(rota_calendar(rota, publish_weekday=4))
    assert [e.decoded("dtstart") for e in found] == [dt.date(2027, 6, 11), dt.date(2027, 6, 18)]
    assert str(found[0]["summary"]) == "Blogginlägg publiceras: Anna"


def test_does_a_new_version_of_the_rota_keep_the_same_event_ids():
    """Calendars update events with the same UID, so re-importing a changed rota replaces the old one."""
    before = events(rota_calendar(plan_rota(["Anna", "Bertil"], MONDAY, 2)))
    after = events(rota_calendar(plan_rota(["Cecilia"], MONDAY, 2)))
    assert [str(e["uid"]) for e in before] == [str(e["uid"]) for e in after]


def test_does_the_table_say_how_evenly_the_weeks_are_shared():
    html = rota_table_html(plan_rota(["Anna", "Bertil"], MONDAY, 3), publish_weekday=2)
    assert "3 bloggveckor för 2 personer: 1–2 veckor var" in html
    assert "<th>Publiceras (onsdag)</th>" in unstyled(html) and 'scope="col"' in html
    assert "9 juni 2027" in html


def make_planner(tmp_path, **kwargs) -> BlogRotaPlanner:
    return BlogRotaPlanner("bloggrota", store=AnswerStore(tmp_path), today=dt.date(2027, 6, 2), **kwargs)


def test_does_the_planner_write_the_calendar_file_and_save_the_rota(tmp_path):
    planner = make_planner(tmp_path)
    assert planner.start_picker.value == MONDAY
    planner.people_box.value = "Anna\nBertil\nCecilia"
    planner.weeks_box.value = 6
    planner.skip_box.value = "26"
    planner.make_button.click()
    ics = (tmp_path / "bloggrota.ics").read_bytes()
    assert [str(e["summary"]) for e in events(ics)][-1] == "Bloggvecka: Cecilia"
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["bloggrota"]
    assert saved["kind"] == "planner"
    assert saved["value"]["people"] == ["Anna", "Bertil", "Cecilia"]
    assert [r["week"] for r in saved["value"]["rota"]] == [23, 24, 25, 27, 28, 29]
    assert "✓ Klart!" in planner.result.value and "vecka 27 2027" in planner.result.value


def test_does_the_planner_explain_a_problem_instead_of_saving(tmp_path):
    planner = make_planner(tmp_path)
    planner.make_button.click()
    assert "⚠ Skriv minst ett namn" in planner.status.value
    assert not (tmp_path / "svar.json").exists()
    assert not (tmp_path / "bloggrota.ics").exists()


def test_does_the_planner_say_when_it_moved_the_start_to_a_monday(tmp_path):
    planner = make_planner(tmp_path)
    planner.people_box.value = "Anna"
    planner.start_picker.value = dt.date(2027, 6, 9)
    planner.make()
    assert "börjar måndagen samma vecka" in planner.result.value


def test_does_a_rerun_planner_restore_the_rota(tmp_path):
    planner = make_planner(tmp_path)
    planner.people_box.value = "Anna\nBertil"
    planner.weeks_box.value = 4
    planner.day_choice.value = 4
    planner.make()
    again = make_planner(tmp_path)
    assert again.people_box.value == "Anna\nBertil"
    assert again.weeks_box.value == 4 and again.day_choice.value == 4
    assert [r.person for r in again.rota] == ["Anna", "Bertil", "Anna", "Bertil"]
    assert "Publiceras (fredag)" in again.result.value
    assert "återställt" in again.status.value


def test_does_a_damaged_saved_rota_leave_the_planner_empty(tmp_path):
    AnswerStore(tmp_path).save("bloggrota", {"rota": [{"year": "x"}], "start": "inte ett datum"}, kind="planner")
    planner = make_planner(tmp_path)
    assert planner.rota == [] and planner.result.value == ""


def test_does_a_simulated_learner_leave_a_rota_and_a_file(tmp_path):
    planner = make_planner(tmp_path)
    planner.simulate(random.Random(1))
    assert planner.rota and (tmp_path / "bloggrota.ics").exists()
    assert AnswerStore(tmp_path).get("bloggrota")["people"]
