"""What is wrong with a collected submission, in Swedish words the coordinator can act on.

`screen_before_grading` looks at submitted/<learner>/<task>/ before nbgrader autogrades it. A
*blocking* finding (no notebook, a damaged one, one from another task) means autograde would only
fail with a traceback, so sync skips it and reports the finding instead; the submission stays in
submitted/ and is tried again at the next sync. Other findings are notes: the submission is graded
as usual, but something deserves a look (answers missing or copied, the reflection not written,
handed in after the course closed). `screen_after_grading` reads the graded notebook for code a
learner added (set aside, never run) and cells that were stopped by the time limit or cut for
printing too much.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ensak.course.plan import Course, load_course
from ensak.learner.answers import (
    ANSWER_KEY_FILE,
    ANSWERS_FILE,
    MAX_ANSWERS_BYTES,
    SAVED_BY,
)
from ensak.nbgrader.preprocessors import FOREIGN_CODE_NOTE, SET_ASIDE, BoundedExecute
from ensak.nbgrader.timestamps import submitted_at

PLACEHOLDER = "SKRIV DITT SVAR HÄR"
TIMEOUT_ERROR = "CellTimeoutError"


@dataclass(frozen=True)
class SubmissionFinding:
    learner: str
    task: str
    message: str
    blocking: bool = False

    def __str__(self) -> str:
        return f"{self.learner} {self.task}: {self.message}"


def submitted_folder(course_dir: Path | str, learner: str, task_id: str) -> Path:
    return Path(course_dir) / "submitted" / learner / task_id


def submitted_timestamp(course_dir: Path | str, learner: str, task_id: str) -> dt.datetime | None:
    """When the collected submission was handed in (nbgrader's timestamp.txt), in naive UTC as nbgrader keeps it."""
    stamp = submitted_at(submitted_folder(course_dir, learner, task_id))
    return stamp.replace(tzinfo=None) if stamp else None


@lru_cache(maxsize=64)
def _grade_ids(path: str, mtime: float) -> frozenset[str]:
    """The nbgrader cell ids of a notebook file (cached while the file is unchanged)."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return frozenset(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                     for cell in notebook.get("cells", [])) - {None}


def task_grade_ids(course: Course, task_id: str) -> frozenset[str]:
    """The nbgrader cell ids of the task's learner version in release/."""
    path = course.root / "release" / task_id / f"{task_id}.ipynb"
    return _grade_ids(str(path), path.stat().st_mtime) if path.exists() else frozenset()


def _task_label(course: Course, task_id: str) -> str:
    task = course.task(task_id)
    return f"uppgift {task.number} ({task.title})"


def _notebook_findings(course: Course, folder: Path, task_id: str) -> tuple[list[str], dict | None]:
    """Blocking problems with the notebook, and the notebook as JSON when it could be read."""
    expected = f"{task_id}.ipynb"
    path = folder / expected
    others = sorted(p.name for p in folder.glob("*.ipynb") if p.name != expected)
    if not path.exists():
        found = ""
        if others:
            names = [f"{name} ({_task_label(course, name[:-6])})" if name[:-6] in course.task_ids else name
                     for name in others]
            found = f", som i stället innehåller {', '.join(names)}"
        return [f"Anteckningsboken {expected} saknas i inlämningen{found}. Inlämningen är inte rättad. Be "
                f"deltagaren öppna {_task_label(course, task_id)} och lämna in den igen."], None
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise ValueError("not a notebook")
    except (UnicodeDecodeError, ValueError):
        return [f"Anteckningsboken {expected} är skadad och går inte att öppna, så den är inte rättad. Inlämningen "
                f"finns kvar i submitted/{folder.parent.name}/{task_id}. Be deltagaren öppna uppgiften och lämna in "
                "igen; går den inte att öppna hos deltagaren heller kan du hämta en ny kopia åt hen – svaren i "
                "svar.json följer med om filen flyttas över."], None
    ids = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in notebook["cells"]} - {None}
    own = len(ids & task_grade_ids(course, task_id))
    for other in course.task_ids:
        if other != task_id and len(ids & task_grade_ids(course, other)) > own:
            return [f"Anteckningsboken {expected} innehåller {_task_label(course, other)} i stället för "
                    f"{_task_label(course, task_id)}, så den är inte rättad. Be deltagaren lämna in rätt "
                    "anteckningsbok."], None
    notes = [f"Inlämningen innehåller också {name}, som inte hör till uppgiften och inte rättas."
             for name in others]
    return notes, notebook


def _answers_findings(course: Course, folder: Path, learner: str, task_id: str) -> list[str]:
    if not (course.root / "source" / task_id / ANSWER_KEY_FILE).exists():
        return []  # a task without widgets has no answers file
    path = folder / ANSWERS_FILE
    zero = "så de automatiska kontrollerna gav 0 poäng"
    again = "Be deltagaren öppna uppgiften, se att svaren finns kvar i widgetarna och lämna in igen."
    if not path.exists():
        return [f"Svarsfilen {ANSWERS_FILE} saknas, {zero}. {again}"]
    size = path.stat().st_size
    if size == 0:
        return [f"Svarsfilen {ANSWERS_FILE} är tom, {zero}. {again}"]
    if size > MAX_ANSWERS_BYTES:
        return [f"Svarsfilen {ANSWERS_FILE} är {size // 1024} kB, långt mer än widgetarna skriver, och lästes inte, "
                f"{zero}. {again}"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        answers = data["answers"]
        if not isinstance(answers, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError, TypeError, KeyError):
        return [f"Svarsfilen {ANSWERS_FILE} är skadad och kunde inte läsas, {zero}. Filen finns kvar i inlämningen. "
                "När deltagaren öppnar uppgiften igen lägger widgetarna den skadade filen åt sidan och sparar en ny; "
                "be hen svara och lämna in igen."]
    savers = {entry.get(SAVED_BY) for entry in answers.values() if isinstance(entry, dict)} - {None, "", learner}
    if savers:
        return [f"Svar i {ANSWERS_FILE} sparades av {', '.join(sorted(savers))}, inte av deltagaren själv: filen kan "
                "vara kopierad från en kollega. Titta på inlämningen innan du godkänner poängen."]
    return []


def reflection_texts(notebook: dict) -> list[str]:
    """What the learner wrote in each reflection cell (nbgrader's graded markdown answer cells), in order."""
    texts = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and meta.get("solution") and meta.get("grade"):
            source = cell.get("source", "")
            texts.append("".join(source) if isinstance(source, list) else str(source))
    return texts


def _reflection_findings(notebook: dict) -> list[str]:
    unwritten = sum(1 for text in reflection_texts(notebook) if not text.strip() or PLACEHOLDER in text)
    if not unwritten:
        return []
    which = "Reflektionen är" if unwritten == 1 else f"{unwritten} reflektioner är"
    return [f"{which} inte skriven (platshållaren ”{PLACEHOLDER}” står kvar). Sätt 0 poäng i formgrader eller "
            "påminn deltagaren om att skriva och lämna in igen."]


def _late_findings(course: Course, course_dir: Path, learner: str, task_id: str) -> list[str]:
    when = submitted_timestamp(course_dir, learner, task_id)
    if when is None or when.date() <= course.closes:
        return []
    return [f"Inlämnad {when:%Y-%m-%d}, efter att kursen stängde {course.closes:%Y-%m-%d}. Den är sparad och "
            "rättad som vanligt men räknas som sen."]


def screen_before_grading(course_dir: Path | str, learner: str, task_id: str) -> list[SubmissionFinding]:
    """Findings on submitted/<learner>/<task>/; any blocking one means: do not autograde it."""
    course_dir = Path(course_dir)
    course = load_course(course_dir)
    folder = submitted_folder(course_dir, learner, task_id)
    notebook_notes, notebook = _notebook_findings(course, folder, task_id)
    if notebook is None:
        return [SubmissionFinding(learner, task_id, message, blocking=True) for message in notebook_notes]
    messages = (notebook_notes + _answers_findings(course, folder, learner, task_id) + _reflection_findings(notebook)
                + _late_findings(course, course_dir, learner, task_id))
    return [SubmissionFinding(learner, task_id, message) for message in messages]


def screen_after_grading(course_dir: Path | str, learner: str, task_id: str) -> list[SubmissionFinding]:
    """Notes from the graded notebook in autograded/: code set aside unexecuted, cells stopped by the
    time limit or cut short."""
    path = Path(course_dir) / "autograded" / learner / task_id / f"{task_id}.ipynb"
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    stopped = cut = set_aside = 0
    for cell in notebook.get("cells", []):
        set_aside += bool(cell.get("metadata", {}).get(SET_ASIDE))
        outputs = cell.get("outputs", [])
        stopped += any(o.get("ename") == TIMEOUT_ERROR for o in outputs)
        cut += any(BoundedExecute.truncation_note.strip() in "".join(o.get("text", "")) for o in outputs)
    messages = []
    if set_aside:
        messages.append(f"{FOREIGN_CODE_NOTE} Övriga svar är rättade som vanligt; koden syns i formgrader och i "
                        "deltagarens återkoppling.")
    if stopped:
        messages.append(f"{stopped} cell(er) tog för lång tid och avbröts. Övriga celler är rättade som vanligt; "
                        "titta i formgrader om poängen verkar fel.")
    if cut:
        messages.append(f"{cut} cell(er) skrev ut för mycket; utskriften är avkortad i den rättade versionen och i "
                        "återkopplingen.")
    return [SubmissionFinding(learner, task_id, message) for message in messages]
