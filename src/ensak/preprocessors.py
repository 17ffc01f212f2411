"""nbgrader preprocessors of our own, named in nbgrader_config.py so plain `nbgrader autograde` uses them too."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import OverwriteCells


class RestoreDeletedCells(OverwriteCells):
    """Put back every locked or graded cell a learner deleted, in its original place.

    nbgrader 0.9.6's own `add_missing_cells` assumes the cell before a deleted test cell is also a
    graded cell and fails with a KeyError when it is not; in our tasks it is usually the locked widget
    cell. It also leaves deleted widget cells out, so the test cell after them could not find its quiz.
    """

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = list(source_nb.source_cells)
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
