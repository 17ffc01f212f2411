"""A small, real course instance for the analytics tests: course plan, roster, collected answers and an
nbgrader gradebook built through nbgrader's own Gradebook API.

Every number the tests expect was worked out by hand from the tables below (see the docstrings of
the tests). Test modules load this file with `pytest_plugins = ["fixtures_analytics"]`, so the
session-scoped course is built once however many modules use it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from ensak.course.instance import repo_root
from ensak.nbgrader.api import silence_add_submission_warnings

TODAY = dt.date(2027, 3, 15)
COURSE_ID = "analys-test"
TASKS = [
    ("00-valkommen", "Välkommen", dt.date(2027, 1, 11)),
    ("01-blogg", "Blogga", dt.date(2027, 1, 25)),
    ("02-sok", "Söka smart", dt.date(2027, 2, 8)),
    ("03-bild", "Bilder och licenser", dt.date(2027, 2, 22)),
    ("04-avslutning", "Avslutning", dt.date(2027, 3, 8)),
]
COURSE_TOML = f"""
[course]
id = "{COURSE_ID}"
title = "En sak i taget (testkurs)"
organisation = "Testbiblioteket"
start = 2027-01-11
pace_days = 14

[nudge]
tasks_behind_median = 2
days_inactive = 21
""" + "".join(
    f'\n[[task]]\nid = "{task_id}"\ntitle = "{title}"\nrelease = {release.isoformat()}\n'
    for task_id, title, release in TASKS
)

STAD, NORR = "Stadsbiblioteket", "Filial Norr"
# id, first name, last name, unit, role
ROSTER = [
    ("anna", "Anna", "Andersson", STAD, "bibliotekarie"),
    ("bo", "Bo", "Berg", STAD, "chef"),
    ("cilla", "Cilla", "Carlsson", STAD, "bibliotekarie"),
    ("dan", "Dan", "Dahl", STAD, "assistent"),
    ("eva", "Eva", "Ek", STAD, "bibliotekarie"),
    ("fia", "Fia", "Fors", STAD, "bibliotekarie"),
    ("gustav", "Gustav", "Grön", NORR, "chef"),
    ("hanna", "Hanna", "Holm", NORR, "bibliotekarie"),
    ("ivar", "Ivar", "Isaksson", NORR, "assistent"),
    ("jon", "Jon", "Jonsson", NORR, "bibliotekarie"),
    ("karin", "Karin", "Kvist", STAD, "bibliotekarie"),
]

# Submission dates per learner, task by task in course order; all at 12:00 UTC (13:00 in Sweden).
# gustav never submits (and so is on the roster but not in nbgrader's gradebook).
SUBMITTED = {
    "anna": ["01-12", "01-26", "02-09", "02-23", "03-08"],
    "bo": ["01-13", "01-27", "02-10", "02-24", "03-09"],
    "cilla": ["01-14", "01-30", "02-20", "03-01", "03-09"],
    "dan": ["01-15", "02-01", "02-23"],             # late for task 3; 20 days before TODAY
    "eva": ["01-20", "03-02"],                       # late for task 2, but she has a 30-day extension
    "fia": ["01-12", "01-26", "02-09", "02-23", "03-10"],
    "hanna": ["01-12", "01-26", "02-09", "02-25", "03-09"],
    "ivar": ["01-18"],
    "jon": ["01-13", "01-28", "02-10", "02-22"],     # exactly 21 days before TODAY
    "karin": ["01-16", "01-29", "02-11", "02-26", "03-08"],
}
EXTENSIONS = {("eva", "01-blogg"): dt.timedelta(days=30)}
# Scores: the check cell (2 p) autograded to 2 except where listed; the reflection (2 p) graded by
# hand (2 p) on tasks 1–3 except where listed; tasks 4–5 still wait for manual grading.
PARTIAL_AUTO = {("dan", "02-sok"): 1.0}
NOT_MANUALLY_GRADED = {("eva", "01-blogg")}
NOT_AUTOGRADED = {("jon", "03-bild")}
MANUALLY_GRADED_TASKS = {"00-valkommen", "01-blogg", "02-sok"}

BEFORE = {  # sjalvskattning-fore in the kickoff's svar.json: (blogg, sok)
    "anna": (1, 3), "bo": (2, 3), "cilla": (2, 4), "dan": (2, 2), "eva": (3, 1),
    "fia": (3, 2), "hanna": (1, 3), "ivar": (1, 1), "karin": (2, 2),
}
DAMAGED_ANSWERS = [("jon", "00-valkommen")]
AFTER = {  # sjalvskattning-efter in the final task's svar.json
    "anna": (4, 4), "bo": (4, 3), "cilla": (3, 4), "fia": (5, 4), "hanna": (3, 5), "karin": (3, 3),
}
EVALUATION = {
    "anna": {"utvardering-bra": "Att få prova i egen takt.",
             "utvardering-annorlunda": "Fler träffar tillsammans.",
             "utvardering-viktigast": "Att Bo och jag kan blogga nu."},
    "bo": {"utvardering-bra": "Korta uppgifter.", "utvardering-annorlunda": "",
           "utvardering-viktigast": "Licenser för bilder."},
    "cilla": {"utvardering-bra": "Tydliga instruktioner.",
              "utvardering-annorlunda": "Mer tid för reflektion.",
              "utvardering-viktigast": "Sökbevakning."},
    "fia": {"utvardering-bra": "Bra stöd från kursledaren.",
            "utvardering-viktigast": "Att våga testa."},
    "hanna": {"utvardering-bra": "Roligt!", "utvardering-annorlunda": "Kortare texter.",
              "utvardering-viktigast": "Wikipedia går att förbättra."},
    "karin": {"utvardering-bra": "Att allt fanns på ett ställe.",
              "utvardering-annorlunda": "Påminnelser lite tidigare.",
              "utvardering-viktigast": "Att dela bilder med rätt licens."},
}


@dataclass(frozen=True)
class AnalyticsCourse:
    root: Path
    db_url: str
    today: dt.date = TODAY


def _utc(month_day: str, hour: int = 12) -> dt.datetime:
    month, day = (int(part) for part in month_day.split("-"))
    return dt.datetime(2027, month, day, hour, 0, 0)


def _write_answers(folder: Path, answers: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = {key: {"value": value, "kind": "test", "saved": "2027-01-01T12:00:00+01:00"}
               for key, value in answers.items()}
    (folder / "svar.json").write_text(json.dumps({"format": 1, "answers": entries}, ensure_ascii=False),
                                      encoding="utf-8")


def _build_gradebook(db_url: str) -> None:
    from nbgrader.api import Gradebook

    # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; exactly those are nbgrader's, not ours.
    with warnings.catch_warnings():
        silence_add_submission_warnings()
        _fill_gradebook(Gradebook, db_url)


def _fill_gradebook(Gradebook, db_url: str) -> None:
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for task_id, _title, release in TASKS:
            due = dt.datetime.combine(release + dt.timedelta(days=14), dt.time(22, 0))
            gb.add_assignment(task_id, duedate=due)
            gb.add_notebook(task_id, task_id)
            gb.add_grade_cell("kontroll", task_id, task_id, max_score=2, cell_type="code")
            gb.add_grade_cell("reflektion", task_id, task_id, max_score=2, cell_type="markdown")
            gb.add_solution_cell("reflektion", task_id, task_id)
        for learner, first, last, _unit, _role in ROSTER:
            if learner in SUBMITTED:
                gb.add_student(learner, first_name=first, last_name=last, email=f"{learner}@bibliotek.example")
        for learner, dates in SUBMITTED.items():
            for (task_id, _title, _release), day in zip(TASKS, dates):
                submission = gb.add_submission(task_id, learner, timestamp=_utc(day),
                                               extension=EXTENSIONS.get((learner, task_id)))
                if (learner, task_id) in NOT_AUTOGRADED:
                    continue
                for grade in submission.notebooks[0].grades:
                    if grade.cell.name == "kontroll":
                        grade.auto_score = PARTIAL_AUTO.get((learner, task_id), 2.0)
                        grade.needs_manual_grade = False
                    elif task_id in MANUALLY_GRADED_TASKS and (learner, task_id) not in NOT_MANUALLY_GRADED:
                        grade.manual_score = 2.0
                        grade.needs_manual_grade = False
                gb.db.commit()

    # Another course sharing the gradebook (as on a PostgreSQL server) must not leak into this one.
    with Gradebook(db_url, course_id="annan-kurs") as other:
        other.add_assignment("x-annan", duedate=dt.datetime(2027, 2, 1))
        other.add_notebook("x-annan", "x-annan")
        other.add_grade_cell("kontroll", "x-annan", "x-annan", max_score=5, cell_type="code")
        other.add_submission("x-annan", "anna", timestamp=_utc("01-20"))


def build_analytics_course(root: Path, db_url: str | None = None) -> AnalyticsCourse:
    """Write the course instance into `root`; the gradebook goes to `db_url` (default: SQLite inside)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    shutil.copy2(repo_root() / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "gradebook").mkdir(exist_ok=True)
    lines = ["id,first_name,last_name,email,unit,role"]
    lines += [f"{i},{f},{l},{i}@bibliotek.example,{u},{r}" for i, f, l, u, r in ROSTER]
    (root / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    db_url = db_url or f"sqlite:///{root / 'gradebook' / 'gradebook.db'}"
    _build_gradebook(db_url)
    # Every task reached the learners on its planned day, as `ensak release --due` records it.
    from ensak.nbgrader.release import record_release

    for task_id, _title, release in TASKS:
        record_release(root, task_id, release)

    first, last = TASKS[0][0], TASKS[-1][0]
    for learner, dates in SUBMITTED.items():
        for (task_id, _title, _release), _day in zip(TASKS, dates):
            folder = root / "submitted" / learner / task_id
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{task_id}.ipynb").write_text("{}", encoding="utf-8")
            answers: dict = {}
            if task_id == first and learner in BEFORE:
                answers["sjalvskattning-fore"] = dict(zip(("blogg", "sok"), BEFORE[learner]))
            if task_id == last and learner in AFTER:
                answers["sjalvskattning-efter"] = dict(zip(("blogg", "sok"), AFTER[learner]))
                answers.update(EVALUATION.get(learner, {}))
            if answers:
                _write_answers(folder, answers)
    for learner, task_id in DAMAGED_ANSWERS:
        (root / "submitted" / learner / task_id / "svar.json").write_text('{"format": 1, "answ', encoding="utf-8")
    return AnalyticsCourse(root=root.resolve(), db_url=db_url)


@pytest.fixture(scope="session")
def analytics_db_url() -> str | None:
    """The gradebook URL for the fixture course; None means SQLite inside the course folder.

    Override or parametrise this fixture to run the same analytics tests on PostgreSQL.
    """
    return None


@pytest.fixture(scope="session")
def analytics_course(tmp_path_factory, analytics_db_url) -> AnalyticsCourse:
    """The small fixture course, built once per session."""
    return build_analytics_course(tmp_path_factory.mktemp("analytics") / "kurs", analytics_db_url)
