"""What every learner widget shares: a key, the answers file, a Swedish status line, a registry."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.controls import LiveStatus

# Widgets created in this kernel, by key. The autograder's test cells look up a quiz's answer key
# here, because the locked widget cell that defines it has already run in the same kernel.
REGISTRY: dict[str, "AnswerWidget"] = {}


def escape(text: str) -> str:
    return html.escape(text, quote=True)


class AnswerWidget(w.VBox):
    """A box of controls whose answer is saved under `key` in the task's answers file."""

    kind = "answer"

    def __init__(self, key: str, *, store: AnswerStore | None = None, **kwargs: Any):
        if not key or not isinstance(key, str):
            raise ValueError("A widget needs a non-empty key so its answer can be saved.")
        self.key = key
        self.store = store if store is not None else AnswerStore()
        # The widget's one live region; subclasses put it last among their children and say everything
        # that changes after a click through show_status, never by inserting an element with a role.
        self.status = LiveStatus()
        super().__init__(**kwargs)
        self.add_class("ensak-widget")
        REGISTRY[key] = self
        if self.store.problem:
            self.show_status(self.store.problem, problem=True)

    @property
    def saved_value(self) -> Any:
        return self.store.get(self.key)

    def save(self, value: Any) -> bool:
        """Save the answer and say so in the status line; False (and the reason shown) if it could not be."""
        try:
            self.store.save(self.key, value, kind=self.kind)
        except OSError as exc:
            self.show_status(
                f"Svaret kunde inte sparas ({exc.strerror or exc}). Kontrollera att du har plats kvar "
                "och att mappen går att skriva i, och försök igen.",
                problem=True,
            )
            return False
        self.show_status("Sparat.")
        return True

    def simulate(self, rng, learner: dict | None = None) -> None:
        """Answer as a simulated learner would (the demo cohort), through the widget's own controls.

        `rng` is a random.Random; `learner` carries the simulated person's traits (e.g. "skill").
        Widgets with nothing sensible to simulate leave this as it is.
        """

    def show_status(self, text: str, *, problem: bool = False) -> None:
        self.status.show(text, problem=problem)


def label_above(control: w.DOMWidget) -> w.DOMWidget:
    """A text field, list or date whose `description` is its label: shown whole above it and tied to it
    (ipywidgets links the two with for=), instead of cut short in a narrow column to its left."""
    control.style.description_width = "initial"
    control.add_class("ensak-labelled")
    return control
