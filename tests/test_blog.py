"""Kursbloggen through nbgrader's real exchange: sharing, the coordinator's comment, comments that travel
back, withdrawn consent, and the public export of consented posts only."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.analytics.gradebook import gradebook_url
from ensak.cli import app
from ensak.course.instance import create_instance
from ensak.course.roster import write_roster
from ensak.demo import (
    BLOG_COMMENTS,
    demo_config,
    fetch_task,
    run_widget_cells,
    submit_task,
)
from ensak.nbgrader.release import release_tasks
from ensak.outreach.blog import (
    ABOUT_NOTEBOOK,
    BLOG_ID,
    BlogError,
    blog_folder,
    export_public,
    load_ledger,
    post_id,
    update_blog,
)
from ensak.sync import sync

pytestmark = pytest.mark.slow
KICKOFF, BLOGS = "00-valkommen", "02-bloggar"
START = dt.datetime(2027, 1, 20, 10, tzinfo=dt.timezone.utc)
COORDINATOR_SAYS = "Tack Anna! Prova gärna att visa kollegorna på måndagsmötet."
# Unmistakable words in each reflection, so a search of every blog file finds exactly who is there.
ANNA = "Anna-delar: jag lärde mig att en sak i taget räcker."
BO = "Bo-privat: det här vill jag bara att kursledaren läser."
CECILIA = "Cecilia-delar: korta stycken och tydliga länktexter."
DAVID = "David-delar-forst: sedan ångrade jag mig."


def hand_in(config, homes, learner, task, *, share, publish=False, reflection, when, fetch=True):
    """Fetch (first time), choose sharing through the widget, write the reflection and submit."""
    home = homes / learner
    folder = fetch_task(config, "ensak", task, learner, home) if fetch else home / task
    notebook = nbformat.read(folder / f"{task}.ipynb", as_version=4)
    widgets = run_widget_cells(folder, notebook)
    widgets["dela-reflektion"].choose(share=share, publish=publish)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "reflektion":
            cell.source = reflection
    nbformat.write(notebook, folder / f"{task}.ipynb")
    submit_task(config, "ensak", task, learner, home, when)


def comment(config, homes, learner, task, on_learner, words, *, when, fetch=True):
    """Answer a colleague's post in the fetched blog, through the comment widget, and submit the blog."""
    home = homes / learner
    folder = fetch_task(config, "ensak", BLOG_ID, learner, home) if fetch else home / BLOG_ID
    notebook = nbformat.read(folder / f"{task}.ipynb", as_version=4)
    widgets = run_widget_cells(folder, notebook)
    for text in words:
        assert widgets[f"kommentar-{post_id(task, on_learner)}"].write(text)
    submit_task(config, "ensak", BLOG_ID, learner, home, when)


def blog_text(course_dir) -> str:
    """Everything the blog shows anywhere: its source, nbgrader's release and the exchange's outbound copy."""
    places = [blog_folder(course_dir), course_dir / "release" / BLOG_ID,
              course_dir / "exchange" / "ensak" / "outbound" / BLOG_ID]
    return "\n".join(path.read_text(encoding="utf-8") for place in places if place.is_dir()
                     for path in sorted(place.rglob("*")) if path.is_file())


def notebook_text(course_dir, task) -> str:
    path = course_dir / "exchange" / "ensak" / "outbound" / BLOG_ID / f"{task}.ipynb"
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)


@pytest.fixture(scope="module")
def course(generated_course, tmp_path_factory):
    """A course of its own (copied from the session's generated one), two tasks released, four learners."""
    course_dir = create_instance(tmp_path_factory.mktemp("blog") / "kurs", template=generated_course)
    shutil.copy2(generated_course / "gradebook" / "gradebook.db", course_dir / "gradebook" / "gradebook.db")
    config = demo_config(course_dir)
    release_tasks(course_dir, [KICKOFF, BLOGS], config=config).released_or_raise()
    write_roster(course_dir, pd.DataFrame([
        {"id": "anna.ek", "first_name": "Anna", "last_name": "Ek", "email": "anna@bibliotek.example"},
        {"id": "bo.ahl", "first_name": "Bo", "last_name": "Åhl", "email": "bo@bibliotek.example"},
        {"id": "cecilia.oberg", "first_name": "Cecilia", "last_name": "Öberg", "email": "c@bibliotek.example"},
        {"id": "david.ek", "first_name": "David", "last_name": "Ek", "email": "david@bibliotek.example"},
    ]))
    homes = tmp_path_factory.mktemp("blog-homes")
    return {"dir": course_dir, "config": config, "homes": homes}


@pytest.fixture(scope="module")
def first_edition(course):
    """Three share (one of them also publishes), one does not; the coordinator comments on Anna's post."""
    config, homes = course["config"], course["homes"]
    hand_in(config, homes, "anna.ek", KICKOFF, share=True, publish=True, reflection=ANNA, when=START)
    hand_in(config, homes, "bo.ahl", KICKOFF, share=False, reflection=BO, when=START + dt.timedelta(hours=1))
    hand_in(config, homes, "cecilia.oberg", BLOGS, share=True, reflection=CECILIA, when=START)
    hand_in(config, homes, "david.ek", KICKOFF, share=True, publish=True, reflection=DAVID,
            when=START + dt.timedelta(hours=2))
    synced = sync(course["dir"], config=config)
    assert synced.problems == []
    with Gradebook(gradebook_url(course["dir"]), "ensak") as gb:
        gb.find_comment("reflektion", KICKOFF, KICKOFF, "anna.ek").manual_comment = COORDINATOR_SAYS
        gb.db.commit()
    summary = update_blog(course["dir"], config=config)
    return {"summary": summary, "text": blog_text(course["dir"]), "kickoff": notebook_text(course["dir"], KICKOFF),
            "blogs": notebook_text(course["dir"], BLOGS)}


@pytest.fixture(scope="module")
def commented(course, first_edition):
    """Bo answers Anna's post and hands the blog in; hands the same copy in again; then sets his copy
    aside, fetches a fresh blog (without his earlier comment) and answers once more."""
    config, homes = course["config"], course["homes"]
    comment(config, homes, "bo.ahl", KICKOFF, "anna.ek", ["Bra skrivet, Anna!"], when=START + dt.timedelta(days=1))
    update_blog(course["dir"], config=config)
    submit_task(config, "ensak", BLOG_ID, "bo.ahl", homes / "bo.ahl", START + dt.timedelta(days=1, hours=1))
    resubmitted = update_blog(course["dir"], config=config)
    (homes / "bo.ahl" / BLOG_ID).rename(homes / "bo.ahl" / "kursbloggen-gammal")
    comment(config, homes, "bo.ahl", KICKOFF, "anna.ek", ["Jag håller med om måndagsmötet."],
            when=START + dt.timedelta(days=2))
    summary = update_blog(course["dir"], config=config)
    return {"resubmitted": resubmitted, "summary": summary, "kickoff": notebook_text(course["dir"], KICKOFF)}


@pytest.fixture(scope="module")
def withdrawn(course, commented):
    """David changes his mind: he unticks both choices and hands the kickoff in again."""
    config, homes = course["config"], course["homes"]
    hand_in(config, homes, "david.ek", KICKOFF, share=False, publish=False, reflection=DAVID,
            when=START + dt.timedelta(days=3), fetch=False)
    synced = sync(course["dir"], config=config)   # the sync itself brings the blog up to date
    return {"synced": synced, "text": blog_text(course["dir"]), "kickoff": notebook_text(course["dir"], KICKOFF)}


def test_does_a_reflection_not_shared_never_appear_in_the_blog(first_edition, withdrawn):
    assert "Bo-privat" not in first_edition["text"]
    assert "Bo-privat" not in withdrawn["text"]


def test_does_a_shared_reflection_appear_under_its_own_task_with_the_coordinators_comment(first_edition):
    assert ANNA in first_edition["kickoff"] and COORDINATOR_SAYS in first_edition["kickoff"]
    assert "## Anna Ek" in first_edition["kickoff"]
    assert CECILIA in first_edition["blogs"] and ANNA not in first_edition["blogs"]
    assert first_edition["summary"].posts == 3 and first_edition["summary"].released


def test_are_the_newest_posts_first(first_edition):
    kickoff = first_edition["kickoff"]
    assert kickoff.index("## David Ek") < kickoff.index("## Anna Ek")


def test_is_the_blog_an_assignment_of_its_own_that_learners_fetch(course, first_edition, tmp_path):
    folder = fetch_task(course["config"], "ensak", BLOG_ID, "cecilia.oberg", tmp_path)
    names = {path.name for path in folder.iterdir()}
    assert {ABOUT_NOTEBOOK, f"{KICKOFF}.ipynb", f"{BLOGS}.ipynb", "index.html", f"{KICKOFF}.html"} <= names
    assert "comments.json" not in names and "facit.json" not in names


def test_does_a_comment_travel_back_and_appear_once_attributed(commented):
    kickoff = commented["kickoff"]
    assert kickoff.count("Bra skrivet, Anna!") == 1, "handed in twice, shown once"
    assert kickoff.count("Jag håller med om måndagsmötet.") == 1
    assert "**Bo Åhl**" in kickoff
    anna_post = kickoff[kickoff.index("## Anna Ek"):]
    assert "Bra skrivet, Anna!" in anna_post, "under Anna's post, not David's"
    assert commented["resubmitted"].new_comments == 0 and not commented["resubmitted"].changed


def test_does_a_comment_stay_after_the_learner_fetches_a_fresh_blog_without_it(course, commented):
    latest = (course["dir"] / "submitted" / "bo.ahl" / BLOG_ID / "svar.json").read_text(encoding="utf-8")
    assert "Bra skrivet" not in latest, "the latest hand-in no longer carries the first comment"
    assert "Bra skrivet, Anna!" in commented["kickoff"]
    assert commented["summary"].new_comments == 1
    ledger = load_ledger(course["dir"])
    assert sorted(c.text for c in ledger) == ["Bra skrivet, Anna!", "Jag håller med om måndagsmötet."]
    assert {c.author for c in ledger} == {"bo.ahl"}


def test_does_withdrawing_consent_remove_the_post_at_the_next_compilation(first_edition, withdrawn):
    assert DAVID in first_edition["text"]
    assert "David-delar-forst" not in withdrawn["text"]
    assert "## David Ek" not in withdrawn["kickoff"]
    assert ANNA in withdrawn["kickoff"] and "Bra skrivet, Anna!" in withdrawn["kickoff"]
    assert withdrawn["synced"].problems == []


def test_is_an_unchanged_blog_not_released_again(course, withdrawn):
    again = update_blog(course["dir"], config=course["config"])
    assert not again.changed and not again.released and again.posts == 2


def test_does_the_export_hold_only_consented_posts(course, withdrawn, tmp_path):
    written = export_public(course["dir"], tmp_path / "publik")
    assert len(written) == 1
    content = written[0].read_text(encoding="utf-8")
    assert ANNA in content and content.startswith("---\ntitle: ")
    assert 'author: "Anna"' in content and "Ek" not in content.split("---")[1], "first name only in public"
    assert COORDINATOR_SAYS not in content and "Bra skrivet" not in content, "others' words stay in the course"
    everything = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "publik").iterdir())
    for private in ("Bo-privat", "Cecilia-delar", "David-delar-forst"):
        assert private not in everything


def test_does_a_new_export_replace_the_old_one_but_never_a_foreign_folder(course, withdrawn, tmp_path):
    out = tmp_path / "publik"
    export_public(course["dir"], out)
    (out / "gammalt-inlagg.md").write_text("ett inlägg vars samtycke har dragits tillbaka", encoding="utf-8")
    export_public(course["dir"], out)
    assert not (out / "gammalt-inlagg.md").exists()
    foreign = tmp_path / "annat"
    foreign.mkdir()
    (foreign / "viktigt.md").write_text("mitt", encoding="utf-8")
    with pytest.raises(BlogError):
        export_public(course["dir"], foreign)
    assert (foreign / "viktigt.md").exists()


def test_does_ensak_blog_compile_and_export_from_the_command_line(course, withdrawn, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["blog", "-C", str(course["dir"])])
    assert result.exit_code == 0, result.output
    assert "2 inlägg" in result.output
    result = runner.invoke(app, ["blog", "-C", str(course["dir"]), "--export", str(tmp_path / "ut")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "ut").glob("*.md"))) == 1


def test_does_the_demo_cohort_write_a_course_blog_with_posts_and_comments_linked_from_the_report(demo_run):
    index = demo_run["blog"]
    assert index is not None and index.is_file()
    text = "\n".join(page.read_text(encoding="utf-8") for page in index.parent.glob("[0-9]*.html"))
    assert text.count("<article") >= 2
    assert "Kursledarens kommentar" in text
    assert any(words in text for words in BLOG_COMMENTS), "colleagues' answers came back through the exchange"
    report = demo_run["report"].read_text(encoding="utf-8")
    link = re.search(r'<a href="([^"]+)">Öppna kursbloggen</a>', report)
    assert link and (demo_run["report"].parent / link.group(1)).resolve() == index.resolve()
