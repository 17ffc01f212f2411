"""Every task has the parts the method needs: an opening with one time figure, one real thing done on a real
platform and shown as evidence, a quiz with an explanation for every option, a reflection, optional Extra
sections that never decide completion, images with alt text."""

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
PLAIN_KINDS = {"quiz", "checklist", "selfassessment", "text", "answer", "evidence", "access"}
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
TIME = re.compile(r"Tid: ungefär (\d+) minuter")
EVIDENCE = re.compile(r'\bEvidence\(\s*"([^"]+)"')


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
def test_does_the_task_open_with_its_time_and_what_you_do_learn_and_need(task):
    cells = notebook(task).cells
    assert cells[0].cell_type == "markdown"
    number = int(task.id.split("-")[0])
    assert cells[0].source.startswith(f"# Uppgift {number} – "), "first cell: '# Uppgift N – Titel'"
    minutes = TIME.findall(cells[0].source)
    assert len(minutes) == 1 and 10 <= int(minutes[0]) <= 90, "the first cell says 'Tid: ungefär NN minuter' once"
    others = [c for c in cells[1:] if TIME.search(c.source) or re.search(r"\*\*\d+ minuter\*\*", c.source)]
    assert not others, "one time figure per task, in the first cell only"
    opening = next((c.source for c in cells if "## Det här gör du, lär dig och behöver du" in c.source), None)
    assert opening, "an opening section '## Det här gör du, lär dig och behöver du'"
    for part in ("**Det här gör du:**", "**Det här lär du dig:**", "**Det här behöver du:**"):
        assert part in opening


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_does_the_task_start_by_itself_without_jupyter_menus(task):
    """Tasks run their widgets when opened and are handed in from the task panel: no Jupyter lessons."""
    text = "\n".join(c.source for c in notebook(task).cells if c.cell_type == "markdown")
    for jupyter in ("Run All", "Run →", "Shift + Enter", "Dubbelklicka", "Assignments", "Validate", "Submit",
                    "File → Save"):
        assert jupyter not in text, f"{jupyter!r}: learners never need JupyterLab's menus or nbgrader's labels"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_are_widget_cells_locked_and_collapsed(task):
    widget_cells = [c for c in notebook(task).cells if c.cell_type == "code" and not meta(c).get("grade")]
    assert len(widget_cells) >= 2
    for cell in widget_cells:
        assert meta(cell).get("locked") is True, f"{meta(cell).get('grade_id')} must be locked"
        assert cell.source.startswith("# "), "the line a collapsed cell shows speaks Swedish to the learner"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "widget code is collapsed"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_has_the_task_a_quiz_that_explains_every_option(task, created_widgets):
    made = created_widgets[task.id]
    quizzes = [w for w in made.values() if isinstance(w, Quiz)]
    assert quizzes, "at least one self-check quiz"
    for quiz in quizzes:
        for option in quiz.options:
            assert len(option.why.strip()) >= 10, f"{quiz.key}: explain option {option.text!r}"
    for checklist in (w for w in made.values() if isinstance(w, Checklist)):
        assert len(checklist.children[0].value) > 30 and "ℹ" in checklist.children[0].value, \
            f"{checklist.key}: a checklist of real steps carries a privacy or safety note"
    for widget in made.values():
        if widget.kind not in PLAIN_KINDS:
            assert widget.kind in {"builder", "simulator", "planner", "checker"}, f"{type(widget).__name__}.kind"
            assert type(widget).__name__ in widget_module.__all__, "new widget kinds are exported by ensak.learner"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_does_completion_rest_on_one_real_thing_shown_as_evidence(task):
    """One Evidence step, checked right after by a graded cell worth 2 points, before the reflection."""
    cells = notebook(task).cells
    evidence = [i for i, c in enumerate(cells) if c.cell_type == "code" and EVIDENCE.search(c.source)]
    assert len(evidence) == 1, "exactly one Evidence widget: the task's one real thing"
    key = EVIDENCE.search(cells[evidence[0]].source).group(1)
    graded = cells[evidence[0] + 1]
    assert meta(graded).get("grade") and meta(graded).get("points") == 2, "a graded check worth 2 right after it"
    assert f'evidence_given("{key}")' in graded.source
    reflection = next(i for i, c in enumerate(cells) if meta(c).get("solution") and meta(c).get("grade"))
    assert evidence[0] < reflection, "the real thing comes before the reflection"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_are_checklists_optional_extras_that_never_decide_completion(task):
    """A checklist is an Extra, never graded: a graded cell for an optional step would either be reported as
    missing when the learner hands in or pass unanswered (and break validate --invert)."""
    cells = notebook(task).cells
    graded = " ".join(c.source for c in cells if meta(c).get("grade"))
    assert "minimum=" not in graded, "ticking a share of optional steps is never what completes a task"
    section = ""
    for cell in cells:
        if cell.cell_type == "markdown":
            section = next(iter(re.findall(r"^## (.*)$", cell.source, flags=re.MULTILINE)), section)
        for key in re.findall(r'Checklist\(\s*"([^"]+)"', cell.source):
            assert section.startswith("Extra"), f"{key}: checklists belong under an '## Extra' heading, not {section!r}"
            assert f'"{key}"' not in graded, f"{key}: an Extra checklist is not graded"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_is_every_graded_widget_checked_by_a_test_cell_worth_points(task):
    cells = notebook(task).cells
    checks = [c for c in cells if c.cell_type == "code" and meta(c).get("grade")]
    assert checks
    for cell in checks:
        assert meta(cell).get("points", 0) > 0, "a check cell worth 0 points always 'passes' validate --invert"
        assert "grading" in cell.source and meta(cell).get("locked")
    keys_checked = " ".join(c.source for c in checks)
    for cell in cells:
        for key in re.findall(r'(?:Quiz|Evidence)\(\s*"([^"]+)"', cell.source):
            assert f'"{key}"' in keys_checked, f"{key} has no check cell"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_ends_the_task_with_a_reflection_and_guiding_questions(task):
    cells = notebook(task).cells
    reflections = [i for i, c in enumerate(cells) if meta(c).get("solution") and meta(c).get("grade")]
    assert len(reflections) == 1, "exactly one manually graded reflection"
    cell = cells[reflections[0]]
    assert cell.cell_type == "markdown" and meta(cell)["points"] > 0
    intro = cells[reflections[0] - 1].source
    assert "## Din reflektion" in intro, "the notebook text is a 'reflektion'; 'blogginlägg' is a real blog post"
    assert "blogginlägg" not in intro.lower()
    questions = re.findall(r"^\s*\d\.\s+\S", intro, flags=re.MULTILINE)
    assert 2 <= len(questions) <= 3, "two or three guiding questions"
    assert meta(cells[-1]).get("grade_id") == "licens", "the licence footer closes the task"
    assert "## Klart? Så lämnar du in" in cells[-2].source


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
    for key in re.findall(r'(?:grading\.\w+|evidence_given)\("([^"]+)"', checks):
        assert store.get(key) not in (None, {}, []), f"facit.json has no answer for {key}"
