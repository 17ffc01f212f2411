"""The course content is openly licensed (CC BY 4.0, code MIT): stated in the repository and at the foot
of every task a learner opens, with attribution for the ideas the course builds on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
LICENCE_LINK = "https://creativecommons.org/licenses/by/4.0/"
FOOTER_ID = "licens"
TASK_IDS = [task["id"] for task in tomllib.loads((REPO / "course.toml").read_text(encoding="utf-8"))["task"]]


def footer(folder: str, task_id: str):
    nb = nbformat.read(REPO / folder / task_id / f"{task_id}.ipynb", as_version=4)
    return nb.cells[-1]


def test_does_the_repository_state_the_content_licence_and_how_to_attribute():
    statement = (REPO / "LICENSE-content.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in statement and "https://creativecommons.org/licenses/by/4.0/legalcode" in statement
    assert "MIT" in statement, "says which licence the code has"
    assert "Learning 2.0" in statement and "Värnamo" in statement, "credits what the course builds on"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    licence_section = re.search(r"^## Licen[cs]e\n(.*?)(?=^## |\Z)", readme, flags=re.MULTILINE | re.DOTALL)
    assert licence_section, "README.md has a licence section"
    assert "LICENSE-content.md" in licence_section.group(1) and "CC BY 4.0" in licence_section.group(1)


@pytest.mark.parametrize("folder", ["source", "release"])
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_does_every_task_end_with_the_licence_footer(folder, task_id):
    cell = footer(folder, task_id)
    meta = cell.metadata.get("nbgrader", {})
    assert cell.cell_type == "markdown" and meta.get("grade_id") == FOOTER_ID, "the last cell is the licence footer"
    assert meta.get("locked") is True and not meta.get("grade"), "learners read the footer; nobody grades it"
    assert LICENCE_LINK in cell.source
    number = int(task_id.split("-")[0])
    assert f"uppgift {number}, CC BY 4.0" in cell.source, "tells reusers how to attribute this very task"
    for credit in ("Learning 2.0", "Helene Blowers", "PLCMC", "Värnamo"):
        assert credit in cell.source, f"attribution line names {credit}"
