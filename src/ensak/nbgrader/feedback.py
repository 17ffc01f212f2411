"""The learner's feedback in Swedish: ensak's nbgrader feedback template.

nbgrader writes feedback as HTML with its own template: in English ("Score", "Test cell", "Student's
answer", "Comments"), without a page language (a screen reader then reads Swedish with an English voice),
with every cell's code, hidden tests included, and "In [3]:" prompts. For library staff who never saw
code that page is noise. `templates/feedback` is ensak's own page in its place: the task as handed in,
what each check said with its points, the reflection with its points and the coordinator's comment,
in Swedish, with no script loaded from elsewhere.

It has nbgrader's template name, `feedback`, because nbgrader's API (what `ensak sync` and formgrader's
buttons call) insists on that name; nbgrader_config.py puts ensak's folder first, where nbconvert looks
first, so plain `nbgrader generate_feedback` uses it too, and formgrader's own pages are untouched.
"""

from __future__ import annotations

from pathlib import Path

import nbgrader


def feedback_template_dirs() -> list[str]:
    """Where nbconvert looks for templates: ensak's folder first, so that its `feedback` is found before
    nbgrader's, then nbgrader's own (formgrader's `formgrade`; nbgrader adds it only when none is set)."""
    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    return [str(Path(__file__).parent / "templates"), str(nbgrader_templates)]
