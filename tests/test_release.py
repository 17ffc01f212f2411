"""release/ is nbgrader's learner version of source/: in sync, without solutions, hidden tests or outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ensak.course.plan import load_course
from ensak.learner.answers import ANSWER_KEY_FILE, ANSWERS_FILE

LEAK_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME"]


def task_ids(repo):
    return load_course(repo).task_ids


def files_below(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}


def test_is_release_in_sync_with_source(repo, generated_course):
    """Does regenerating release/ from source/ with nbgrader give exactly what is committed?"""
    for task_id in task_ids(repo):
        committed = files_below(repo / "release" / task_id)
        fresh = files_below(generated_course / "release" / task_id)
        assert committed.keys() == fresh.keys(), f"release/{task_id} files differ: run `ensak generate`"
        for name, path in fresh.items():
            if name.endswith(".ipynb"):
                same = json.loads(path.read_text("utf-8")) == json.loads(committed[name].read_text("utf-8"))
            else:
                same = path.read_bytes() == committed[name].read_bytes()
            assert same, f"release/{task_id}/{name} is out of date: run `ensak generate` and commit release/"


def test_is_every_released_task_in_the_plan(repo):
    assert sorted(p.name for p in (repo / "release").iterdir() if p.is_dir()) == sorted(task_ids(repo))


def test_does_no_solution_hidden_test_or_answer_key_reach_release(repo):
    for task_id in task_ids(repo):
        release = repo / "release" / task_id
        assert not (release / ANSWER_KEY_FILE).exists()
        assert not (release / ANSWERS_FILE).exists()
        text = (release / f"{task_id}.ipynb").read_text("utf-8")
        for marker in LEAK_MARKERS:
            assert marker not in text, f"{marker} in release/{task_id}"
        source = nbformat.read(repo / "source" / task_id / f"{task_id}.ipynb", as_version=4)
        released = nbformat.read(release / f"{task_id}.ipynb", as_version=4)
        released_text = "\n".join(c.source for c in released.cells)
        for cell in source.cells:
            meta = cell.metadata.get("nbgrader", {})
            hidden = []
            if meta.get("solution"):
                hidden.append(cell.source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0])
            if "### BEGIN HIDDEN TESTS" in cell.source:
                hidden.append(cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0])
            for block in hidden:
                for line in filter(None, (ln.strip() for ln in block.splitlines())):
                    if not line.startswith("#") and len(line) > 12:
                        assert line not in released_text, f"release/{task_id} leaks: {line}"


def all_committed_notebooks(repo):
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=repo, capture_output=True, text=True).stdout.split()
    on_disk = [p for folder in ("source", "release", "notebooks") for p in (repo / folder).rglob("*.ipynb")
               if ".ipynb_checkpoints" not in p.parts]
    return sorted(set(on_disk) | {repo / t for t in tracked})


def test_does_no_notebook_carry_outputs(repo):
    notebooks = all_committed_notebooks(repo)
    assert len(notebooks) >= 2 * len(task_ids(repo))
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.relative_to(repo)} has outputs: clear them before committing"
                assert cell.execution_count is None, f"{path.relative_to(repo)} has execution counts"


def validator(course_dir, invert=False):
    from nbgrader.validator import Validator

    from ensak.nbgrader.api import load_config

    return Validator(config=load_config(course_dir), invert=invert)


@pytest.mark.slow
def test_does_the_teacher_version_pass_nbgrader_validate(generated_course):
    for task_id in load_course(generated_course).task_ids:
        results = validator(generated_course).validate(str(generated_course / "source" / task_id / f"{task_id}.ipynb"))
        assert results == {}, f"source/{task_id} does not validate: {results}"


@pytest.mark.slow
def test_does_the_learner_version_fail_every_test_until_answered(generated_course, tmp_path):
    """nbgrader validate --invert: no test cell may pass on an unanswered release notebook."""
    for task_id in load_course(generated_course).task_ids:
        copy = shutil.copytree(generated_course / "release" / task_id, tmp_path / task_id)
        results = validator(generated_course, invert=True).validate(str(copy / f"{task_id}.ipynb"))
        assert "passed" not in results and "changed" not in results, f"release/{task_id}: {results}"


@pytest.mark.slow
def test_do_the_released_notebooks_run_under_nbval_once_answered(generated_course, tmp_path):
    """Every released notebook runs top to bottom for a learner who has answered everything."""
    folders = []
    for task_id in load_course(generated_course).task_ids:
        copy = shutil.copytree(generated_course / "release" / task_id, tmp_path / task_id)
        shutil.copy(generated_course / "source" / task_id / ANSWER_KEY_FILE, copy / ANSWERS_FILE)
        folders.append(str(copy))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                             "--rootdir", str(tmp_path), *folders], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.slow
def test_does_releasing_from_a_fresh_clone_teach_the_gradebook_the_task(tmp_path):
    """A new course directory (committed release/, empty gradebook) must still be gradable after release."""
    import datetime as dt

    from nbgrader.api import Gradebook

    from ensak.course.instance import create_instance
    from ensak.course.schedule import release_due

    course_dir = create_instance(tmp_path / "kurs")
    course = load_course(course_dir)
    before = files_below(course_dir / "release" / course.task_ids[0])
    result = release_due(course_dir, course.tasks[0].release)
    assert result.released == [course.task_ids[0]] and result.problems == []
    with Gradebook(f"sqlite:///{course_dir / 'gradebook' / 'gradebook.db'}", course.id) as gb:
        assignment = gb.find_assignment(course.task_ids[0])
        assert [nb.name for nb in assignment.notebooks] == [course.task_ids[0]]
        assert assignment.duedate == dt.datetime.combine(course.closes, dt.time(23, 59))
    after = files_below(course_dir / "release" / course.task_ids[0])
    assert {k: p.read_bytes() for k, p in after.items()} == {k: p.read_bytes() for k, p in before.items()}


def test_does_a_new_course_instance_leave_one_cohorts_blog_and_answers_behind(repo, tmp_path):
    from ensak.course.instance import create_instance

    template = tmp_path / "repo"
    template.mkdir()
    for name in ("course.toml", "nbgrader_config.py"):
        shutil.copy(repo / name, template / name)
    for folder in ("source", "release"):
        shutil.copytree(repo / folder, template / folder)
        blog = template / folder / "kursbloggen"
        blog.mkdir()
        (blog / "inlagg.ipynb").write_text("Åsa Öberg skrev …")
    (template / "source" / "00-valkommen" / ANSWERS_FILE).write_text("{}")
    copy = create_instance(tmp_path / "ny", template=template)
    assert not (copy / "source" / "kursbloggen").exists() and not (copy / "release" / "kursbloggen").exists()
    assert not (copy / "source" / "00-valkommen" / ANSWERS_FILE).exists()
    assert (copy / "source" / "00-valkommen" / ANSWER_KEY_FILE).exists()
