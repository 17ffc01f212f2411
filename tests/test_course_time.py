"""One honest time per task: course.toml's `minutes` is what the notebook, the e-mails, the planner and
the schedule say."""

from __future__ import annotations

import re

import nbformat
import pytest

from ensak.course.plan import load_course
from ensak.outreach.messages import render, template_environment

TIME_LINE = re.compile(r"Tid: ungefär (\d+) minuter")


def test_does_every_task_notebook_state_the_time_course_toml_gives(repo):
    course = load_course(repo)
    for task in course.tasks:
        notebook = nbformat.read(repo / "source" / task.id / task.notebook, as_version=4)
        stated = {int(m) for cell in notebook.cells if cell.cell_type == "markdown"
                  for m in TIME_LINE.findall(cell.source)}
        assert stated == {task.minutes}, f"{task.id}: the notebook says {stated or 'nothing'}, course.toml {task.minutes}"


@pytest.mark.parametrize("kind", ["invitation", "nudge"])
def test_do_the_emails_say_the_tasks_own_time(repo, kind):
    course = load_course(repo)
    task = max(course.tasks, key=lambda t: t.minutes)
    context = {"learner": {"first_name": "Åsa"}, "task": task, "course": course, "next_date": None, "hub_url": "",
               "sender_name": "Kursledningen", "reason": "", "behind": True, "inactive": False, "tasks_done": 3,
               "current_title": task.title, "last_activity": None}
    subject, body = render(template_environment(repo), kind, context)
    assert f"ungefär {task.minutes} minuter" in body
    assert "en timme" not in body


def test_does_the_readme_give_each_task_the_time_course_toml_gives(repo):
    course = load_course(repo)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    rows = {int(number): int(minutes) for number, minutes in
            re.findall(r"^\| (\d+) \| [^|]+ \| (\d+) \|$", readme, flags=re.MULTILINE)}
    assert rows == {int(task.id.split("-")[0]): task.minutes for task in course.tasks}, \
        "README's task table: one row per task with course.toml's minutes"
