"""Self-check quizzes: single or multiple choice, with feedback that teaches.

After a wrong answer the learner first reads why the options she chose do not hold, and tries again;
the explanation of every option is shown once she has answered right or tried twice. Showing all of
them at once would give the key away and turn the question into a look-up.

What the points mean: a quiz's points say that the learner worked the question through to the right
answer, however many tries it took. Whether the first try was right is saved too ("first_correct"),
so the coordinator sees which questions the group found hard and can take them up at a drop-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool = False
    why: str = ""


class Quiz(AnswerWidget):
    """One question. The learner picks, presses the button and sees why each option is right or wrong."""

    kind = "quiz"

    def __init__(
        self,
        key: str,
        question: str,
        options: Sequence[Option],
        *,
        multiple: bool = False,
        store: AnswerStore | None = None,
    ):
        if len(options) < 2:
            raise ValueError(f"Quiz {key!r} needs at least two options.")
        if not any(o.correct for o in options):
            raise ValueError(f"Quiz {key!r} has no correct option.")
        if not multiple and sum(o.correct for o in options) != 1:
            raise ValueError(f"Single-choice quiz {key!r} must have exactly one correct option.")
        self.question = question
        self.options = tuple(options)
        self.multiple = multiple
        texts = [o.text for o in self.options]
        if multiple:
            self.choices: list[w.Checkbox] = [
                w.Checkbox(value=False, description=t, indent=False, layout=w.Layout(width="auto")) for t in texts
            ]
            chooser: w.Widget = w.VBox(self.choices)
            hint = "Välj alla som stämmer."
        else:
            self.radio = w.RadioButtons(options=texts, value=None, layout=w.Layout(width="auto"))
            chooser = self.radio
            hint = "Välj ett svar."
        self.check_button = w.Button(description="Kontrollera mitt svar", button_style="primary", icon="check",
                                     layout=w.Layout(width="auto"))
        self.feedback = w.HTML()
        self.check_button.on_click(lambda _: self.check())
        super().__init__(key, store=store)
        self.children = [
            w.HTML(f"<p><strong>{escape(question)}</strong><br><em>{hint}</em></p>"),
            chooser,
            self.check_button,
            self.feedback,
            self.status,
        ]
        self._restore()

    # --- state -----------------------------------------------------------------------------
    @property
    def selected(self) -> list[int]:
        if self.multiple:
            return [i for i, box in enumerate(self.choices) if box.value]
        return [] if self.radio.index is None else [self.radio.index]

    def select(self, *indexes: int) -> None:
        """Choose options by position (used by tests and by the demo cohort)."""
        if self.multiple:
            for i, box in enumerate(self.choices):
                box.value = i in indexes
        else:
            if len(indexes) != 1:
                raise ValueError("A single-choice quiz takes exactly one option.")
            self.radio.index = indexes[0]

    @property
    def correct_indexes(self) -> list[int]:
        return [i for i, o in enumerate(self.options) if o.correct]

    def is_correct(self, selected: Sequence[int]) -> bool:
        return sorted(selected) == self.correct_indexes

    # --- behaviour ---------------------------------------------------------------------------
    def check(self) -> None:
        chosen = self.selected
        if not chosen:
            self.feedback.value = "<p>⚠ Du har inte valt något svar ännu. Välj först och tryck sedan på knappen.</p>"
            return
        previous = self.saved_value if isinstance(self.saved_value, dict) else {}
        attempts = int(previous.get("attempts", 0)) + 1
        correct = self.is_correct(chosen)
        first_correct = bool(previous.get("first_correct", correct)) if attempts > 1 else correct
        self.save({"selected": chosen, "correct": correct, "attempts": attempts, "first_correct": first_correct,
                   "chosen_text": [self.options[i].text for i in chosen]})
        self.feedback.value = self.render_feedback(chosen, attempts=attempts)

    # Tries after which every option is explained even when the answer is still wrong.
    REVEAL_AFTER_ATTEMPTS = 2

    def render_feedback(self, chosen: Sequence[int], *, attempts: int = 1) -> str:
        """Why the chosen options hold or not; every option's explanation once right or after two tries."""
        correct = self.is_correct(chosen)
        reveal = correct or attempts >= self.REVEAL_AFTER_ATTEMPTS
        if correct:
            verdict = "✓ Rätt!"
        elif reveal:
            verdict = "✗ Inte riktigt. Här är förklaringen till alla svarsalternativ."
        else:
            verdict = ("✗ Inte riktigt. Läs varför, tänk om och försök igen. Förklaringen till alla alternativ "
                       "visas när du har svarat rätt eller försökt två gånger.")
        rows = []
        for i, option in enumerate(self.options):
            if not reveal and i not in chosen:
                continue
            mark = "✓ stämmer" if option.correct else "✗ stämmer inte"
            picked = " (ditt val)" if i in chosen else ""
            rows.append(f"<li><strong>{escape(option.text)}</strong>{picked}: {mark}. {escape(option.why)}</li>")
        return f'<div class="ensak-feedback" role="status"><p><strong>{verdict}</strong></p><ul>{"".join(rows)}</ul></div>'

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict):
            return
        chosen = [i for i in saved.get("selected", []) if isinstance(i, int) and 0 <= i < len(self.options)]
        if not chosen:
            return
        if self.multiple:
            self.select(*chosen)
        elif len(chosen) == 1:
            self.select(chosen[0])
        attempts = saved.get("attempts") if isinstance(saved.get("attempts"), int) else 1
        self.feedback.value = self.render_feedback(chosen, attempts=attempts)
        self.show_status("Ditt tidigare svar är återställt.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        skill = (learner or {}).get("skill", 0.8)
        wrong = [i for i in range(len(self.options)) if i not in self.correct_indexes]
        if rng.random() < skill or not wrong:
            choice = self.correct_indexes
        else:
            choice = [rng.choice(wrong)]
        self.select(*choice) if self.multiple else self.select(choice[0])
        self.check()
