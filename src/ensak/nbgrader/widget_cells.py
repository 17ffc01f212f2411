"""What a task notebook's widget cells show, read from their code without running it.

A widget cell (ensak.nbgrader.authoring.widget: a locked code cell that is not graded) creates one
widget, e.g. `Quiz("q-socialt-medium", "Vad är det som gör ett medium socialt?", [Option(...), ...])`.
Its answer is saved under that key in svar.json. `widget_texts(notebook)` gives, for each key, the text
a learner saw with the widget: the question a quiz or a text answer asks, or else the heading of the
part of the notebook the widget stands in, and the options, steps or skills it lists, so an answer can
be shown in words ("Att mottagarna kan svara …") rather than as positions ([1]).

The code is read with `ast`, never run: running it would import ipywidgets and let a widget act (a
planner writes a calendar file, the access check reaches out to the network). Arguments that are
literals, `Option("…")` or constants of ensak.course.skills are understood; anything else is left out.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ensak.course import skills

# Names a widget cell imports from ensak.course.skills and passes to a widget.
KNOWN_NAMES = {name: getattr(skills, name) for name in ("BEFORE_KEY", "AFTER_KEY", "COURSE_SKILLS",
                                                        "EVALUATION_KEYS")}
# Widgets whose second argument (or `question=`) is the question they ask; the others are named by their heading.
ASKS_A_QUESTION = {"Quiz", "TextAnswer"}
# Where a widget takes what it lists: (position, keyword).
LISTED = {"Quiz": (2, "options"), "Checklist": (1, "steps"), "SelfAssessment": (1, "skills")}
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class WidgetText:
    key: str
    widget: str                  # the class the cell creates, e.g. "Quiz"
    label: str                   # the question, or the heading above the widget ("" if there is none)
    items: tuple[str, ...] = ()  # a quiz's options or a checklist's steps, in order
    skills: dict[str, str] = field(default_factory=dict)   # a self-assessment's {skill id: what it rates}


class _Unknown(Exception):
    """An argument that is not a literal: left out."""


def _value(node: ast.AST):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in KNOWN_NAMES:
        return KNOWN_NAMES[node.id]
    if isinstance(node, ast.Subscript):
        return _value(node.value)[_value(node.slice)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left) + _value(node.right)
    if isinstance(node, ast.Call) and _called(node) == "Option" and node.args:
        return _value(node.args[0])   # an option is read as its text
    raise _Unknown


def _called(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else \
        call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _argument(call: ast.Call, position: int, keyword: str):
    for given in call.keywords:
        if given.arg == keyword:
            return _value(given.value)
    if position < len(call.args):
        return _value(call.args[position])
    raise _Unknown


def _widgets_in(source: str) -> list[tuple[str, ast.Call]]:
    """(key, call) for each widget the cell creates: a call whose first argument is a text key."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for statement in tree.body:
        call = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if isinstance(call, ast.Call) and call.args:
            try:
                key = _value(call.args[0])
            except (_Unknown, LookupError, TypeError):
                continue
            if isinstance(key, str):
                found.append((key, call))
    return found


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def _heading(markdown: str) -> str:
    headings = [h for h in HEADING.findall(markdown) if "SOLUTION" not in h]   # nbgrader's markers are no headings
    return re.sub(r"[*_`]", "", headings[-1]).strip() if headings else ""


def widget_texts(notebook: dict) -> dict[str, WidgetText]:
    """{answer key: what its widget showed} for every widget cell of a task notebook (a dict, as json reads it)."""
    texts: dict[str, WidgetText] = {}
    heading = ""
    for cell in notebook.get("cells", []):
        source = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            heading = _heading(source) or heading
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("locked") or meta.get("grade"):
            continue
        for key, call in _widgets_in(source):
            widget = _called(call)
            label, items, rated = heading, (), {}
            try:
                if widget in ASKS_A_QUESTION:
                    label = str(_argument(call, 1, "question"))
                if widget in LISTED:
                    listed = _argument(call, *LISTED[widget])
                    if isinstance(listed, dict):
                        rated = {str(k): str(v) for k, v in listed.items()}
                    else:
                        items = tuple(str(item) for item in listed)
            except (_Unknown, LookupError, TypeError):
                pass
            texts[key] = WidgetText(key, widget, " ".join(label.split()), items, rated)
    return texts
