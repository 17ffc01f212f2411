"""`ensak forget LEARNER`: after a whole course cycle, nothing of the learner is left in any file of the
course, and everyone else's work is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.analytics.gradebook import gradebook_url
from ensak.care.access import write_extract
from ensak.care.forget import ForgetError, forget_learner
from ensak.cli import app
from ensak.course.roster import load_roster
from ensak.demo import demo_config
from ensak.outreach.messages import OUTBOX_FOLDER, read_sent_log

pytest.register_assert_rewrite("fixtures_reliability")
from fixtures_reliability import COURSE_ID, GRETA, OTHERS, PEOPLE, T0, copy_course  # noqa: E402
from shipped_course import file_texts, spellings  # noqa: E402

pytest_plugins = ["fixtures_reliability"]
pytestmark = pytest.mark.slow


GRETAS_WORDS = "Gretas-egna-ord: jag delade min reflektion."


def converse_in_the_blog(course_dir: Path) -> None:
    """Greta shares, comments and takes a digest in Kursbloggen; Kalle and Lisa answer her and post their own."""
    import datetime as dt

    from ensak.outreach.kursbloggen import digest, store
    from ensak.outreach.kursbloggen.settings import open_course_blog

    _, engine = open_course_blog(course_dir)
    greta, kalle, lisa = (store.Member(p["id"], p["first_name"]) for p in (GRETA, *OTHERS))
    now = dt.datetime(2027, 2, 1, 9, tzinfo=dt.timezone.utc)
    store.set_digest(engine, greta.id, True, now=now - dt.timedelta(hours=1))
    greta_post = store.share_reflection(engine, greta, T0, GRETAS_WORDS, share=True, publish=True, now=now)
    kalle_post = store.create_post(engine, kalle, kind="tips", title="Kalles tips", body="Prova poddar.", now=now)
    store.add_comment(engine, kalle, greta_post, "Kalle svarar Greta", now=now)
    greta_comment = store.add_comment(engine, greta, kalle_post, "Gretas-kommentar till Kalle", now=now)
    store.add_comment(engine, lisa, kalle_post, "Lisa svarar på Gretas kommentar", parent_id=greta_comment, now=now)
    digest.take_digests(engine, now + dt.timedelta(hours=1))
    engine.dispose()


@pytest.fixture(scope="module")
def forgotten(graded_course, tmp_path_factory):
    course_dir = copy_course(graded_course, tmp_path_factory.mktemp("forget") / "kurs")
    config = demo_config(course_dir)
    converse_in_the_blog(course_dir)
    write_extract(course_dir, GRETA["id"], config=config)   # her registerutdrag: a copy forget must erase too
    for person in PEOPLE:   # kursintyg as `ensak intyg` writes them in the course
        (course_dir / "intyg").mkdir(exist_ok=True)
        (course_dir / "intyg" / f"kursintyg-{person['id']}.pdf").write_text(f"Kursintyg för {person['first_name']}")
    before = {person["id"]: traces(course_dir, person) for person in PEOPLE}
    report = forget_learner(course_dir, GRETA["id"], config=config)
    return {"course": course_dir, "config": config, "report": report, "before": before}


def traces(course_dir: Path, person: dict) -> dict[str, list[str]]:
    """{file: [spellings found]} for every file under the course (exchange and caches are inside it)."""
    found = {}
    words = spellings(person)
    for path in sorted(course_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        texts = file_texts(path)
        hits = [word for word in words if any(word in text for text in texts)]
        if hits and path.name != "course.toml":
            found[str(path.relative_to(course_dir))] = hits
    return found


def blog_in_a_file(course_dir: Path) -> bool:
    """Kursbloggen keeps its own SQLite file under blog/; beside a PostgreSQL gradebook it lives in that database."""
    from ensak.outreach.kursbloggen.settings import load_settings

    return load_settings(course_dir).db_url.startswith("sqlite")


def test_did_the_cycle_leave_traces_everywhere_forget_must_look(forgotten):
    places = {Path(name).parts[0] for name in forgotten["before"][GRETA["id"]]}
    expected = {"submitted", "autograded", "feedback", "exchange", "cache", "gradebook", "outbox", "reports",
                "roster.csv", "utdrag", "intyg"} | ({"blog"} if blog_in_a_file(forgotten["course"]) else set())
    assert expected <= places


def test_is_nothing_of_the_learner_left_in_any_file(forgotten):
    assert traces(forgotten["course"], GRETA) == {}


def test_are_her_words_gone_from_kursbloggen_and_colleagues_replies_kept(forgotten):
    from ensak.outreach.kursbloggen import queries, store
    from ensak.outreach.kursbloggen.settings import open_course_blog

    blog_files = (forgotten["course"] / "blog").iterdir() if blog_in_a_file(forgotten["course"]) else []
    for path in blog_files:
        data = path.read_bytes()
        assert b"Gretas-egna-ord" not in data and "Gretas-kommentar".encode() not in data, path.name
    _, engine = open_course_blog(forgotten["course"], create=False)
    try:
        kept = queries.list_posts(engine, store.Member("lisa", "Lisa")).posts
        assert [post.title for post in kept] == ["Kalles tips"]
        replies = [comment.body for comment in queries.post_comments(engine, kept[0].id)]
        assert replies == ["Lisa svarar på [namn borttaget] kommentar"], \
            "Lisa's reply stays, without Greta's name; Greta's comment is gone"
    finally:
        engine.dispose()
    assert "inlägg" in str(forgotten["report"]) and "kursbloggen" in str(forgotten["report"])


def test_is_everyone_else_untouched(forgotten):
    course_dir = forgotten["course"]
    for person in OTHERS:
        kept = traces(course_dir, person)
        lost = set(forgotten["before"][person["id"]]) - set(kept)
        # Only the report that also named Greta is gone (write a new one), and her registerutdrag, where her own
        # comment names Kalle; everything else is kept.
        assert {Path(name).parts[0] for name in lost} <= {"reports", "utdrag"}, lost
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == ["kalle", "lisa"]
        assert all(gb.find_submission(T0, p["id"]).score > 0 for p in OTHERS)
    assert sorted(load_roster(course_dir, include_inactive=True)["id"]) == ["kalle", "lisa"]
    assert sorted(read_sent_log(course_dir)["learner_id"]) == ["kalle", "lisa"]
    assert len(list((course_dir / "exchange" / COURSE_ID / "feedback").glob("*.html"))) == 2


def test_does_the_report_say_what_was_removed_and_what_is_left_to_do(forgotten):
    text = str(forgotten["report"])
    for part in ("rättningsboken", "submitted/greta", "feedback/greta", "utbytesmappen", "outbox/", "roster.csv",
                 "utdrag/", "kursintyget i intyg/"):
        assert part in text
    assert "userdel -r greta" in text and "Säkerhetskopior" in text and "personallistan" in text


def test_is_forgetting_again_harmless_and_says_nothing_was_found(forgotten):
    again = forget_learner(forgotten["course"], GRETA["id"], config=forgotten["config"])
    assert again.removed == []


@pytest.mark.parametrize("learner", ["", "..", "a/b", "*"])
def test_is_something_that_is_not_a_learner_id_refused(forgotten, learner):
    with pytest.raises(ForgetError, match="inte ett deltagar-id"):
        forget_learner(forgotten["course"], learner, config=forgotten["config"])


def test_does_the_command_line_ask_before_erasing(forgotten):
    runner = CliRunner()
    refused = runner.invoke(app, ["forget", "kalle", "-C", str(forgotten["course"])], input="n\n")
    assert refused.exit_code != 0
    assert (forgotten["course"] / "submitted" / "kalle").exists()
    assert (forgotten["course"] / OUTBOX_FOLDER).exists()
