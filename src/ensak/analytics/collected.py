"""The widget answers in collected submissions (submitted/<learner>/<task>/svar.json) as tidy frames.

A damaged answers file never stops an analysis: it is listed among the problems, with the Swedish
explanation ensak.learner.answers gives, and the rest is read as usual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, NamedTuple

import pandas as pd

from ensak.analytics.gradebook import LEARNER, TASK
from ensak.learner.answers import ANSWER_KEY_FILE, ANSWERS_FILE, AnswersFileError, read_answers_file
from ensak.learner.evidence import Evidence, evidence_from_answer

SUBMITTED_FOLDER = "submitted"
KEY = "key"
VALUE = "value"
SAVED = "saved"
PROBLEM = "problem"
ANSWER_COLUMNS = [LEARNER, TASK, KEY, VALUE, SAVED]
PROBLEM_COLUMNS = [LEARNER, TASK, PROBLEM]


class CollectedAnswers(NamedTuple):
    answers: pd.DataFrame   # ANSWER_COLUMNS, one row per learner × task × key
    problems: pd.DataFrame  # PROBLEM_COLUMNS, one row per answers file that could not be read


def _answer_files(root: Path, tasks: set[str] | None) -> list[Path]:
    if tasks is None:
        return sorted(root.glob(f"*/*/{ANSWERS_FILE}"))
    # Look only where the wanted tasks would be, instead of listing every task folder.
    candidates = (learner / task / ANSWERS_FILE for learner in root.iterdir() if learner.is_dir()
                  for task in sorted(tasks))
    return sorted(path for path in candidates if path.is_file())


def read_collected_answers(course_dir: Path | str, *, tasks: Iterable[str] | None = None,
                           keys: Iterable[str] | None = None) -> CollectedAnswers:
    """Every saved answer in the course's collected submissions.

    `tasks` limits the folders read (a large cohort has one file per learner and task);
    `keys` keeps only those answer keys.
    """
    root = Path(course_dir) / SUBMITTED_FOLDER
    wanted_tasks = set(tasks) if tasks is not None else None
    wanted_keys = set(keys) if keys is not None else None
    rows: list[tuple] = []
    problems: list[tuple] = []
    if root.is_dir():
        for path in _answer_files(root, wanted_tasks):
            task, learner = path.parent.name, path.parent.parent.name
            try:
                raw = read_answers_file(path)
            except AnswersFileError as exc:
                problems.append((learner, task, str(exc)))
                continue
            except OSError as exc:
                problems.append((learner, task, f"Svarsfilen gick inte att öppna ({exc.strerror or exc})."))
                continue
            for key, entry in raw.items():
                if wanted_keys is not None and key not in wanted_keys:
                    continue
                if isinstance(entry, dict) and "value" in entry:
                    rows.append((learner, task, key, entry["value"], entry.get("saved")))
    answers = pd.DataFrame(rows, columns=ANSWER_COLUMNS).astype({VALUE: object})
    return CollectedAnswers(answers, pd.DataFrame(problems, columns=PROBLEM_COLUMNS))


EVIDENCE = "evidence"
EVIDENCE_OK = "evidence_ok"
EVIDENCE_COLUMNS = [LEARNER, TASK, EVIDENCE, EVIDENCE_OK]


def tasks_requiring_evidence(course_dir: Path | str, task_ids: Iterable[str]) -> dict[str, str]:
    """{task: evidence key} for the tasks whose answer key (source/<task>/facit.json) holds an Evidence answer."""
    found = {}
    for task in task_ids:
        try:
            key_file = read_answers_file(Path(course_dir) / "source" / task / ANSWER_KEY_FILE)
        except (AnswersFileError, OSError):
            continue
        for key, entry in key_file.items():
            if isinstance(entry, dict) and entry.get("kind") == Evidence.kind:
                found[task] = key
    return found


def evidence_status(answers: pd.DataFrame, required: dict[str, str]) -> pd.DataFrame:
    """One row per learner × task that requires evidence and has answers: the evidence as one line of text
    (a link, or the description) and whether it is enough for the task to count as done."""
    rows = []
    for row in answers.itertuples(index=False):
        if required.get(getattr(row, TASK)) != getattr(row, KEY):
            continue
        state = evidence_from_answer(getattr(row, VALUE))
        text = state.link or state.description
        rows.append((getattr(row, LEARNER), getattr(row, TASK), text, state.complete))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
