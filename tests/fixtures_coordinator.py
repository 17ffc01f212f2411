"""Fixtures for the coordinator's tests (roster, schedule, messages, sync).

Test modules import what they use: `from fixtures_coordinator import course_dir  # noqa: F401` (pytest puts tests/ on sys.path).
The course here is small and self-made, so these tests do not depend on the real tasks' content.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ensak.authoring import check, task_notebook, text, write_notebook
from ensak.instance import repo_root

START = dt.date(2027, 1, 11)
TASKS = [("00-start", "Välkommen"), ("01-blogg", "Bloggar"), ("02-bild", "Bilder och licenser")]


def course_toml(tasks=TASKS, *, start: dt.date = START, pace: int = 14, extra: str = "", closes: dt.date | None = None,
                releases: dict[str, str] | None = None) -> str:
    """The text of a course.toml for `tasks` [(id, title)], optionally with explicit release dates."""
    releases = releases or {}
    lines = ["[course]", 'id = "testkurs"', 'title = "En sak i taget"', 'organisation = "Stadsbiblioteket"',
             f"start = {start.isoformat()}", f"pace_days = {pace}"]
    if closes:
        lines.append(f"closes = {closes.isoformat()}")
    for task_id, title in tasks:
        lines += ["", "[[task]]", f'id = "{task_id}"', f'title = "{title}"']
        if task_id in releases:
            lines.append(f"release = {releases[task_id]}")
    return "\n".join(lines) + "\n" + extra


def simple_task_notebook(task_id: str):
    """A learner version small enough to release and grade fast: one text cell and one check."""
    return task_notebook([
        text(f"{task_id}-intro", f"# {task_id}\n\nDet här är en övningsuppgift."),
        check(f"{task_id}-check", "assert 1 + 1 == 2\nprint('✓ Rätt.')", points=1),
    ])


def make_course(root: Path, tasks=TASKS, *, with_release: bool = True, **toml_options) -> Path:
    """A course directory with course.toml, nbgrader_config.py and (optionally) release/<task>/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(course_toml(tasks, **toml_options), encoding="utf-8")
    shutil.copy2(repo_root() / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "gradebook").mkdir(exist_ok=True)
    (root / "exchange").mkdir(exist_ok=True)
    if with_release:
        for task_id, _ in tasks:
            folder = root / "release" / task_id
            folder.mkdir(parents=True, exist_ok=True)
            write_notebook(simple_task_notebook(task_id), folder / f"{task_id}.ipynb")
    return root


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook made once: nbgrader creates one through alembic in about three seconds."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "testkurs"):
        pass
    return path


@pytest.fixture
def course_dir(tmp_path: Path, empty_gradebook: Path) -> Path:
    """A fresh small course directory with three tasks released every 14 days from 2027-01-11."""
    root = make_course(tmp_path / "kurs")
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    return root


ROSTER_CSV = (
    "Förnamn;Efternamn;E-post;Bibliotek;Roll\n"
    "Åsa;Lindström-Öberg;asa.lindstrom-oberg@bibliotek.example;Stadsbiblioteket;Bibliotekarie\n"
    "Anna-Karin;Ek;anna-karin.ek@bibliotek.example;Filial Norr;Enhetschef\n"
    "Jörgen;Ärlig;jorgen.arlig@bibliotek.example;Filial Syd;Biblioteksassistent\n"
)


def write_text(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path
