"""The Wikipedia reference builder: the wikitext it writes, the mistakes it catches, what it saves."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.wikipedia import (
    ReferenceBuilder,
    build_reference,
    isbn_is_valid,
    parse_date,
    render_reference,
    swedish_date,
)

TODAY = dt.date(2027, 3, 8)


def texts(ref, level):
    return [f.text for f in ref.findings if f.level == level]


def saved(tmp_path, key):
    return json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"][key]


def test_does_a_web_page_become_a_webbref_with_todays_date_in_swedish():
    ref = build_reference("webb", {"url": "https://www.kb.se/om-oss", "titel": "Om oss",
                                   "utgivare": "Kungliga biblioteket"}, today=TODAY)
    assert ref.wikitext == ("<ref>{{webbref |url=https://www.kb.se/om-oss |titel=Om oss "
                            "|utgivare=Kungliga biblioteket |hämtdatum=8 mars 2027}}</ref>")
    assert ref.ok and texts(ref, "problem") == []


def test_does_a_book_become_a_bokref_in_the_documented_parameter_order():
    ref = build_reference("bok", {"titel": "En sak i taget", "efternamn": "Storck", "fornamn": "Åsa", "ar": "2011",
                                  "utgivare": "Länsbibliotek Jönköping", "ort": "Jönköping", "sid": "4"}, today=TODAY)
    assert ref.wikitext == ("<ref>{{bokref |efternamn=Storck |förnamn=Åsa |titel=En sak i taget |år=2011 "
                            "|utgivare=Länsbibliotek Jönköping |utgivningsort=Jönköping |sid=4}}</ref>")
    assert any("ISBN" in t for t in texts(ref, "tips"))


@pytest.mark.parametrize("values, wanted", [
    ({"url": "https://a.se"}, "Titeln saknas"),
    ({"titel": "Om oss"}, "Webbadressen saknas"),
    ({"titel": "Om oss", "url": "www.kb.se"}, "https://"),
    ({"titel": "Kub", "url": "https://sv.wikipedia.org/wiki/Kub"}, "Wikipedia kan inte vara källa"),
    ({"titel": "Om oss", "url": "https://a.se", "datum": "igår"}, "inget datum"),
    ({"titel": "Om oss", "url": "https://a.se", "datum": "2030-01-01"}, "framtiden"),
])
def test_are_the_common_mistakes_in_a_web_reference_caught(values, wanted):
    ref = build_reference("webb", values, today=TODAY)
    assert any(wanted in t for t in texts(ref, "problem")) and not ref.ok


@pytest.mark.parametrize("isbn, valid", [("978-0-306-40615-7", True), ("0-306-40615-2", True),
                                         ("0 8044 2957 X", True), ("978-0-306-40615-8", False),
                                         ("0-306-40615-3", False), ("12345", False)])
def test_is_the_isbn_check_digit_checked(isbn, valid):
    assert isbn_is_valid(isbn) is valid


def test_is_a_mistyped_isbn_or_year_a_problem_in_a_book_reference():
    ref = build_reference("bok", {"titel": "X", "isbn": "978-0-306-40615-8", "ar": "3011"}, today=TODAY)
    problems = texts(ref, "problem")
    assert any("kontrollsiffran" in t for t in problems) and any("Utgivningsåret" in t for t in problems)


def test_are_dates_read_in_both_forms_and_written_the_swedish_way():
    assert parse_date("2027-01-15") == parse_date("15 januari 2027") == dt.date(2027, 1, 15)
    assert swedish_date(dt.date(2027, 12, 3)) == "3 december 2027"
    with pytest.raises(ValueError, match="år-månad-dag"):
        parse_date("31 februari 2027")


def test_can_a_pipe_or_braces_in_a_title_not_break_the_template():
    ref = build_reference("webb", {"url": "https://a.se", "titel": "Böcker | Bibliotek }} x"}, today=TODAY)
    assert "titel=Böcker {{!}} Bibliotek } } x |" in ref.wikitext
    assert ref.wikitext.count("{{") == ref.wikitext.count("}}")
    assert any("{{!}}" in t for t in texts(ref, "info"))


def test_are_the_parts_explained_in_a_captioned_table():
    html = render_reference(build_reference("webb", {"url": "https://a.se", "titel": "T"}, today=TODAY))
    assert ">Referensens delar</caption>" in html and "webbsidor ändras" in html and "✓ Bra:" in html


def test_does_the_builder_switch_fields_save_and_restore(tmp_path):
    builder = ReferenceBuilder("referens", store=AnswerStore(tmp_path), today=TODAY)
    assert builder.inputs["webb"]["hamtdatum"].value == "2027-03-08"
    builder.kind_choice.value = "bok"
    assert builder.fields_box.children[0] is builder.groups["bok"]
    builder.inputs["bok"]["titel"].value = "En sak i taget"
    builder.inputs["bok"]["isbn"].value = "978-0-306-40615-7"
    builder.build_button.click()
    assert builder.output.value.startswith("<ref>{{bokref |titel=En sak i taget |isbn=978-0-306-40615-7")
    entry = saved(tmp_path, "referens")
    assert entry["kind"] == "builder" and entry["value"]["type"] == "bok" and entry["value"]["ok"] is True

    again = ReferenceBuilder("referens", store=AnswerStore(tmp_path), today=TODAY)
    assert again.kind_choice.value == "bok" and again.output.value == builder.output.value
    assert again.fields_box.children[0] is again.groups["bok"] and "återställd" in again.status.value


def test_does_the_simulated_learner_save_a_reference(tmp_path):
    ReferenceBuilder("referens", store=AnswerStore(tmp_path), today=TODAY).simulate(random.Random(5))
    assert saved(tmp_path, "referens")["value"]["wikitext"].startswith("<ref>{{")
