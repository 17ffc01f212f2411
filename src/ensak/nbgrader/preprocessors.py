"""nbgrader preprocessors of our own, named in nbgrader_config.py so plain `nbgrader autograde` uses them too."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, OverwriteCells
from traitlets import Integer


class RestoreDeletedCells(OverwriteCells):
    """Put back every locked or graded cell a learner deleted, in its original place.

    nbgrader 0.9.6's own `add_missing_cells` assumes the cell before a deleted test cell is also a
    graded cell and fails with a KeyError when it is not; in our tasks it is usually the locked widget
    cell. It also leaves deleted widget cells out, so the test cell after them could not find its quiz.
    """

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = in_notebook_order(list(source_nb.source_cells), self._source_order())
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
            indexes = present()
            earlier = [indexes[c.name] for c in source_cells[:position] if c.name in indexes]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, cell)
        return nb, resources


    def _source_order(self) -> list[str]:
        """The cell ids in the order of the task's notebook in release/ (the learner version)."""
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.release_directory, ".", self.assignment_id)) / \
            f"{self.notebook_id}.ipynb"
        try:
            cells = nbformat.read(path, as_version=4).cells
        except (OSError, ValueError):
            return []
        return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]


def in_notebook_order(source_cells: list, order: list[str]) -> list:
    """The gradebook's source cells in the order the notebook has them.

    nbgrader's gradebook keeps no position for a cell, and its relationship is unordered: SQLite happens
    to return cells in the order they were added, PostgreSQL need not. A restored cell is placed after
    the cells that precede it, so the order must be the notebook's.
    """
    rank = {name: i for i, name in enumerate(order) if name}
    return sorted(source_cells, key=lambda cell: rank.get(cell.name, len(rank)))


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
