"""A checklist of practical steps the learner does for real, with an optional safety note."""

from __future__ import annotations

from typing import Sequence

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.controls import ChoiceGroup

TITLE = "Bocka av stegen när du har gjort dem"


class Checklist(AnswerWidget):
    """Tick the steps as they are done; each tick is saved at once."""

    kind = "checklist"

    def __init__(self, key: str, steps: Sequence[str], *, note: str = "", title: str = TITLE,
                 store: AnswerStore | None = None):
        if not steps:
            raise ValueError(f"Checklist {key!r} needs at least one step.")
        self.steps = tuple(steps)
        # The steps are one group of checkboxes named by `title`, so a screen reader says what they are for.
        self.boxes = ChoiceGroup(title, list(self.steps), multiple=True)
        self.boxes.observe(self._changed, names="selected")
        self.progress = w.HTML()
        super().__init__(key, store=store)
        header = [w.HTML(f'<p class="ensak-note">ℹ {escape(note)}</p>')] if note else []
        self.children = [*header, self.boxes, self.progress, self.status]
        self._restoring = True
        saved = self.saved_value
        if isinstance(saved, dict):
            self.boxes.selected = [i for i in saved.get("done", []) if isinstance(i, int) and 0 <= i < len(self.steps)]
            self.show_status("Dina tidigare markeringar är återställda.")
        self._restoring = False
        self._show_progress()

    @property
    def done(self) -> list[int]:
        return list(self.boxes.selected)

    def tick(self, *indexes: int) -> None:
        self.boxes.selected = [*self.boxes.selected, *indexes]

    def simulate(self, rng, learner: dict | None = None) -> None:
        diligence = (learner or {}).get("skill", 0.8)
        count = len(self.steps) if rng.random() < diligence else rng.randint(1, len(self.steps))
        self.tick(*range(count))

    def _show_progress(self) -> None:
        self.progress.value = f"<p>Klart: {len(self.done)} av {len(self.steps)} steg.</p>"

    def _changed(self, _change) -> None:
        self._show_progress()
        if not self._restoring:
            self.save({"done": self.done, "total": len(self.steps)})
