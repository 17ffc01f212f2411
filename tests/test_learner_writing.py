"""The web-text checker and the Markdown practice pad: what they find, show, save and restore."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.feedback import Finding, render_findings
from ensak.learner.writing import (
    EXAMPLE_BODY,
    EXAMPLE_HEADLINE,
    MarkdownPractice,
    WebTextChecker,
    lix,
    markdown_goals_met,
    markdown_preview,
    review_web_text,
)
from ensak.swedish import count_noun, decimal

GOOD_BODY = (
    "Den här månaden har vi köpt in många nya böcker. Det finns romaner, fakta och bilderböcker.\n\n"
    "Se [listan över nya böcker](https://example.org/nyforvarv) och reservera det du vill läsa.\n\n"
    "![En bokvagn full med nya böcker i bibliotekets entré](bokvagn.jpg)"
)


def levels(review, level):
    return [f.text for f in review.findings if f.level == level]


def saved(tmp_path, key):
    data = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))
    return data["answers"][key]


def test_does_a_clear_text_pass_without_problems_or_tips():
    review = review_web_text("Nya böcker för vuxna och barn", GOOD_BODY)
    assert levels(review, "problem") == [] and levels(review, "tips") == []
    assert review.stats["links"] == 1 and review.stats["images"] == 1 and review.stats["paragraphs"] == 2  # the image is not a paragraph of text


def test_is_a_missing_headline_a_problem():
    assert any("Rubriken saknas" in t for t in levels(review_web_text("  ", GOOD_BODY), "problem"))


def test_is_a_long_shouting_headline_flagged_with_its_length():
    review = review_web_text(EXAMPLE_HEADLINE, GOOD_BODY)
    assert any(f"{len(EXAMPLE_HEADLINE)} tecken" in t for t in levels(review, "tips"))
    assert any("versaler" in t for t in levels(review, "problem"))


@pytest.mark.parametrize("link", ["[klicka här](https://a.se)", "[Läs mer](https://a.se)",
                                  '<a href="https://a.se">här</a>'])
def test_is_a_vague_link_text_named_as_a_problem(link):
    review = review_web_text("Nya böcker i sommar", f"Vi har nya böcker. {link}")
    assert any("säger inte vart länken leder" in t for t in levels(review, "problem"))


def test_is_a_bare_web_address_a_tip_in_singular_swedish():
    review = review_web_text("Nya böcker i sommar", "Se listan på https://example.org/lista i dag.")
    tip = [t for t in levels(review, "tips") if "webbadress" in t][0]
    assert "1 naken webbadress" in tip and "https://example.org/lista" in tip


@pytest.mark.parametrize("image", ["![](a.jpg)", "![bild](a.jpg)", "![IMG_2041.jpg](a.jpg)", '<img src="a.jpg">',
                                   '<img src="a.jpg" alt="">'])
def test_is_an_image_without_a_real_alt_text_a_problem(image):
    review = review_web_text("Nya böcker i sommar", f"Vi har nya böcker.\n\n{image}")
    assert any("lternativtext" in t for t in levels(review, "problem"))


def test_does_a_text_without_images_get_an_alt_text_reminder():
    review = review_web_text("Nya böcker i sommar", "Vi har nya böcker. Välkommen in!")
    assert any("alternativtext" in t for t in levels(review, "info"))


def test_are_long_sentences_and_one_big_paragraph_pointed_out():
    review = review_web_text("Nya böcker", EXAMPLE_BODY)
    tips = levels(review, "tips")
    assert any("1 mening har fler än 25 ord" in t for t in tips)
    assert any("ett enda stycke" in t for t in tips)
    assert review.stats["long_sentences"] == 1


def test_is_lix_computed_as_words_per_sentence_plus_share_of_long_words():
    # 8 words, 2 sentences, 2 words longer than six letters: 8/2 + 100*2/8 = 29
    assert lix("Vi har fått biblioteksböcker. Alla får låna sommarläsning.") == 29.0
    assert lix("") is None


def test_is_a_short_text_spared_a_meaningless_lix():
    review = review_web_text("Nya böcker i sommar", "Vi har nya böcker.")
    assert review.stats["lix"] is None
    assert any("för kort" in t for t in levels(review, "info"))


def test_are_findings_rendered_with_symbols_and_words_not_colour_alone():
    html = render_findings([Finding("problem", "a < b"), Finding("bra", "fint")], heading="Rubrik")
    assert "⚠ Åtgärda:" in html and "✓ Bra:" in html and "a &lt; b" in html
    with pytest.raises(ValueError):
        Finding("röd", "x")


def test_are_swedish_numbers_and_plurals_written_correctly():
    assert count_noun(1, "länk", "länkar") == "1 länk" and count_noun(3, "länk", "länkar") == "3 länkar"
    assert decimal(6.666) == "6,7" and decimal(29.0) == "29"


def test_does_the_checker_save_its_review_and_restore_it(tmp_path):
    checker = WebTextChecker("granskning", store=AnswerStore(tmp_path))
    checker.load_example()
    assert checker.headline.value == EXAMPLE_HEADLINE
    checker.check_button.click()
    entry = saved(tmp_path, "granskning")
    assert entry["kind"] == "checker"
    assert entry["value"]["text"] == EXAMPLE_BODY and entry["value"]["problems"] >= 2
    assert "⚠ Åtgärda:" in checker.result.value and "att åtgärda" in checker.result.value

    again = WebTextChecker("granskning", store=AnswerStore(tmp_path))
    assert again.body.value == EXAMPLE_BODY and again.headline.value == EXAMPLE_HEADLINE
    assert again.result.value == checker.result.value
    assert "återställda" in again.status.value


def test_does_the_simulated_learner_leave_a_saved_review(tmp_path):
    WebTextChecker("granskning", store=AnswerStore(tmp_path)).simulate(random.Random(1), {"skill": 1.0})
    assert saved(tmp_path, "granskning")["value"]["problems"] == 0


def test_are_markdown_goals_recognised_one_by_one():
    assert markdown_goals_met("vanlig text") == []
    assert markdown_goals_met("# Rubrik\n\n**fet**\n\n- punkt\n\n[KB](https://www.kb.se)") == [
        "rubrik", "fetstil", "lista", "lank"]
    assert markdown_goals_met("#inte rubrik\n![bild](https://a.se/x.png)") == []


def test_does_the_preview_escape_html_and_defuse_script_links():
    html = markdown_preview("<script>alert(1)</script> [x](javascript:alert)")
    assert "<script>" not in html and "&lt;script&gt;" in html and 'href="javascript' not in html


def test_does_the_practice_pad_show_progress_save_and_restore(tmp_path):
    pad = MarkdownPractice("markdown", store=AnswerStore(tmp_path))
    pad.box.value = "# Hej\n\nJag kan **fetstil**."
    pad.show_button.click()
    assert "2 av 4 klara" in pad.goals.value and "✗ Inte än" in pad.goals.value
    assert "<h1>Hej</h1>" in pad.preview.value
    assert saved(tmp_path, "markdown")["value"]["goals"] == ["rubrik", "fetstil"]

    again = MarkdownPractice("markdown", store=AnswerStore(tmp_path))
    assert again.box.value == pad.box.value and "2 av 4 klara" in again.goals.value


def test_is_a_table_captioned_with_column_headers_and_visible_borders():
    from ensak.html_tables import render_table

    html = render_table("Plan <1>", ["Vem", "När"], [["Anna", "<em>i dag</em>"]])
    assert ">Plan &lt;1&gt;</caption>" in html and html.count('scope="col"') == 2
    assert "<td style=" in html and "border:1px solid" in html and "<em>i dag</em>" in html
