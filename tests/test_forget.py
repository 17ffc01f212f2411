"""`ensak forget LEARNER`: after a whole course cycle, nothing of the learner is left in any file of the
course, and everyone else's work is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.analytics.gradebook import gradebook_url
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


@pytest.fixture(scope="module")
def forgotten(graded_course, tmp_path_factory):
    course_dir = copy_course(graded_course, tmp_path_factory.mktemp("forget") / "kurs")
    config = demo_config(course_dir)
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


def test_did_the_cycle_leave_traces_everywhere_forget_must_look(forgotten):
    places = {Path(name).parts[0] for name in forgotten["before"][GRETA["id"]]}
    assert {"submitted", "autograded", "feedback", "exchange", "cache", "gradebook", "outbox", "reports",
            "roster.csv"} <= places


def test_is_nothing_of_the_learner_left_in_any_file(forgotten):
    assert traces(forgotten["course"], GRETA) == {}


def test_is_everyone_else_untouched(forgotten):
    course_dir = forgotten["course"]
    for person in OTHERS:
        kept = traces(course_dir, person)
        lost = set(forgotten["before"][person["id"]]) - set(kept)
        # Only the report that also named Greta is gone (write a new one); everything else is kept.
        assert {Path(name).parts[0] for name in lost} <= {"reports"}, lost
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == ["kalle", "lisa"]
        assert all(gb.find_submission(T0, p["id"]).score > 0 for p in OTHERS)
    assert sorted(load_roster(course_dir, include_inactive=True)["id"]) == ["kalle", "lisa"]
    assert sorted(read_sent_log(course_dir)["learner_id"]) == ["kalle", "lisa"]
    assert len(list((course_dir / "exchange" / COURSE_ID / "feedback").glob("*.html"))) == 2


def test_does_the_report_say_what_was_removed_and_what_is_left_to_do(forgotten):
    text = str(forgotten["report"])
    for part in ("rättningsboken", "submitted/greta", "feedback/greta", "utbytesmappen", "outbox/", "roster.csv"):
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
