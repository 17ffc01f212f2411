"""`ensak demo`: a whole simulated course cycle through nbgrader's exchange, ending in a report."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import papermill
import pytest
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.instance import repo_root
from ensak.course.plan import load_course
from ensak.course.roster import derive_id, load_roster
from ensak.demo import DEMO_MARKER, make_cohort, prepare_output

pytestmark = pytest.mark.slow


def test_is_the_cohort_mixed_like_a_real_staff_group():
    import random

    cohort = make_cohort(20, 12, random.Random(2010))
    assert len({p.id for p in cohort}) == 20
    assert {p.unit for p in cohort} == {"Stadsbiblioteket", "Filialen i Åby"}
    assert sum(p.role == "chef" for p in cohort) == 2
    done = [p.tasks_to_do for p in cohort]
    assert 0 in done and 12 in done and any(0 < d < 12 for d in done)
    assert any(ch in "".join(p.first_name + p.last_name for p in cohort) for ch in "åäöÅÄÖ")


def test_are_the_cohorts_ids_the_ones_a_roster_import_would_give():
    import random

    for person in make_cohort(20, 12, random.Random(1)):
        assert person.id == derive_id(person.first_name, person.last_name)
        assert person.id.isascii() and person.id == person.id.lower()


def test_is_an_unrelated_folder_never_wiped(tmp_path):
    (tmp_path / "viktigt.txt").write_text("mina filer")
    with pytest.raises(FileExistsError, match="not an ensak demo folder"):
        prepare_output(tmp_path)
    assert (tmp_path / "viktigt.txt").exists()
    demo = tmp_path / "demo"
    prepare_output(demo)
    (demo / "rest.txt").write_text("från förra körningen")
    prepare_output(demo)
    assert (demo / DEMO_MARKER).exists() and not (demo / "rest.txt").exists()


def test_does_every_submission_go_through_the_exchange_and_get_graded(demo_run):
    course_dir = demo_run["course_dir"]
    course = load_course(course_dir)
    assert demo_run["problems"] == []
    assert demo_run["graded"] == demo_run["submissions"] > 0
    # The course blog's hand-ins (comments, ensak.outreach.blog) are not task submissions.
    inbound = [p for p in (course_dir / "exchange" / course.id / "inbound").iterdir() if "+kursbloggen+" not in p.name]
    assert len(inbound) == demo_run["submissions"]
    roster = load_roster(course_dir)
    assert len(roster) == demo_run["learners"] == 5
    with Gradebook(f"sqlite:///{course_dir / 'gradebook' / 'gradebook.db'}", course.id) as gb:
        submissions = [s for a in gb.assignments for s in a.submissions]
        assert len(submissions) == demo_run["submissions"]
        assert all(s.needs_manual_grade for s in submissions), "reflections wait for the coordinator"
        assert sum(s.code_score for s in submissions) > 0


def test_are_the_learners_answers_in_the_collected_submissions(demo_run):
    course_dir = demo_run["course_dir"]
    answers = list((course_dir / "submitted").glob("*/00-valkommen/svar.json"))
    assert answers
    for path in answers:
        saved = json.loads(path.read_text("utf-8"))["answers"]
        assert "sjalvskattning-fore" in saved and "q-socialt-medium" in saved
        notebook = nbformat.read(path.parent / "00-valkommen.ipynb", as_version=4)
        reflection = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflektion"]
        assert "SKRIV DITT SVAR HÄR" not in reflection[0].source


def test_does_the_report_show_completion_and_each_learner(demo_run):
    html = demo_run["report"].read_text("utf-8")
    course = load_course(demo_run["course_dir"])
    for task in course.tasks:
        assert task.title.split(":")[0] in html
    assert "Deltagare 01" in html  # pseudonyms by default
    sheets = pd.read_excel(demo_run["workbook"], sheet_name=None)
    assert len(sheets) >= 3


@pytest.mark.parametrize("name", ["koordinator", "analys"])
def test_do_the_analytics_notebooks_run_against_the_demo_cohort(demo_run, tmp_path, name):
    target = tmp_path / f"{name}.ipynb"
    notebooks = repo_root() / "notebooks"
    papermill.execute_notebook(str(notebooks / f"{name}.ipynb"), str(target), cwd=str(notebooks),
                               kernel_name="python3", progress_bar=False,
                               parameters={"course_dir": str(demo_run["course_dir"]),
                                           "today": demo_run["today"].isoformat()})
    executed = nbformat.read(target, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_does_the_command_refuse_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "annat.txt").write_text("x")
    result = CliRunner().invoke(app, ["demo", "--output", str(tmp_path), "--learners", "1"])
    assert result.exit_code == 1
    assert "not an ensak demo folder" in result.output
