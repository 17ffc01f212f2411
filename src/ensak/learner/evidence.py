"""Evidence of the task's one real action: a link to what the learner did on a real platform, or, where
nothing can be linked (a private account, a shared library account, an intranet page), a short
description of it. A task counts as done only with its evidence; the coordinator reads it in
formgrader (the check prints it) and in the progress report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urlparse

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape, label_above

# A description stands in for a link only when it says what was done, where: a dozen words do that.
MIN_DESCRIPTION_WORDS = 12
NO_ALTERNATIVE = "Jag gjorde uppgiften som den står"


@dataclass(frozen=True)
class EvidenceState:
    link: str = ""
    alternative: str = ""
    description: str = ""

    @property
    def link_ok(self) -> bool:
        return is_web_address(self.link)

    @property
    def description_words(self) -> int:
        return len(self.description.split())

    @property
    def complete(self) -> bool:
        return self.link_ok or self.description_words >= MIN_DESCRIPTION_WORDS

    def as_answer(self) -> dict[str, Any]:
        return {"link": self.link, "alternative": self.alternative, "description": self.description,
                "complete": self.complete}


def is_web_address(text: str) -> bool:
    """An http(s) address with a host: what a learner copies from the browser's address bar."""
    parts = urlparse(text.strip())
    return parts.scheme in ("http", "https") and "." in parts.netloc and " " not in text.strip()


def evidence_from_answer(saved: Any) -> EvidenceState:
    """The state saved in the answers file; anything else (a learner who edited the file) is no evidence."""
    if not isinstance(saved, dict):
        return EvidenceState()
    fields = {name: saved.get(name) for name in ("link", "alternative", "description")}
    return EvidenceState(**{name: value.strip() if isinstance(value, str) else "" for name, value in fields.items()})


def evidence_problem(state: EvidenceState) -> str:
    """What is missing, in words a learner can act on; "" when the evidence is enough."""
    if state.complete:
        return ""
    if state.link and not state.link_ok:
        return ("Länken ser inte ut som en webbadress. Kopiera hela adressen från webbläsarens adressfält, "
                "den börjar med https://.")
    if state.description:
        return (f"Beskrivningen är för kort för att räknas som bevis ({state.description_words} ord). Skriv "
                f"minst {MIN_DESCRIPTION_WORDS} ord om vad du gjorde och var, eller klistra in en länk.")
    return "Klistra in en länk till det du gjorde, eller beskriv kort vad du gjorde om det inte går att länka."


class Evidence(AnswerWidget):
    """The core action's evidence: a link field, the task's named alternatives, and a description box."""

    kind = "evidence"

    def __init__(self, key: str, action: str, *, alternatives: Sequence[str] = (),
                 describe: str = "Beskriv kort vad du gjorde om det inte går att länka",
                 store: AnswerStore | None = None):
        self.action = action
        self.alternatives = tuple(alternatives)
        self.link_box = label_above(w.Text(placeholder="https://…", continuous_update=False,
                                           description="Länk", layout=w.Layout(width="100%")))
        self.alternative_choice = w.Dropdown(options=[NO_ALTERNATIVE, *self.alternatives], value=NO_ALTERNATIVE,
                                             description="Så gjorde jag", layout=w.Layout(width="auto"),
                                             style={"description_width": "initial"})
        # The request is the box's label, tied to it, so the box is never nameless.
        self.description_box = label_above(w.Textarea(description=describe, continuous_update=False, rows=4,
                                                      layout=w.Layout(width="100%")))
        self.verdict = w.HTML()
        super().__init__(key, store=store)
        self._restoring = True
        self._restore()
        self._restoring = False
        for control in (self.link_box, self.alternative_choice, self.description_box):
            control.observe(self._changed, names="value")
        children: list[w.Widget] = [w.HTML(f"<p><strong>{escape(action)}</strong></p>"), self.link_box]
        if self.alternatives:
            children.append(self.alternative_choice)
        children += [self.description_box, self.verdict, self.status]
        self.children = children
        self._show_verdict()

    @property
    def state(self) -> EvidenceState:
        alternative = self.alternative_choice.value if self.alternative_choice.value != NO_ALTERNATIVE else ""
        return EvidenceState(self.link_box.value.strip(), alternative, self.description_box.value.strip())

    def _restore(self) -> None:
        saved = evidence_from_answer(self.saved_value)
        if saved == EvidenceState():
            return
        self.link_box.value = saved.link
        if saved.alternative in self.alternatives:
            self.alternative_choice.value = saved.alternative
        self.description_box.value = saved.description
        self.show_status("Ditt tidigare svar är återställt.")

    def _changed(self, _change) -> None:
        if self._restoring:
            return
        saved = self.save(self.state.as_answer())
        self._show_verdict()
        if saved:
            self.show_status(f"Sparat. {evidence_problem(self.state) or 'Beviset räcker: uppgiftens kärna är gjord.'}")

    def _show_verdict(self) -> None:
        problem = evidence_problem(self.state)
        self.verdict.value = ("<p>✓ Beviset räcker: uppgiftens kärna är gjord.</p>" if not problem
                              else f"<p>ℹ {escape(problem)}</p>")

    def simulate(self, rng, learner: dict | None = None) -> None:
        diligence = (learner or {}).get("skill", 0.8)
        if rng.random() < (1 - diligence) / 4:
            return  # now and then a colleague hands in before doing the real thing
        if self.alternatives and rng.random() < 0.3:
            self.alternative_choice.value = rng.choice(self.alternatives)
            self.description_box.value = ("Jag gjorde övningen på bibliotekets gemensamma konto eftersom jag inte vill "
                                          "ha ett eget konto, och visade resultatet för min kollega.")
        else:
            self.link_box.value = f"https://exempel.bibliotek.se/{self.key}/{rng.randrange(10_000)}"
