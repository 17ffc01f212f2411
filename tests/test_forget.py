"""`ensak forget LEARNER`: after a whole course cycle, nothing of the learner is left in any file of the
course, and everyone else's work is untouched."""

from __future__ import annotations

import datetime as dt
import io
import quopri
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.cli import app
from ensak.forget import ForgetError, forget_learner
from ensak.gradebook import gradebook_url
from ensak.messages import OUTBOX_FOLDER, build_messages, deliver, read_sent_log
from ensak.nbgrader_api import in_directory, make_api, require_success
from ensak.report import write_report
from ensak.roster import load_roster
from ensak.sync import sync

pytest.register_assert_rewrite("fixtures_reliability")
from fixtures_reliability import COURSE_ID, T0, Cohort, released_course  # noqa: E402

pytestmark = pytest.mark.slow

# Greta is to be forgotten; the others stay. Her names occur nowhere else in the course.
GRETA = {"id": "greta", "first_name": "Greta", "last_name": "Glömd", "email": "greta.glomd@bibliotek.example"}
OTHERS = [
    {"id": "kalle", "first_name": "Kalle", "last_name": "Kvar", "email": "kalle.kvar@bibliotek.example"},
    {"id": "lisa", "first_name": "Lisa", "last_name": "Lund", "email": "lisa.lund@bibliotek.example"},
]
PEOPLE = [GRETA, *OTHERS]
TODAY = dt.date(2027, 1, 21)


def write_roster_file(course_dir: Path) -> None:
    lines = ["id,first_name,last_name,email,unit,role,joined,left"]
    lines += [f"{p['id']},{p['first_name']},{p['last_name']},{p['email']},Stadsbiblioteket,bibliotekarie,"
              "2027-01-04," for p in PEOPLE]
    (course_dir / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_cycle(course_dir: Path, homes: Path) -> Cohort:
    """Everyone answers, submits, is graded (reflection too), gets feedback and an invitation."""
    write_roster_file(course_dir)
    cohort = Cohort(course_dir, homes)
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for person in PEOPLE:
            gb.update_or_create_student(person["id"], first_name=person["first_name"],
                                        last_name=person["last_name"], email=person["email"])
    for person in PEOPLE:
        cohort.answered(person["id"], reflection=f"Jag heter {person['first_name']} och lärde mig mycket.")
        cohort.submit(person["id"])
    summary = sync(course_dir, config=cohort.config)
    assert len(summary.graded) == len(PEOPLE), summary.problems
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for person in PEOPLE:
            for notebook in gb.find_submission(T0, person["id"]).notebooks:
                for grade in notebook.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score = grade.max_score
            gb.db.commit()
    with in_directory(course_dir):
        api = make_api(course_dir, cohort.config)
        for person in PEOPLE:
            require_success(api.generate_feedback(T0, person["id"], force=True), "generate_feedback")
            require_success(api.release_feedback(T0, person["id"]), "release_feedback")
    deliver(course_dir, build_messages(course_dir, "invitation", task_id=T0, today=TODAY))
    write_report(course_dir, course_dir / "reports", with_names=True, today=TODAY)
    return cohort


@pytest.fixture(scope="module")
def forgotten(tmp_path_factory):
    course_dir = released_course(tmp_path_factory.mktemp("forget") / "kurs", [T0])
    cohort = build_cycle(course_dir, tmp_path_factory.mktemp("homes"))
    before = {person["id"]: traces(course_dir, person) for person in PEOPLE}
    report = forget_learner(course_dir, GRETA["id"], config=cohort.config)
    return {"course": course_dir, "config": cohort.config, "report": report, "before": before}


def file_texts(path: Path) -> list[str]:
    """What a file says, looking inside zip containers (an .xlsx is one) as a reader of it would."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [archive.read(name).decode("utf-8", errors="ignore") for name in archive.namelist()]
    return [data.decode("utf-8", errors="ignore"), data.decode("latin-1")]


def spellings(person: dict) -> list[str]:
    """The person's id, names and address, also as JSON and quoted-printable mail headers write å, ä, ö."""
    plain = [person["id"], person["first_name"], person["last_name"], person["email"]]
    escaped = [text.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00") for text in plain]
    quoted = [quopri.encodestring(text.encode("utf-8")).decode() for text in plain]
    return list(dict.fromkeys(plain + escaped + quoted))


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
