"""Checks that the autograder's test cells call. Each either passes quietly, returns the points
earned (nbgrader's partial credit), or fails with a Swedish message that tells the learner what to do.

They only fail while nbgrader validates or grades. When a learner runs the notebook (Run All Cells),
a missing answer is a friendly note instead: an exception would stop Run All at the first check and
hide the rest of the task. Nothing here writes to stderr: nbgrader scores such a test cell zero.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ensak.learner.answers import AnswersFileError, load_answers
from ensak.learner.base import REGISTRY
from ensak.learner.evidence import evidence_from_answer, evidence_problem


class NotAnsweredError(AssertionError):
    """The learner has not answered yet; the message says where to do it."""


def grading_now() -> bool:
    """True while nbgrader validates or autogrades: it sets NBGRADER_EXECUTION for the kernel it starts."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def _not_answered(message: str) -> None:
    if grading_now():
        raise NotAnsweredError(message)
    print(f"ℹ {message}")


def _answers(folder: Path | str | None = None) -> dict[str, Any] | None:
    folder = Path(folder) if folder is not None else Path.cwd()
    try:
        return load_answers(folder)
    except AnswersFileError as exc:
        _not_answered(str(exc))
        return None


def answered(key: str, what: str = "frågan", folder: Path | str | None = None) -> None:
    """Pass if anything is saved under `key`; otherwise say so (and fail while nbgrader grades)."""
    answers = _answers(folder)
    if answers is None:
        return
    if answers.get(key) in (None, {}, [], ""):
        # The first sentence is what the task panel lists; the rest is for the feedback after grading.
        _not_answered(f"Du har inte svarat på {what} ännu. Svara på den i uppgiften och lämna in igen.")
        return
    print(f"✓ Ditt svar på {what} är sparat.")


def quiz_points(key: str, points: float, folder: Path | str | None = None) -> float:
    """Full points if the saved choice matches the quiz's answer key, else 0.

    The key comes from the locked quiz cell that already ran in this kernel, never from the
    answers file, so editing svar.json cannot change what counts as right.
    """
    quiz = REGISTRY.get(key)
    if quiz is None or not hasattr(quiz, "is_correct"):
        raise NotAnsweredError(f"Självtestet {key!r} kunde inte läsas in. Stäng uppgiften, öppna den igen från panelen "
                               "Uppgifter och lämna in en gång till; säg till kursledaren om det händer igen.")
    saved = (_answers(folder) or {}).get(key)
    if not isinstance(saved, dict) or not saved.get("selected"):
        return 0.0
    selected = [i for i in saved["selected"] if isinstance(i, int)]
    return float(points) if quiz.is_correct(selected) else 0.0


def checklist_points(key: str, points: float, minimum: int = 1, folder: Path | str | None = None) -> float:
    """Full points once at least `minimum` steps are ticked, else a share of them."""
    saved = (_answers(folder) or {}).get(key)
    done = len(saved.get("done", [])) if isinstance(saved, dict) else 0
    if minimum <= 0:
        return float(points)
    return float(points) * min(done, minimum) / minimum



def evidence_given(key: str, folder: Path | str | None = None) -> None:
    """Pass if the task's real action has its evidence (a link, or a description where nothing can be
    linked), and print it, so the coordinator reads the evidence in formgrader; else say what is missing."""
    state = evidence_from_answer((_answers(folder) or {}).get(key))
    problem = evidence_problem(state)
    if problem:
        _not_answered(f"Uppgiftens kärna saknar bevis. {problem}")
        return
    lines = ["✓ Bevis på uppgiftens kärna:"]
    if state.link:
        lines.append(f"Länk: {state.link}")
    if state.alternative:
        lines.append(f"Variant: {state.alternative}")
    if state.description:
        lines.append(f"Beskrivning: {state.description}")
    print("\n".join(lines))
