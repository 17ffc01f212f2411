"""Cell constructors for writing task notebooks with the right nbgrader metadata.

Task authors (and tests that build odd submissions) use these instead of hand-writing JSON, so that
every widget cell is locked and collapsed, every check is a graded test cell and every reflection a
manually graded answer.
"""

from __future__ import annotations

from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCHEMA_VERSION = 3
REFLECTION_PLACEHOLDER = "SKRIV DITT SVAR HÄR"
# JupyterLab shows the first line of a collapsed cell: let it speak to the learner, not be code.
WIDGET_CELL_FIRST_LINE = "# Dold kod som visar övningen nedan – du behöver inte läsa den."


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": SCHEMA_VERSION, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def text(grade_id: str, source: str):
    """A locked text cell: explanations learners read but do not edit."""
    return new_markdown_cell(dedent(source).strip(),
                             metadata={"nbgrader": _nbgrader(grade_id, grade=False, solution=False, locked=True)})


def widget(grade_id: str, code: str):
    """A locked code cell with its code collapsed, so learners see the widget, not the code."""
    code = dedent(code).strip()
    if not code.startswith("#"):
        code = f"{WIDGET_CELL_FIRST_LINE}\n{code}"
    return new_code_cell(code, metadata={
        "nbgrader": _nbgrader(grade_id, grade=False, solution=False, locked=True),
        "jupyter": {"source_hidden": True},
        "editable": False,
        "deletable": False,
    })


def check(grade_id: str, code: str, points: float):
    """An autograded test cell (locked, collapsed). `### BEGIN HIDDEN TESTS` parts never reach learners."""
    return new_code_cell(dedent(code).strip(), metadata={
        "nbgrader": _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points),
        "jupyter": {"source_hidden": True},
        "editable": False,
        "deletable": False,
    })


def reflection(grade_id: str, model_answer: str, points: float = 2):
    """The learner's written reflection (the "blog post"), graded by the coordinator."""
    source = f"### BEGIN SOLUTION\n{dedent(model_answer).strip()}\n### END SOLUTION"
    return new_markdown_cell(source, metadata={
        "nbgrader": _nbgrader(grade_id, grade=True, solution=True, locked=False, points=points),
    })


def task_notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_notebook(nb: nbformat.NotebookNode, path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
