"""A free-text answer saved with the other answers (used for the course evaluation)."""

from __future__ import annotations

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, label_above


class TextAnswer(AnswerWidget):
    """A question and a text box; the text is saved when the learner leaves the box or presses Spara."""

    kind = "text"

    def __init__(self, key: str, question: str, *, placeholder: str = "Skriv här …", store: AnswerStore | None = None):
        self.question = question
        # The question is the text box's label (tied to it with for=), so the box is never nameless.
        self.box = label_above(w.Textarea(description=question, placeholder=placeholder, continuous_update=False,
                                          rows=5, layout=w.Layout(width="100%")))
        self.save_button = w.Button(description="Spara", icon="save")
        super().__init__(key, store=store)
        saved = self.saved_value
        if isinstance(saved, str):
            self.box.value = saved
            self.show_status("Ditt tidigare svar är återställt.")
        self.box.observe(lambda change: self.save(change["new"]), names="value")
        self.save_button.on_click(lambda _: self.save(self.box.value))
        self.children = [self.box, self.save_button, self.status]

    def simulate(self, rng, learner: dict | None = None) -> None:
        answers = (learner or {}).get("texts", {}).get(self.key)
        if answers:
            self.box.value = rng.choice(answers)
