"""nbgrader preprocessors of our own, named in nbgrader_config.py so plain `nbgrader autograde` uses them too."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import compute_checksum
from traitlets import Bool, Integer

# Said to the coordinator (sync) and to the learner (in the graded copy, so in the feedback).
FOREIGN_CODE_NOTE = "Inlämningen innehöll kod som inte hör till uppgiften; den kördes inte."
# The cell metadata that marks a cell set aside, so that screening can count them.
SET_ASIDE = "ensak_set_aside"
# Where RestoreDeletedCells tells SetAsideForeignCode which cells it put back from the source (in
# nbconvert's resources, which the learner's notebook cannot reach).
RESTORED = "ensak_restored_cells"
# Where SetAsideForeignCode tells ShowLearnerTextAsText which cells it made (a learner can write any
# metadata, so SET_ASIDE alone is not proof).
MADE_BY_GRADING = "ensak_cells_made_by_grading"
# Where task_source keeps the source of the notebook being graded for the preprocessors after it.
TASK_SOURCE = "ensak_task_source"
# The cell metadata that marks a raw cell a learner added, now shown as text.
LEARNER_RAW = "ensak_learner_raw"


class RestoreDeletedCells(OverwriteCells):
    """Put back every locked or graded cell a learner deleted, in its original place.

    nbgrader 0.9.6's own `add_missing_cells` assumes the cell before a deleted test cell is also a
    graded cell and fails with a KeyError when it is not; in our tasks it is usually the locked widget
    cell. It also leaves deleted widget cells out, so the test cell after them could not find its quiz.
    """

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        # In the source's order: the gradebook keeps none, and PostgreSQL returns cells it has
        # updated last (the code cells) after the rest, which would put a deleted widget after its check.
        positions = self._source_positions()
        source_cells = sorted(source_nb.source_cells, key=lambda cell: positions.get(cell.name, len(positions)))
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}

        def present() -> dict[str, int]:
            found = {}
            for idx, cell in enumerate(nb.cells):
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id:
                    found[grade_id] = idx
            return found

        for position, source_cell in enumerate(source_cells):
            if source_cell.name in present():
                continue
            if source_cell.name in grade_cells:
                cell = self.missing_cell_transform(source_cell, grade_cells[source_cell.name].max_score,
                                                   is_solution=source_cell.name in solution_ids)
            elif source_cell.locked:
                cell = self.missing_cell_transform(source_cell, 0)
                cell["metadata"]["nbgrader"]["grade"] = False
                cell["metadata"]["nbgrader"].pop("points", None)
            else:
                continue
            self.log.warning("Missing cell %s restored from the source", source_cell.name)
            # SetAsideForeignCode runs it as the teacher's although a note now heads its text.
            resources.setdefault(RESTORED, set()).add(source_cell.name)
            indexes = present()
            earlier = [indexes[c.name] for c in source_cells[:position] if c.name in indexes]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, cell)
        return nb, resources

    def _source_positions(self) -> dict[str, int]:
        """{nbgrader cell id: its place in the task's source notebook}; {} if the source cannot be read."""
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", self.assignment_id))
        try:
            cells = json.loads((folder / f"{self.notebook_id}.ipynb").read_text(encoding="utf-8"))["cells"]
            ids = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in cells]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}
        return {grade_id: place for place, grade_id in enumerate(ids) if grade_id}

    def add_missing_task_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """nbgrader's own, without its KeyError on a cell whose nbgrader metadata has no id: a copied
        cell after DeduplicateIds, or an id the source does not know after OverwriteCells."""
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        present = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in nb.cells}
        for task_cell in source_nb.task_cells:
            if task_cell.name not in present:
                nb.cells.append(self.missing_cell_transform(source_cells[task_cell.name], task_cell.max_score,
                                                            is_task=True))
        return nb, resources


class SetAsideForeignCode(NbGraderPreprocessor):
    """Only the teacher's code runs: set aside every code cell that is not a code cell of the task's source.

    A cell is the teacher's when its nbgrader id names a code cell of the source in the gradebook and
    its checksum (nbgrader's own: text, type, flags, id, points) or its text is that cell's, or when
    RestoreDeletedCells has just put it back from the source (with a note at its head). Anything
    else a learner put in a code cell (a cell added, copied, pasted over, or a changed answer cell) is
    turned into a Markdown cell that shows the code, unexecuted, under a Swedish note: the coordinator
    sees it in formgrader and the learner in the feedback. Where the learner's code replaced a cell of
    the source, the teacher's version is put back after it, so the task's cells and points stay whole.

    Runs after RestoreDeletedCells (locked cells are already restored from the source there) and
    before anything executes. Markdown and raw cells are data and stay as they are.
    """

    run_answer_cells = Bool(
        False, help="For a course whose tasks ask for code answers: run what a learner writes in the source's "
                    "answer cells (nbgrader solution cells), inside the grading sandbox. Added cells never run."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source = task_source(resources)
        teacher = {cell.name: (cell.checksum, cell.source) for cell in source.cells if cell.cell_type == "code"}
        answers = source.answers
        cells = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                cells.append(cell)
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id not in teacher:
                cells.append(set_aside(cell, resources))
                continue
            checksum, text = teacher[grade_id]
            if (cell.source == text or _checksum(cell) == checksum or grade_id in resources.get(RESTORED, ())
                    or (self.run_answer_cells and grade_id in answers)):
                cells.append(cell)
                continue
            cells.append(set_aside(cell, resources))
            cell.source = text
            cells.append(cell)
        nb.cells = cells
        return nb, resources


class ShowLearnerTextAsText(NbGraderPreprocessor):
    """What a learner wrote is shown as text: nothing in it can act in formgrader or in the feedback.

    formgrader renders the graded copy's Markdown cells with raw HTML passed through and `javascript:`
    links allowed (its template ignores nbconvert's `sanitize_html`), inside the coordinator's own Jupyter
    server. A reflection holding `<script>`, `<img onerror=…>` or `[Läs mer](javascript:…)` would run
    there with her rights: change grades, open a terminal. So in every Markdown cell that is not the
    teacher's (the source's text under a source cell's id, and not an answer cell) `<` becomes `&lt;` (no
    tag can open), and `\\`, `[` and `]` are backslash-escaped (no link, image or TeX command can form).
    The page shows exactly the characters the learner typed in her plain text field; lists, paragraphs
    and emphasis stay. A raw cell (the tasks have none; nbconvert copies raw cells into HTML untouched)
    becomes a Markdown cell that shows its text in a fenced block. Cells SetAsideForeignCode made are
    already fenced text. Runs after RestoreDeletedCells, so locked cells hold the teacher's text.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source = task_source(resources)
        teacher = {cell.name: cell.source for cell in source.cells
                   if cell.cell_type == "markdown" and cell.name not in source.answers}
        cells = []
        for cell in nb.cells:
            if cell.cell_type == "raw":
                cells.append(new_markdown_cell(fenced(cell.source, "text"), metadata={LEARNER_RAW: True}))
                continue
            if cell.cell_type == "markdown" and id(cell) not in resources.get(MADE_BY_GRADING, ()):
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id not in teacher or cell.source != teacher[grade_id]:
                    cell.source = as_text(cell.source)
            cells.append(cell)
        nb.cells = cells
        return nb, resources


@dataclass(frozen=True)
class SourceCell:
    name: str
    cell_type: str
    checksum: str | None
    source: str


@dataclass(frozen=True)
class TaskSource:
    """The task's source cells as the gradebook keeps them, and which of them are answer cells."""
    cells: tuple[SourceCell, ...]
    answers: frozenset[str]


def task_source(resources: dict) -> TaskSource:
    """The source of the notebook being graded, read from the gradebook once per notebook and kept in
    nbconvert's resources (out of the learner's reach) for the next preprocessor that asks."""
    if TASK_SOURCE not in resources:
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"])
            resources[TASK_SOURCE] = TaskSource(
                tuple(SourceCell(c.name, c.cell_type, c.checksum, c.source) for c in notebook.source_cells),
                frozenset(c.name for c in notebook.solution_cells))
    return resources[TASK_SOURCE]


def as_text(markdown: str) -> str:
    """Markdown that renders as the characters of `markdown`, with no tag, link, image or TeX command."""
    return (markdown.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
            .replace("<", "&lt;"))


def fenced(text: str, language: str) -> str:
    """`text` in a fenced block longer than any run of backticks in it: nothing inside can end the block,
    so it is shown as text and never read as Markdown or HTML."""
    text = text.rstrip("\n")
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}{language}\n{text}\n{fence}"


def _checksum(cell: NotebookNode) -> str | None:
    """nbgrader's checksum of a cell, or None when its metadata is too damaged to compute one."""
    try:
        return compute_checksum(nbformat.from_dict(cell))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def set_aside(cell: NotebookNode, resources: dict) -> NotebookNode:
    """A Markdown cell that shows a code cell's text, unexecuted, under FOREIGN_CODE_NOTE."""
    shown = new_markdown_cell(f"**{FOREIGN_CODE_NOTE}**\n\n{fenced(cell.source, 'python')}", metadata={SET_ASIDE: True})
    resources.setdefault(MADE_BY_GRADING, set()).add(id(shown))
    return shown


class BoundedExecute(Execute):
    """nbgrader's Execute, keeping at most `max_output_chars` of each cell's output while it runs.

    nbgrader's LimitOutput cuts lines only after the whole notebook has run, so a cell printing
    megabytes (on one line, or in a loop until the timeout stops it) is first held in memory and
    then written to autograded/ and the feedback in full. Dropping the rest as it arrives keeps
    both small; the learner's other cells are graded as usual.
    """

    max_output_chars = Integer(
        100_000, help="Characters of output kept per cell; the rest is dropped with a note (-1: no limit)."
    ).tag(config=True)

    truncation_note = "\n… Utskriften var för lång och har kortats här. …\n"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # nbgrader's Execute passes its kernel manager class as an argument, which outranks the
        # configuration; the one nbgrader_config.py names (the sandbox) must win.
        self._load_config(self.config, traits={"kernel_manager_class": self.traits()["kernel_manager_class"]})

    def output(self, outs, msg, display_id, cell_index):
        if self.max_output_chars < 0 or msg["msg_type"] not in ("stream", "display_data", "execute_result"):
            return super().output(outs, msg, display_id, cell_index)
        used = self._used(outs)
        if used >= self.max_output_chars:
            return None
        before = len(outs)
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None and used + _output_size(out) > self.max_output_chars:
            if out.get("output_type") == "stream":
                out.text = out.text[: self.max_output_chars - used]
            elif outs and outs[-1] is out:
                outs.pop()
            outs.append(new_output("stream", name="stdout", text=self.truncation_note))
        added = outs[before:] if len(outs) >= before else outs  # nbclient may have cleared the list
        self._sizes[id(outs)] = (len(outs), (used if len(outs) >= before else 0) + sum(map(_output_size, added)))
        return out

    def _used(self, outs: list) -> int:
        # A running total per output list: summing every output on each message would make a
        # cell that prints a line at a time quadratic. A shorter list than last time was cleared.
        if not hasattr(self, "_sizes"):
            self._sizes = {}
        length, used = self._sizes.get(id(outs), (0, 0))
        if len(outs) != length:
            used = sum(_output_size(o) for o in outs)
        return used


def _output_size(output: NotebookNode) -> int:
    return len(str(output.get("text", ""))) + len(str(output.get("data", "")))
