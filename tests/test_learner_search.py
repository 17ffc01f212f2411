"""The search-query builder: the query it writes, how it explains each part, what it saves and restores."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qs, urlparse

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.search import (
    QueryError,
    SearchQueryBuilder,
    build_query,
    normalise_site,
    render_query,
)


def texts(query, level):
    return [f.text for f in query.findings if f.level == level]


def saved(tmp_path, key):
    return json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"][key]


def test_does_every_field_become_its_operator_in_order():
    query = build_query("läsfrämjande barn", "högläsning för barn", "bibliotek folkbibliotek", "jobb",
                        "https://www.kb.se/om-oss", "pdf")
    assert query.text == ('läsfrämjande barn "högläsning för barn" (bibliotek OR folkbibliotek) -jobb '
                          "site:kb.se filetype:pdf")
    assert [p for p, _ in query.parts][-2:] == ["site:kb.se", "filetype:pdf"]


def test_is_every_part_explained_in_swedish():
    query = build_query("barn", "läsa högt", "a b", "jobb", "kb.se", "pdf")
    explanations = dict(query.parts)
    assert "citattecken" in explanations['"läsa högt"'] and "minst ett" in explanations["(a OR b)"]
    assert "tas bort" in explanations["-jobb"] and "kb.se" in explanations["site:kb.se"]
    assert "PDF" in explanations["filetype:pdf"]


def test_do_commas_turn_alternatives_into_quoted_phrases():
    assert build_query(any_words="läsa högt, högläsning").text == '("läsa högt" OR högläsning)'
    assert build_query(none_words="lediga jobb, annons").text == '-"lediga jobb" -annons'


def test_are_typed_quotes_never_doubled():
    assert build_query(phrase='"En sak i taget"').text == '"En sak i taget"'
    assert build_query(phrase="”En sak i taget”").text == '"En sak i taget"'


def test_does_a_lone_alternative_count_as_an_ordinary_word_with_a_tip():
    query = build_query(any_words="bibliotek")
    assert query.text == "bibliotek" and any("minst två" in t for t in texts(query, "tips"))


def test_is_a_lower_case_or_among_required_words_explained_and_dropped():
    query = build_query("katt or hund")
    assert query.text == "katt hund" and any("versaler" in t for t in texts(query, "tips"))


@pytest.mark.parametrize("typed, domain", [("kb.se", "kb.se"), ("https://www.kb.se/om-oss?x=1", "kb.se"),
                                           ("WWW.Riksdagen.se", "riksdagen.se"), (".se", "se"), ("", "")])
def test_is_a_web_address_cut_down_to_its_domain(typed, domain):
    assert normalise_site(typed) == domain


def test_is_something_that_is_not_a_site_refused_in_swedish():
    with pytest.raises(QueryError, match="ser inte ut som en webbplats"):
        normalise_site("kungliga biblioteket")
    query = build_query("bibliotek", site="kungliga biblioteket")
    assert query.text == "bibliotek" and texts(query, "problem")


def test_does_an_empty_or_wordless_query_say_what_is_missing():
    assert any("tom" in t for t in texts(build_query(), "problem"))
    query = build_query(site="kb.se", filetype="pdf")
    assert query.text == "site:kb.se filetype:pdf" and any("inga sökord" in t for t in texts(query, "tips"))


def test_do_the_search_links_carry_the_whole_query():
    query = build_query("barn", site="kb.se")
    links = query.links()
    assert set(links) == {"Google", "Bing", "DuckDuckGo"}
    assert parse_qs(urlparse(links["Google"]).query)["q"] == ["barn site:kb.se"]
    html = render_query(query)
    assert "Sök med Google" in html and 'rel="noopener"' in html and ">Så fungerar sökfrågan, del för del</caption>" in html


def test_does_the_builder_show_save_and_restore_the_query(tmp_path):
    builder = SearchQueryBuilder("sokfraga", store=AnswerStore(tmp_path))
    builder.all_words.value = "läsfrämjande"
    builder.site.value = "kb.se"
    builder.filetype.value = "pdf"
    builder.build_button.click()
    assert builder.query_box.value == "läsfrämjande site:kb.se filetype:pdf"
    entry = saved(tmp_path, "sokfraga")
    assert entry["kind"] == "builder" and entry["value"]["query"] == builder.query_box.value

    again = SearchQueryBuilder("sokfraga", store=AnswerStore(tmp_path))
    assert again.filetype.value == "pdf" and again.query_box.value == builder.query_box.value
    assert "site:kb.se" in again.result.value and "återställd" in again.status.value


def test_is_an_empty_query_not_saved(tmp_path):
    SearchQueryBuilder("sokfraga", store=AnswerStore(tmp_path)).build()
    assert not (tmp_path / "svar.json").exists()


def test_does_the_simulated_learner_save_a_query(tmp_path):
    SearchQueryBuilder("sokfraga", store=AnswerStore(tmp_path)).simulate(random.Random(2))
    assert saved(tmp_path, "sokfraga")["value"]["query"]
