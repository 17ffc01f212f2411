"""ensak.nbgrader.widget_cells: what each widget of the shipped tasks showed, read from the released notebooks
without running them (the registerutdrag names her answers by it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ensak.course.plan import load_course
from ensak.course.skills import COURSE_SKILLS, EVALUATION_KEYS
from ensak.nbgrader.widget_cells import widget_texts

REPO = Path(__file__).resolve().parents[1]
TASKS = [task.id for task in load_course(REPO).tasks]


def released(task_id: str) -> dict:
    return json.loads((REPO / "release" / task_id / f"{task_id}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("task_id", TASKS)
def test_does_every_answer_in_the_answer_key_have_what_its_widget_showed(task_id):
    answer_key = json.loads((REPO / "source" / task_id / "facit.json").read_text(encoding="utf-8"))["answers"]
    shown = widget_texts(released(task_id))
    assert set(answer_key) <= set(shown)
    for key, entry in answer_key.items():
        text = shown[key]
        assert text.label and "SOLUTION" not in text.label and not text.label.startswith("#"), (key, text)
        if entry["kind"] == "quiz":
            assert text.label.endswith(("?", ".")) and len(text.items) >= 2, (key, text)
            assert max(entry["value"]["selected"]) < len(text.items)
        if entry["kind"] == "checklist":
            assert len(text.items) == entry["value"]["total"], (key, text)


def test_are_questions_options_and_skills_read_as_the_task_shows_them():
    welcome = widget_texts(released("00-valkommen"))
    quiz = welcome["q-socialt-medium"]
    assert (quiz.widget, quiz.label) == ("Quiz", "Vad är det som gör ett medium socialt?")
    assert quiz.items[1] == "Att mottagarna kan svara, dela och skapa eget i samma kanal som avsändaren"
    # A question written over two lines of code is one sentence.
    assert welcome["q-varfor-alla"].label.startswith("Varför ska hela personalen gå kursen, inte bara de som")
    assert welcome["sjalvskattning-fore"].skills == COURSE_SKILLS
    assert welcome["sjalvskattning-fore"].label == "Steg 2: hur säker känner du dig i dag?"
    assert welcome["dela-reflektion"].label == "Din reflektion", "the reflection's model answer is no heading"
    closing = widget_texts(released("11-avslutning"))
    assert closing["utvardering-bra"].label == EVALUATION_KEYS["utvardering-bra"]


def test_is_a_cell_that_is_no_widget_or_no_literal_left_out():
    def cell(source: str, **nbgrader) -> dict:
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": {"locked": True, **nbgrader}}}

    notebook = {"cells": [
        {"cell_type": "markdown", "source": "## Övningen\n\nText.", "metadata": {}},
        cell("from ensak.learner import Quiz\nQuiz(KEY, 'Fråga?', [])"),
        cell("Quiz('q-x', make_question(), options)"),
        cell("assert REGISTRY['q-x'].correct", grade=True),
        cell("this is not python ("),
    ]}
    assert list(widget_texts(notebook)) == ["q-x"]
    assert widget_texts(notebook)["q-x"].label == "Övningen", "a question that is no literal: the heading"
