"""The sharing choice under each reflection, without a browser: what it saves, and what it sends to a running
Kursbloggen (on loopback) as the learner presses its button or changes their mind."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner import SharingChoice
from ensak.learner.answers import AnswerStore
from ensak.learner.sharing import SHARING_KEY, sharing_from_answer


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
    widget.consents.value = ("share",)
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": True, "publish": False}
    assert "✓ <strong>Delas med kurskamraterna</strong>" in widget.summary.value
    assert "✗ <strong>Publiceras inte öppet.</strong>" in widget.summary.value


def test_is_publishing_openly_a_separate_choice(tmp_path):
    widget = SharingChoice(store=AnswerStore(tmp_path))
    widget.consents.value = ("share",)
    widget.consents.value = ("share", "publish")
    assert saved(tmp_path, SHARING_KEY)["value"] == {"share": True, "publish": True}
    widget.consents.value = ("share",)
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


# --- sending to Kursbloggen ----------------------------------------------------------------------------


KICKOFF = "00-valkommen"


@pytest.fixture
def blog(tmp_path):
    from ensak.outreach.kursbloggen.local import BackgroundBlog
    from ensak.outreach.kursbloggen.settings import load_settings
    from fixtures_kursbloggen import Clock, make_blog_course

    with BackgroundBlog(load_settings(make_blog_course(tmp_path / "blogg")), clock=Clock()) as running:
        yield running


def task_folder(tmp_path, reflection: str):
    """A fetched task folder whose notebook was saved with `reflection` in its reflection cell."""
    import nbformat

    from ensak.nbgrader.authoring import reflection as reflection_cell
    from ensak.nbgrader.authoring import task_notebook

    folder = tmp_path / "hemma" / KICKOFF
    folder.mkdir(parents=True)
    cell = reflection_cell("reflektion", "Modellsvar")
    cell.source = reflection
    nbformat.write(task_notebook([cell]), folder / f"{KICKOFF}.ipynb")
    return folder


def posts_seen_by(blog, learner="bo.ahl"):
    from ensak.learner.blog_client import BlogClient

    return [post["text"] for post in BlogClient(blog.url, blog.token, learner).posts()["posts"]]


def test_does_the_button_send_the_saved_reflection_to_the_blog(tmp_path, blog):
    from ensak.learner.blog_client import BlogClient

    folder = task_folder(tmp_path, "Jag lärde mig att en sak i taget räcker.")
    widget = SharingChoice(store=AnswerStore(folder))
    widget.choose(share=True)
    assert posts_seen_by(blog) == [], "ticking a box sends nothing until the learner presses the button"
    anna = BlogClient(blog.url, blog.token, "anna.ek")
    assert widget.send_to_blog(client=anna)
    assert posts_seen_by(blog) == ["Jag lärde mig att en sak i taget räcker."]
    assert "Klart!" in widget.status.value and "Öppna ditt inlägg i Kursbloggen" in widget.link.value
    assert saved(folder, SHARING_KEY)["value"]["sent"]


def test_does_unticking_after_sending_take_the_post_out_at_once(tmp_path, blog, monkeypatch):
    from ensak.learner.blog_client import BlogClient

    folder = task_folder(tmp_path, "Först delad, sedan ångrad.")
    anna = BlogClient(blog.url, blog.token, "anna.ek")
    # The learner's own client, as the widget finds it in a kernel under the hub.
    monkeypatch.setattr(BlogClient, "from_environment", classmethod(lambda cls, *a, **k: anna))
    widget = SharingChoice(store=AnswerStore(folder))
    widget.choose(share=True, publish=True)
    assert widget.send_to_blog()
    widget.consents.value = ("publish",)
    assert posts_seen_by(blog) == [], "withdrawn from the course at once"
    assert anna.request("GET", f"api/reflections/{KICKOFF}")["publish"] is True, "publishing is its own choice"
    widget.consents.value = ()
    assert "finns inte längre i Kursbloggen" in widget.status.value
    restored = SharingChoice(store=AnswerStore(folder))
    assert restored.choice == {"share": False, "publish": False}


def test_is_an_unwritten_reflection_not_sent(tmp_path, blog):
    from ensak.learner.blog_client import BlogClient

    folder = task_folder(tmp_path, "SKRIV DITT SVAR HÄR")
    widget = SharingChoice(store=AnswerStore(folder))
    widget.choose(share=True)
    assert not widget.send_to_blog(client=BlogClient(blog.url, blog.token, "anna.ek"))
    assert "spara uppgiften (Ctrl+S)" in widget.status.value and "⚠" in widget.status.value
    assert posts_seen_by(blog) == []


def test_does_the_widget_say_in_swedish_when_the_blog_cannot_be_reached(tmp_path, monkeypatch):
    for variable in ("ENSAK_BLOG_URL", "ENSAK_BLOG_URLS", "JUPYTERHUB_PUBLIC_URL", "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    folder = task_folder(tmp_path, "En reflektion.")
    widget = SharingChoice(store=AnswerStore(folder))
    widget.choose(share=True)
    assert not widget.send_to_blog()
    assert "Kursbloggen går inte att nå härifrån" in widget.status.value
    assert saved(folder, SHARING_KEY)["value"]["share"] is True, "the choice is kept"
