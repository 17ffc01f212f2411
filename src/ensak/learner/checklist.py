"""A checklist of practical steps the learner does for real, with an optional safety note."""

from __future__ import annotations

from typing import Sequence

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape


class Checklist(AnswerWidget):
    """Tick the steps as they are done; each tick is saved at once."""

    kind = "checklist"

    def __init__(self, key: str, steps: Sequence[str], *, note: str = "", store: AnswerStore | None = None):
        if not steps:
            raise ValueError(f"Checklist {key!r} needs at least one step.")
        self.steps = tuple(steps)
        self.boxes = [w.Checkbox(value=False, description=s, indent=False, layout=w.Layout(width="auto"))
                      for s in self.steps]
        for box in self.boxes:
            box.observe(self._changed, names="value")
        self.progress = w.HTML()
        super().__init__(key, store=store)
        header = [w.HTML(f'<p class="ensak-note">ℹ {escape(note)}</p>')] if note else []
        self.children = [*header, *self.boxes, self.progress, self.status]
        self._restoring = True
        saved = self.saved_value
        if isinstance(saved, dict):
            done = set(saved.get("done", []))
            for i, box in enumerate(self.boxes):
                box.value = i in done
            self.show_status("Dina tidigare markeringar är återställda.")
        self._restoring = False
        self._show_progress()

    @property
    def done(self) -> list[int]:
        return [i for i, box in enumerate(self.boxes) if box.value]

    def tick(self, *indexes: int) -> None:
        for i in indexes:
            self.boxes[i].value = True

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
