"""ensak's own accessible controls, drawn in the browser by anywidget: the status line every widget has and
named groups of choices (quiz options, checklist steps, rating scales).

ipywidgets cannot set an attribute on what it draws: its radio buttons share no name (so arrow keys do not
move between them) and sit in no named group, its toggle buttons say nothing about being pressed, and an
HTML widget replaces its element's content, so a status written into it is an inserted element that screen
readers may not announce. These controls draw real radio buttons and checkboxes in a group named by its
question (WCAG 2.1: 1.3.1, 4.1.2), one persistent live region per widget (4.1.3), and bring the learner
stylesheet (`static/learner.css`: focus ring, borders, underlined links) and `lang="sv"` to every ensak
widget. What the browser draws is decided by the traits below, so tests without a browser assert on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import anywidget
import traitlets as t

STATIC = Path(__file__).parent / "static"
# One <style> element for all of ensak's controls: anywidget names it by this id and replaces rather than
# repeats it, however many widgets a task shows.
STYLESHEET_ID = "ensak-learner-css"
LANGUAGE = "sv"


class Control(anywidget.AnyWidget):
    """The browser half of every ensak control: one script and one stylesheet."""

    _esm = STATIC / "controls.js"
    _css = STATIC / "learner.css"
    # Which drawing the script makes for this control.
    control = t.Unicode().tag(sync=True)
    # The language of the control and of the ensak widget around it (screen readers pick their voice by it).
    lang = t.Unicode(LANGUAGE).tag(sync=True)

    def __init__(self, **kwargs: Any):
        # Given to the constructor, so the id is there before the browser first hears of the control.
        super().__init__(_anywidget_id=STYLESHEET_ID, **kwargs)


class LiveStatus(Control):
    """A widget's one status line: an element with role="status" that is there, empty, from the first drawing,
    and whose text changes; screen readers announce the change politely. The text opens with ✓ or ⚠."""

    control = t.Unicode("status").tag(sync=True)
    role = t.Unicode("status").tag(sync=True)
    live = t.Unicode("polite").tag(sync=True)
    value = t.Unicode("").tag(sync=True)
    problem = t.Bool(False).tag(sync=True)

    def show(self, text: str, *, problem: bool = False) -> None:
        # A symbol and words, never colour alone, so the status reads the same to everyone.
        self.problem = problem
        self.value = f"{'⚠' if problem else '✓'} {text}"

    def clear(self) -> None:
        self.problem = False
        self.value = ""


class ChoiceGroup(Control):
    """Options in a group named by `label` (the question, or the skill a scale rates).

    One answer (`multiple=False`): radio buttons in a role="radiogroup", so arrow keys move the choice within
    the group. Several: checkboxes in a role="group". `appearance="scale"` draws the options side by side as
    buttons, the chosen one dark with a ✓ (a rating scale); "list" one under the other.

    `selected` holds the chosen positions; `value` reads and sets them by the values given in `values`
    (default: the option texts), one value or None for one answer, a tuple for several.
    """

    control = t.Unicode("choices").tag(sync=True)
    label = t.Unicode().tag(sync=True)
    hint = t.Unicode("").tag(sync=True)
    options = t.List(t.Unicode()).tag(sync=True)
    multiple = t.Bool(False).tag(sync=True)
    role = t.Unicode("radiogroup").tag(sync=True)
    appearance = t.Enum(["list", "scale"], default_value="list").tag(sync=True)
    selected = t.List(t.Int()).tag(sync=True)
    disabled = t.Bool(False).tag(sync=True)

    def __init__(self, label: str, options: Sequence[str], *, values: Sequence[Any] | None = None,
                 multiple: bool = False, hint: str = "", appearance: str = "list", **kwargs: Any):
        if not label:
            raise ValueError("A group of choices needs a label: the question it answers.")
        if values is not None and len(values) != len(options):
            raise ValueError("Give one value per option.")
        self.values = list(values) if values is not None else list(options)
        super().__init__(label=label, options=list(options), multiple=multiple, hint=hint, appearance=appearance,
                         role="group" if multiple else "radiogroup", **kwargs)

    @t.validate("selected")
    def _valid_selection(self, proposal) -> list[int]:
        chosen = sorted(set(proposal["value"]))
        if any(not 0 <= i < len(self.options) for i in chosen):
            raise t.TraitError(f"No such option in {chosen}: there are {len(self.options)}.")
        if not self.multiple and len(chosen) > 1:
            raise t.TraitError("A group with one answer takes at most one option.")
        return chosen

    @property
    def index(self) -> int | None:
        """The chosen position of a one-answer group, or None."""
        return self.selected[0] if self.selected else None

    @index.setter
    def index(self, position: int | None) -> None:
        self.selected = [] if position is None else [position]

    @property
    def value(self) -> Any:
        chosen = [self.values[i] for i in self.selected]
        if self.multiple:
            return tuple(chosen)
        return chosen[0] if chosen else None

    @value.setter
    def value(self, value: Any) -> None:
        wanted = list(value) if self.multiple else ([] if value is None else [value])
        missing = [v for v in wanted if v not in self.values]
        if missing:
            raise ValueError(f"Not an option here: {missing}")
        self.selected = [self.values.index(v) for v in wanted]
