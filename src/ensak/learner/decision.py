"""A decision guide: one question at a time until an answer such as "yes, if you ask first" is reached.

Tasks use it for questions with a few real branches, e.g. "may the library publish this photo?" or
"may we play this music?". Each answer leads to the next question or to an outcome with advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.controls import ChoiceGroup

# Every verdict is said with a symbol AND words, so it never depends on colour.
VERDICTS = {
    "ja": ("✓", "Ja"),
    "villkor": ("⚠", "Ja, men bara om"),
    "nej": ("✗", "Nej, inte så här"),
}


@dataclass(frozen=True)
class Choice:
    text: str
    next: str


@dataclass(frozen=True)
class Step:
    question: str
    choices: tuple[Choice, ...]
    help: str = ""


@dataclass(frozen=True)
class Outcome:
    verdict: str  # a key of VERDICTS
    title: str
    advice: str
    links: tuple[tuple[str, str], ...] = ()  # (text, url)


def check_guide(steps: Mapping[str, Step], outcomes: Mapping[str, Outcome], start: str) -> None:
    """Raise ValueError unless every path from `start` ends in an outcome without going round in circles."""
    if start not in steps:
        raise ValueError(f"The guide starts at {start!r}, which is not a step.")
    if set(steps) & set(outcomes):
        raise ValueError(f"Ids used for both a step and an outcome: {sorted(set(steps) & set(outcomes))}")
    for outcome_id, outcome in outcomes.items():
        if outcome.verdict not in VERDICTS:
            raise ValueError(f"Outcome {outcome_id!r} has verdict {outcome.verdict!r}; use one of {sorted(VERDICTS)}.")

    def walk(step_id: str, seen: tuple[str, ...]) -> None:
        if step_id in seen:
            raise ValueError(f"The guide goes round in a circle: {' → '.join((*seen, step_id))}")
        step = steps[step_id]
        if len(step.choices) < 2:
            raise ValueError(f"Step {step_id!r} needs at least two choices.")
        for choice in step.choices:
            if choice.next in steps:
                walk(choice.next, (*seen, step_id))
            elif choice.next not in outcomes:
                raise ValueError(f"Step {step_id!r} leads to {choice.next!r}, which is neither a step nor an outcome.")

    walk(start, ())


def outcome_html(outcome: Outcome) -> str:
    symbol, word = VERDICTS[outcome.verdict]
    links = "".join(f'<li><a href="{escape(url)}" target="_blank" rel="noopener">{escape(text)}</a></li>'
                    for text, url in outcome.links)
    more = f"<p>Läs mer:</p><ul>{links}</ul>" if links else ""
    return (f'<div class="ensak-feedback"><p><strong>{symbol} {escape(word)}: '
            f'{escape(outcome.title)}</strong></p><p>{escape(outcome.advice)}</p>{more}</div>')


class DecisionGuide(AnswerWidget):
    """Asks the first question; each answer shows the next question, until an outcome is reached."""

    kind = "checker"

    def __init__(self, key: str, steps: Mapping[str, Step], outcomes: Mapping[str, Outcome], *, start: str,
                 title: str = "", store: AnswerStore | None = None):
        check_guide(steps, outcomes, start)
        self.steps = dict(steps)
        self.outcomes = dict(outcomes)
        self.start = start
        self.title = title
        self.path: list[tuple[str, int]] = []
        self.outcome_id: str | None = None
        self.rows: list[tuple[str, ChoiceGroup]] = []
        self.questions = w.VBox()
        self.result = w.HTML()
        self.restart_button = w.Button(description="Börja om", icon="undo", layout=w.Layout(width="auto"))
        self.restart_button.on_click(lambda _: self.restart())
        self._restoring = False
        super().__init__(key, store=store)
        heading = [w.HTML(f"<p><strong>{escape(title)}</strong></p>")] if title else []
        self.children = [*heading, self.questions, self.result, self.restart_button, self.status]
        self._show_step(start)
        self._restore()

    # --- state -----------------------------------------------------------------------------
    @property
    def outcome(self) -> Outcome | None:
        return self.outcomes.get(self.outcome_id) if self.outcome_id else None

    def answer(self, step_id: str, index: int) -> None:
        """Choose an answer to a question on screen (used by tests and the demo cohort)."""
        for row_step, radio in self.rows:
            if row_step == step_id:
                radio.index = index
                return
        raise ValueError(f"The question {step_id!r} is not on screen yet.")

    def restart(self) -> None:
        self.rows = []
        self.path = []
        self.outcome_id = None
        self.result.value = ""
        self._show_step(self.start)

    # --- behaviour ---------------------------------------------------------------------------
    def _show_step(self, step_id: str) -> None:
        step = self.steps[step_id]
        number = len(self.rows) + 1
        radio = ChoiceGroup(f"{number}. {step.question}", [c.text for c in step.choices], hint=step.help)
        radio.observe(lambda change, sid=step_id: self._answered(sid, change["new"][0] if change["new"] else None),
                      names="selected")
        self.rows.append((step_id, radio))
        self.questions.children = [r for _, r in self.rows]
        if number > 1 and not self._restoring:
            self.show_status(f"Fråga {number} visas nedanför: {step.question}")

    def _answered(self, step_id: str, index: int | None) -> None:
        position = next(i for i, (sid, _) in enumerate(self.rows) if sid == step_id)
        # A changed answer makes every later question moot: drop them and go on from here.
        self.rows = self.rows[:position + 1]
        self.questions.children = [r for _, r in self.rows]
        self.path = [(sid, radio.index) for sid, radio in self.rows if radio.index is not None]
        self.outcome_id = None
        self.result.value = ""
        if index is None:
            return
        target = self.steps[step_id].choices[index].next
        if target in self.steps:
            self._show_step(target)
            return
        self.outcome_id = target
        self.result.value = outcome_html(self.outcomes[target])
        if not self._restoring:
            if self.save({"path": [[sid, i] for sid, i in self.path], "outcome": target,
                          "verdict": self.outcomes[target].verdict,
                          "answers": [self.steps[sid].choices[i].text for sid, i in self.path]}):
                _, word = VERDICTS[self.outcomes[target].verdict]
                self.show_status(f"Sparat. {word}: {self.outcomes[target].title}. Läs mer nedanför.")

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict) or not isinstance(saved.get("path"), list):
            return
        self._restoring = True
        try:
            for item in saved["path"]:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], int)):
                    break
                step_id, index = item
                on_screen = self.rows and self.rows[-1][0] == step_id
                if not on_screen or not 0 <= index < len(self.steps[step_id].choices):
                    break
                self.answer(step_id, index)
        finally:
            self._restoring = False
        if self.outcome_id:
            self.show_status("Dina tidigare svar är återställda.")
        else:
            # The guide has changed since the answer was saved; let the learner go through it again.
            self.restart()

    def simulate(self, rng, learner: dict | None = None) -> None:
        while self.outcome_id is None:
            step_id, radio = self.rows[-1]
            self.answer(step_id, rng.randrange(len(self.steps[step_id].choices)))

