"""The coordinator's and the analyst's notebooks, executed top to bottom with papermill as a headless
run would, against the fixture course, then turned into HTML."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

from ensak.course.instance import repo_root

# The fixtures module is also loaded as a plugin (pytest_plugins below): let pytest rewrite its asserts.
pytest.register_assert_rewrite("fixtures_analytics")
from fixtures_analytics import TODAY  # noqa: E402

pytest_plugins = ["fixtures_analytics"]
pytestmark = pytest.mark.slow

NOTEBOOKS = repo_root() / "notebooks"
NAMES = ("koordinator", "analys")


def outputs_text(notebook) -> str:
    """Everything the notebook showed, as one string (Markdown, tables, printed text)."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [data.get("text/markdown", ""), data.get("text/html", ""), output.get("text", "")]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def images(notebook) -> int:
    return sum("image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def executed(analytics_course, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("notebooks")
    results = {}
    for name in NAMES:
        target = out / f"{name}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"), str(target), cwd=str(NOTEBOOKS), kernel_name="python3",
            parameters={"course_dir": str(analytics_course.root), "gradebook": analytics_course.db_url,
                        "today": TODAY.isoformat()},
            progress_bar=False,
        )
        results[name] = nbformat.read(target, as_version=4)
    return results


@pytest.mark.parametrize("name", NAMES)
def test_is_the_committed_notebook_free_of_outputs_and_parameterised(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    for setting in ("course_dir", "gradebook", "today"):
        assert f"{setting} =" in parameters[0].source


@pytest.mark.parametrize("name", NAMES)
def test_does_the_notebook_run_top_to_bottom_without_errors(executed, name):
    notebook = executed[name]
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert all(c.execution_count for c in notebook.cells if c.cell_type == "code")


def test_does_the_coordinator_see_where_everyone_is_and_whom_to_nudge(executed):
    shown = outputs_text(executed["koordinator"])
    assert "Medianen har lämnat in **5** uppgifter" in shown
    assert "Spridning: **5** uppgifter" in shown
    assert "**5** deltagare behöver en påminnelse" in shown
    assert "Ingen inlämning på 21 dagar (senast 22 februari)." in shown
    assert "gustav@bibliotek.example" in shown, "the coordinator needs to know who"
    assert images(executed["koordinator"]) == 2


def test_does_the_analyst_see_the_whole_course_without_names(executed):
    shown = outputs_text(executed["analys"])
    assert "Gustav" not in shown and "@bibliotek.example" not in shown
    assert "Att [namn] och jag kan blogga nu." in shown
    assert "11 av 11 (100 %)" in shown and "6 av 11 (55 %)" in shown  # the funnel
    assert "En svarsfil gick inte att läsa" in shown
    assert images(executed["analys"]) == 5  # funnel, funnel per unit, timeline, spread, self-assessment


@pytest.mark.parametrize("name", NAMES)
def test_can_the_executed_notebook_be_turned_into_html(executed, name):
    body, _ = HTMLExporter().from_notebook_node(executed[name])
    heading = {"koordinator": "Veckans läge", "analys": "Kursen i siffror"}[name]
    assert heading in body
    assert "data:image/png;base64" in body


def test_are_the_parameters_papermill_injected_the_ones_used(executed):
    injected = [c for c in executed["analys"].cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert json.dumps(TODAY.isoformat()) in injected[0].source
