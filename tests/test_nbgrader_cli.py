"""The course directory works with the plain `nbgrader` commands, as a coordinator would type them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from ensak.course.instance import create_instance
from ensak.nbgrader.preprocessors import FOREIGN_CODE_NOTE

pytestmark = pytest.mark.slow
TASK = "01-larplattformen"


def nbgrader(course_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(["nbgrader", *args], cwd=cwd or course_dir, capture_output=True, text=True,
                            env={**os.environ, "HOME": str(course_dir.parent / "home")})
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_does_a_whole_cycle_work_with_plain_nbgrader_commands(tmp_path):
    course_dir = create_instance(tmp_path / "kurs")
    shutil.rmtree(course_dir / "release")
    learner_home = tmp_path / "home"
    learner_home.mkdir()

    nbgrader(course_dir, "generate_assignment", TASK)
    assert (course_dir / "release" / TASK / f"{TASK}.ipynb").exists()
    assert not (course_dir / "release" / TASK / "facit.json").exists()
    nbgrader(course_dir, "release_assignment", TASK)

    # The learner side: fetch into the home folder, answer (copy the key as a perfect learner), submit.
    nbgrader(course_dir, "fetch_assignment", TASK, "--course", "ensak",
             f"--Exchange.root={course_dir / 'exchange'}", cwd=learner_home)
    shutil.copy(course_dir / "source" / TASK / "facit.json", learner_home / TASK / "svar.json")
    unwritten = nbgrader(course_dir, "validate", f"{TASK}/{TASK}.ipynb", cwd=learner_home)
    assert "VALIDATION FAILED" in unwritten.stdout and "SKRIV DITT SVAR HÄR" in unwritten.stdout
    notebook_path = learner_home / TASK / f"{TASK}.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "reflektion":
            cell.source = "Det gick bra att hitta fliken Assignments."
    nbformat.write(notebook, notebook_path)
    validated = nbgrader(course_dir, "validate", f"{TASK}/{TASK}.ipynb", cwd=learner_home)
    assert "Success" in validated.stdout
    # A code cell of the learner's own: plain autograde must not run it either (nbgrader_config.py).
    ran = tmp_path / "kördes"
    notebook.cells.append(nbformat.v4.new_code_cell(f"open({str(ran)!r}, 'w').write('ja')"))
    nbformat.write(notebook, notebook_path)
    nbgrader(course_dir, "submit", TASK, "--course", "ensak", "--student=kim.ek",
             f"--Exchange.root={course_dir / 'exchange'}", cwd=learner_home)

    nbgrader(course_dir, "collect", TASK, "--ExchangeCollect.check_owner=False")
    assert (course_dir / "submitted" / "kim.ek" / TASK / "svar.json").exists()
    nbgrader(course_dir, "autograde", TASK)
    assert not ran.exists()
    graded = (course_dir / "autograded" / "kim.ek" / TASK / f"{TASK}.ipynb").read_text(encoding="utf-8")
    assert FOREIGN_CODE_NOTE in graded
    exported = nbgrader(course_dir, "export", "--to", str(tmp_path / "grades.csv"))
    grades = (tmp_path / "grades.csv").read_text()
    assert "kim.ek" in grades and TASK in grades, exported.stdout
    # feedback is generated even before the reflection has a manual grade
    nbgrader(course_dir, "generate_feedback", TASK)
    feedback = (course_dir / "feedback" / "kim.ek" / TASK / f"{TASK}.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in feedback and "Återkoppling" in feedback, "ensak's Swedish page, not nbgrader's"
    nbgrader(course_dir, "release_feedback", TASK)
