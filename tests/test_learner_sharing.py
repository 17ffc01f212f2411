"""The sharing choice under each reflection and the comment box under each course-blog post, without a browser."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner import BlogComment, SharingChoice
from ensak.learner.answers import AnswerStore
from ensak.learner.sharing import MAX_COMMENT_CHARS, SHARING_KEY, sharing_from_answer


def saved(tmp_path, key):
    answers = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]
    return answers.get(key)


def test_is_nothing_shared_or_published_until_the_learner_chooses(tmp_path):
    widget = SharingChoice(store=AnswerStore(tmp_path))
    assert widget.choice == {"share": False, "publish": False}
    assert not (tmp_path / "svar.json").exists(), "opening the task is not a choice"
    assert "✗ <strong>Delas inte</strong>" in widget.summary.value
    assert "Publiceras inte öppet" in widget.summary.value


def test_does_ticking_share_save_the_choice_and_say_so_in_words(tmp_path):
    widget = SharingChoice(store=AnswerStore(tmp_path))
    widget.share_box.value = True
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": True, "publish": False}
    assert "✓ <strong>Delas med kurskamraterna</strong>" in widget.summary.value
    assert "✗ <strong>Publiceras inte öppet.</strong>" in widget.summary.value


def test_is_publishing_openly_a_separate_choice(tmp_path):
    widget = SharingChoice(store=AnswerStore(tmp_path))
    widget.share_box.value = True
    widget.publish_box.value = True
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": True, "publish": True}
    widget.publish_box.value = False
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": True, "publish": False}, "publishing withdrawn"


def test_does_a_recreated_widget_restore_a_withdrawn_choice(tmp_path):
    SharingChoice(store=AnswerStore(tmp_path)).choose(share=True, publish=True)
    again = SharingChoice(store=AnswerStore(tmp_path))
    assert again.choice == {"share": True, "publish": True}
    again.choose(share=False, publish=False)
    third = SharingChoice(store=AnswerStore(tmp_path))
    assert third.choice == {"share": False, "publish": False}
    assert "återställt" in third.status.value
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": False, "publish": False}


def test_does_restoring_not_save_anything(tmp_path):
    SharingChoice(store=AnswerStore(tmp_path)).choose(share=True)
    stamp = saved(tmp_path, SHARING_KEY)["saved"]
    SharingChoice(store=AnswerStore(tmp_path))
    assert saved(tmp_path, SHARING_KEY)["saved"] == stamp


@pytest.mark.parametrize("value", [None, "ja", {"share": "true"}, {"share": 1, "publish": 1}, []])
def test_does_anything_but_an_explicit_yes_count_as_no(value):
    assert sharing_from_answer(value) == {"share": False, "publish": False}


def test_does_the_simulated_learner_only_publish_what_they_share(tmp_path):
    rng = random.Random(3)
    choices = []
    for i in range(30):
        widget = SharingChoice(store=AnswerStore(tmp_path / str(i)))
        widget.simulate(rng, {"share": 0.5, "publish": 0.5})
        choices.append(saved(tmp_path / str(i), SHARING_KEY)["value"])
    assert any(c["share"] for c in choices) and any(not c["share"] for c in choices)
    assert any(c["publish"] for c in choices)
    assert all(c["share"] for c in choices if c["publish"])


def test_is_a_comment_saved_with_an_id_of_its_own_and_the_box_emptied(tmp_path):
    widget = BlogComment("kommentar-abc123", "Åsa Öberg", store=AnswerStore(tmp_path))
    widget.box.value = "Vilken bra idé med lokalhistorien!"
    widget.save_button.click()
    widget.box.value = "Och en fråga till: hur hittade du bilderna?"
    widget.save_button.click()
    comments = saved(tmp_path, "kommentar-abc123")["value"]["comments"]
    assert [c["text"] for c in comments] == ["Vilken bra idé med lokalhistorien!",
                                             "Och en fråga till: hur hittade du bilderna?"]
    assert len({c["id"] for c in comments}) == 2
    assert widget.box.value == ""
    assert "✓ Vilken bra idé med lokalhistorien!" in widget.written.value
    assert "Svara Åsa Öberg" in widget.children[0].value


def test_does_pressing_save_on_an_empty_box_save_nothing(tmp_path):
    widget = BlogComment("kommentar-abc123", store=AnswerStore(tmp_path))
    widget.box.value = "   "
    assert widget.write(widget.box.value) is False
    assert "⚠" in widget.status.value and "Skriv något" in widget.status.value
    assert not (tmp_path / "svar.json").exists()


def test_is_an_overlong_comment_refused_and_kept_in_the_box(tmp_path):
    widget = BlogComment("kommentar-abc123", store=AnswerStore(tmp_path))
    widget.box.value = "x" * (MAX_COMMENT_CHARS + 1)
    widget.save_button.click()
    assert "⚠" in widget.status.value and str(MAX_COMMENT_CHARS) in widget.status.value
    assert len(widget.box.value) == MAX_COMMENT_CHARS + 1 and widget.comments == []


def test_are_earlier_comments_shown_again_when_the_blog_is_reopened(tmp_path):
    BlogComment("kommentar-abc123", store=AnswerStore(tmp_path)).write("Håller med!")
    again = BlogComment("kommentar-abc123", store=AnswerStore(tmp_path))
    assert [c["text"] for c in again.comments] == ["Håller med!"]
    assert "Håller med!" in again.written.value and "(1)" in again.written.value


def test_is_markup_in_a_comment_shown_as_text(tmp_path):
    widget = BlogComment("kommentar-abc123", store=AnswerStore(tmp_path))
    widget.write("<script>alert(1)</script>")
    assert "<script>" not in widget.written.value and "&lt;script&gt;" in widget.written.value


def test_does_a_comment_key_have_to_name_a_post(tmp_path):
    with pytest.raises(ValueError):
        BlogComment("dela-reflektion", store=AnswerStore(tmp_path))


def test_does_a_simulated_colleague_comment_at_the_simulated_time(tmp_path):
    widget = BlogComment("kommentar-abc123", store=AnswerStore(tmp_path))
    widget.simulate(random.Random(1), {"blog_comments": ["Tack för tipset!"], "now": "2027-03-01T09:00:00+00:00"})
    assert widget.comments[0]["text"] == "Tack för tipset!"
    assert widget.comments[0]["written"] == "2027-03-01T09:00:00+00:00"
    BlogComment("kommentar-def456", store=AnswerStore(tmp_path)).simulate(random.Random(1), {})
    assert BlogComment("kommentar-def456", store=AnswerStore(tmp_path)).comments == []
