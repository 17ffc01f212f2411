"""Every task has the parts the method needs: opening, widgets (one more than a quiz), a quiz with an
explanation for every option, a practical checklist with a safety note, a reflection, images with alt text."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ensak import learner as widget_module
from ensak.course.plan import load_course
from ensak.demo import run_widget_cells
from ensak.learner import Checklist, Quiz
from ensak.learner.answers import AnswerStore

REPO = Path(__file__).resolve().parents[1]
TASKS = load_course(REPO).tasks
PLAIN_KINDS = {"quiz", "checklist", "selfassessment", "text", "answer"}
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def notebook(task):
    return nbformat.read(REPO / "source" / task.id / task.notebook, as_version=4)


def meta(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(scope="module")
def created_widgets(tmp_path_factory):
    """The widgets each task's locked cells create, run in a learner folder of their own."""
    made = {}
    for task in TASKS:
        folder = tmp_path_factory.mktemp(task.id)
        made[task.id] = run_widget_cells(folder, notebook(task))
    return made


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_does_the_task_open_with_what_you_do_learn_and_need(task):
    cells = notebook(task).cells
    assert cells[0].cell_type == "markdown"
    number = int(task.id.split("-")[0])
    assert cells[0].source.startswith(f"# Uppgift {number} – "), "first cell: '# Uppgift N – Titel'"
    assert "**Börja här:**" in cells[0].source
    opening = next((c.source for c in cells if "## Det här gör du, lär dig och behöver du" in c.source), None)
    assert opening, "an opening section '## Det här gör du, lär dig och behöver du'"
    for part in ("**Det här gör du:**", "**Det här lär du dig:**", "**Det här behöver du:**"):
        assert part in opening
    minutes = re.search(r"\*\*(\d+) minuter\*\*", opening)
    assert minutes and 20 <= int(minutes.group(1)) <= 45, "expected time as **NN minuter**, 20–45"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_are_widget_cells_locked_and_collapsed(task):
    widget_cells = [c for c in notebook(task).cells if c.cell_type == "code" and not meta(c).get("grade")]
    assert len(widget_cells) >= 2
    for cell in widget_cells:
        assert meta(cell).get("locked") is True, f"{meta(cell).get('grade_id')} must be locked"
        assert cell.source.startswith("# "), "the line a collapsed cell shows speaks Swedish to the learner"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "widget code is collapsed"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_has_the_task_a_quiz_a_checklist_and_something_more(task, created_widgets):
    made = created_widgets[task.id]
    quizzes = [w for w in made.values() if isinstance(w, Quiz)]
    checklists = [w for w in made.values() if isinstance(w, Checklist)]
    richer = [w for w in made.values() if w.kind not in PLAIN_KINDS]
    assert quizzes, "at least one self-check quiz"
    for quiz in quizzes:
        for option in quiz.options:
            assert len(option.why.strip()) >= 10, f"{quiz.key}: explain option {option.text!r}"
    assert checklists, "a practical exercise as a checklist"
    assert any(len(c.children[0].value) > 30 and "ℹ" in c.children[0].value for c in checklists), \
        "the checklist carries a privacy or safety note"
    assert richer, "at least one builder, simulator, planner or checker"
    for widget in richer:
        assert widget.kind in {"builder", "simulator", "planner", "checker"}, f"{type(widget).__name__}.kind"
        assert type(widget).__name__ in widget_module.__all__, "new widget kinds are exported by ensak.learner"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_is_every_graded_widget_checked_by_a_test_cell_worth_points(task):
    cells = notebook(task).cells
    checks = [c for c in cells if c.cell_type == "code" and meta(c).get("grade")]
    assert checks
    for cell in checks:
        assert meta(cell).get("points", 0) > 0, "a check cell worth 0 points always 'passes' validate --invert"
        assert "grading." in cell.source and meta(cell).get("locked")
    keys_checked = " ".join(c.source for c in checks)
    for cell in cells:
        for key in re.findall(r'(?:Quiz|Checklist)\(\s*"([^"]+)"', cell.source):
            assert f'"{key}"' in keys_checked, f"{key} has no check cell"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_ends_the_task_with_a_reflection_and_guiding_questions(task):
    cells = notebook(task).cells
    reflections = [i for i, c in enumerate(cells) if meta(c).get("solution") and meta(c).get("grade")]
    assert len(reflections) == 1, "exactly one manually graded reflection"
    cell = cells[reflections[0]]
    assert cell.cell_type == "markdown" and meta(cell)["points"] > 0
    intro = cells[reflections[0] - 1].source
    assert "## Ditt blogginlägg" in intro
    questions = re.findall(r"^\s*\d\.\s+\S", intro, flags=re.MULTILINE)
    assert 2 <= len(questions) <= 3, "two or three guiding questions"
    assert "## Klart? Så lämnar du in" in cells[-1].source


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_do_images_have_alternative_text_and_exist(task):
    text = "\n".join(c.source for c in notebook(task).cells if c.cell_type == "markdown")
    images = IMAGE.findall(text)
    assert images, "at least one image"
    for alt, src in images:
        assert len(alt.strip()) >= 10, f"alt text for {src} says what the image shows"
        if not src.startswith("http"):
            assert (REPO / "source" / task.id / src).exists(), f"{src} is missing"
            assert (REPO / "release" / task.id / src).exists(), f"{src} did not reach release/"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_do_headings_make_sense_read_aloud(task):
    for cell in notebook(task).cells:
        if cell.cell_type != "markdown":
            continue
        for heading in re.findall(r"^#+\s*(.*)$", cell.source, flags=re.MULTILINE):
            words = re.findall(r"[A-Za-zÅÄÖåäöÉé]{2,}", heading)
            assert len(words) >= 1, f"heading {heading!r} has no words"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_is_the_answer_key_complete_for_every_graded_widget(task):
    store = AnswerStore(REPO / "source" / task.id)
    assert store.problem is None
    checks = " ".join(c.source for c in notebook(task).cells if meta(c).get("grade"))
    for key in re.findall(r'grading\.\w+\("([^"]+)"', checks):
        assert store.get(key) not in (None, {}, []), f"facit.json has no answer for {key}"
