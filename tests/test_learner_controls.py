"""What assistive technology is told about ensak's widgets, checked without a browser.

The browser draws ensak's controls from their traits (ensak.learner.controls): a group's role and name, the
chosen options, the live status line. These tests drive the widgets as a learner would (set a value, click)
and assert on those traits; tests/test_browser_accessibility.py checks in Chromium that the page says the same.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import ipywidgets as w
import nbformat
import pytest

from ensak.course.plan import load_course
from ensak.demo import run_widget_cells
from ensak.learner import SCALE, Checklist, Option, Quiz, SelfAssessment, SharingChoice, TextAnswer
from ensak.learner.answers import AnswerStore, load_answers
from ensak.learner.controls import ChoiceGroup, LiveStatus

REPO = Path(__file__).resolve().parents[1]
TASKS = load_course(REPO).tasks
QUESTION = "Vilket är ett socialt medium?"
OPTIONS = [Option("Ett forum", correct=True, why="Där svarar alla varandra."),
           Option("En affisch", why="En affisch går inte att svara på.")]
# ipywidgets controls that cannot be named as a group, or whose chosen state is told by colour alone.
UNNAMED_GROUPS = (w.RadioButtons, w.ToggleButtons, w.ToggleButton)
TEXT_FIELDS = (w.Text, w.Textarea, w.Dropdown, w.BoundedIntText, w.IntText, w.DatePicker, w.Select,
               w.SelectMultiple, w.Combobox)
INSERTED_ROLE = re.compile(r"""role\s*=\s*["'](status|alert|log)["']""")


def descendants(widget: w.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


def test_is_a_quiz_a_radio_group_named_by_its_question(tmp_path):
    quiz = Quiz("q", QUESTION, OPTIONS, store=AnswerStore(tmp_path))
    assert quiz.chooser.role == "radiogroup"
    assert quiz.chooser.label == QUESTION and quiz.chooser.hint == "Välj ett svar."
    assert quiz.chooser.options == ["Ett forum", "En affisch"]
    assert quiz.chooser.lang == "sv"
    quiz.chooser.value = "En affisch"
    assert quiz.chooser.selected == [1], "the chosen option is what the radio buttons show as checked"
    quiz.chooser.value = "Ett forum"
    assert quiz.chooser.selected == [0], "one answer at a time"


def test_is_a_multiple_choice_quiz_a_group_of_checkboxes(tmp_path):
    quiz = Quiz("q", QUESTION, [*OPTIONS, Option("En wiki", correct=True, why="Alla skriver.")], multiple=True,
                store=AnswerStore(tmp_path))
    assert quiz.chooser.role == "group" and quiz.chooser.multiple
    assert quiz.chooser.hint == "Välj alla som stämmer."
    quiz.chooser.value = ("Ett forum", "En wiki")
    assert quiz.chooser.selected == [0, 2]


def test_does_checking_an_answer_speak_through_the_one_status_line(tmp_path):
    quiz = Quiz("q", QUESTION, OPTIONS, store=AnswerStore(tmp_path))
    status = quiz.status
    assert isinstance(status, LiveStatus) and status.role == "status" and status.live == "polite"
    assert status.value == "", "the live region is there, empty, before anything happens"
    quiz.check_button.click()
    assert status.value.startswith("⚠") and "inte valt" in status.value and status.problem
    quiz.chooser.value = "Ett forum"
    quiz.check_button.click()
    assert quiz.status is status, "the same region, its text changed"
    assert status.value == "✓ Sparat. Rätt!" and not status.problem
    assert not INSERTED_ROLE.search(quiz.feedback.value), "the explanations are not a second live region"


def test_does_a_rating_scale_name_its_skill_and_tell_which_rating_is_chosen(tmp_path):
    widget = SelfAssessment("sjalv", {"blogg": "skriva ett blogginlägg", "sok": "söka smart"},
                            store=AnswerStore(tmp_path))
    scale = widget.scales["blogg"]
    assert scale.role == "radiogroup" and scale.appearance == "scale"
    assert scale.label == "… skriva ett blogginlägg?"
    assert scale.options == list(SCALE.values()) and "3 – ganska säker" in scale.options
    assert scale.selected == []
    widget.rate("blogg", 3)
    assert scale.selected == [2] and scale.value == 3
    assert load_answers(tmp_path)["sjalv"] == {"blogg": 3}
    assert widget.status.value == "✓ Sparat."


def test_are_checklist_steps_a_named_group_of_checkboxes(tmp_path):
    widget = Checklist("steg", ["Skapa ett konto", "Skriv ett inlägg"], store=AnswerStore(tmp_path))
    assert widget.boxes.role == "group" and widget.boxes.multiple
    assert widget.boxes.label == "Bocka av stegen när du har gjort dem"
    widget.tick(1)
    assert widget.boxes.selected == [1] and "1 av 2" in widget.progress.value


def test_are_the_sharing_consents_a_group_named_by_their_question(tmp_path):
    widget = SharingChoice(store=AnswerStore(tmp_path))
    assert widget.consents.label == "Vill du dela din reflektion?" and widget.consents.role == "group"
    widget.consents.value = ("publish",)
    assert widget.consents.selected == [1]
    assert not INSERTED_ROLE.search(widget.summary.value)


def test_is_each_evaluation_box_labelled_by_its_question(tmp_path):
    widget = TextAnswer("utvardering-bra", "Vad var bra med kursen?", store=AnswerStore(tmp_path))
    assert widget.box.description == "Vad var bra med kursen?"
    assert "ensak-labelled" in widget.box._dom_classes
    widget.box.value = "Att ta en sak i taget."
    assert widget.status.value == "✓ Sparat."


def test_does_a_group_refuse_what_it_cannot_show(tmp_path):
    group = ChoiceGroup("Fråga", ["a", "b"])
    with pytest.raises(Exception):
        group.selected = [0, 1]
    with pytest.raises(Exception):
        group.selected = [2]
    with pytest.raises(ValueError):
        group.value = "c"
    with pytest.raises(ValueError):
        ChoiceGroup("", ["a"])


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_does_every_widget_of_every_task_speak_swedish_through_one_status_line_and_named_controls(task, tmp_path):
    """The checks above for each widget a task's cells create, answered as a simulated learner would."""
    notebook = nbformat.read(REPO / "source" / task.id / task.notebook, as_version=4)
    widgets = run_widget_cells(tmp_path, notebook)
    assert widgets
    rng = random.Random(14)
    for key, widget in widgets.items():
        before = list(descendants(widget))
        try:
            widget.simulate(rng, {"skill": 0.5})
        except Exception:  # a widget that needs files or the network in a simulation is checked as drawn
            pass
        parts = list(descendants(widget))
        statuses = [p for p in parts if isinstance(p, LiveStatus)]
        assert statuses == [widget.status], f"{key}: one live status line, the widget's own"
        assert widget.status in before, f"{key}: the status line is there from the start"
        assert "ensak-widget" in widget._dom_classes
        for part in parts:
            assert not isinstance(part, UNNAMED_GROUPS), f"{key}: {type(part).__name__} is not a named group"
            if isinstance(part, TEXT_FIELDS):
                assert part.description.strip(), f"{key}: a {type(part).__name__} without a label"
            if isinstance(part, ChoiceGroup):
                assert part.label.strip() and part.lang == "sv"
            if isinstance(part, w.HTML):
                assert not INSERTED_ROLE.search(part.value), \
                    f"{key}: an element with a live role is inserted instead of the status line speaking"
