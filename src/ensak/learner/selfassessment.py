"""Self-assessment: how confident the learner feels about each skill, on a scale from 1 to 5."""

from __future__ import annotations

from typing import Mapping

import ipywidgets as w

from ensak.course.skills import SKILL_LEVELS
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.controls import ChoiceGroup

SCALE = SKILL_LEVELS


class SelfAssessment(AnswerWidget):
    """One row per skill; every change is saved at once."""

    kind = "selfassessment"

    def __init__(self, key: str, skills: Mapping[str, str], *, store: AnswerStore | None = None,
                 intro: str = "Hur säker känner du dig på …"):
        if not skills:
            raise ValueError(f"Self-assessment {key!r} needs at least one skill.")
        self.skills = dict(skills)
        self.scales: dict[str, ChoiceGroup] = {}
        for skill_id, label in self.skills.items():
            # Each scale is a group named by its skill, so "3 – ganska säker" is heard with what it rates.
            scale = ChoiceGroup(f"… {label}?", list(SCALE.values()), values=list(SCALE), appearance="scale")
            scale.observe(self._changed, names="selected")
            self.scales[skill_id] = scale
        super().__init__(key, store=store)
        self.children = [w.HTML(f"<p><strong>{escape(intro)}</strong></p>"), *self.scales.values(), self.status]
        self._restoring = True
        saved = self.saved_value
        if isinstance(saved, dict):
            for skill_id, value in saved.items():
                if skill_id in self.scales and value in SCALE:
                    self.scales[skill_id].value = value
            self.show_status("Dina tidigare svar är återställda.")
        self._restoring = False

    @property
    def ratings(self) -> dict[str, int]:
        return {skill: box.value for skill, box in self.scales.items() if box.value is not None}

    def rate(self, skill_id: str, value: int) -> None:
        self.scales[skill_id].value = value

    def simulate(self, rng, learner: dict | None = None) -> None:
        # A learner remembers their kickoff ratings; at the end most feel a little surer.
        learner = learner if learner is not None else {}
        before = learner.setdefault("ratings", {})
        for skill_id in self.scales:
            if skill_id in before:
                self.rate(skill_id, min(5, before[skill_id] + rng.choice([0, 1, 1, 2])))
            else:
                before[skill_id] = rng.randint(1, 4)
                self.rate(skill_id, before[skill_id])

    def _changed(self, _change) -> None:
        if not self._restoring:
            self.save(self.ratings)
