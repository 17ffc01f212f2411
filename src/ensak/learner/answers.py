"""Where a learner's widget answers live: one JSON file next to the task notebook.

The file travels with the notebook through nbgrader submit and collect, so the autograder's test
cells read exactly what the learner answered. In a task's source folder the same file is the
answer key (facit.json), which keeps the teacher version valid without leaking into release/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from ensak.atomic_files import write_atomically

ANSWERS_FILE = "svar.json"
ANSWER_KEY_FILE = "facit.json"
FORMAT_VERSION = 1
# Each answer records the hub user who saved it (absent outside a hub).
SAVED_BY = "by"
# An answers file is a few kilobytes; anything this large was not written by the widgets.
MAX_ANSWERS_BYTES = 1_000_000


class AnswersFileError(Exception):
    """The answers file exists but cannot be used. The message is Swedish and says what to do."""


def is_source_folder(folder: Path) -> bool:
    """True in a task folder of the course's source/ tree (the teacher version)."""
    folder = folder.resolve()
    return folder.parent.name == "source" and (folder.parent.parent / "course.toml").exists()


def answers_path(folder: Path | str | None = None) -> Path:
    """The answers file for the notebook running in `folder` (default: the kernel's working folder)."""
    folder = Path(folder) if folder is not None else Path.cwd()
    name = ANSWER_KEY_FILE if is_source_folder(folder) else ANSWERS_FILE
    return folder / name


def current_learner() -> str:
    """The learner this kernel runs for, as JupyterHub tells it; "" outside a hub."""
    return os.environ.get("JUPYTERHUB_USER", "")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def read_answers_file(path: Path) -> dict[str, Any]:
    """The answers in `path` as {key: value}; {} if there is no file yet.

    Raises AnswersFileError with a Swedish explanation when the file is damaged.
    """
    if not path.exists():
        return {}
    size = path.stat().st_size
    if size > MAX_ANSWERS_BYTES:
        raise AnswersFileError(
            f"Svarsfilen {path.name} är {size // 1024} kB, mycket större än widgetarna skriver. "
            "Den har inte lästs. Be kursledaren om hjälp."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AnswersFileError(
            f"Svarsfilen {path.name} är skadad och går inte att läsa. "
            "Dina svar från och med nu sparas i en ny fil; den skadade filen sparas undan så att inget försvinner."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise AnswersFileError(
            f"Svarsfilen {path.name} har inte det innehåll som kursen väntar sig. "
            "Dina svar från och med nu sparas i en ny fil; den gamla sparas undan så att inget försvinner."
        )
    return dict(data["answers"])


def set_aside_damaged_file(path: Path) -> Path:
    """Rename a damaged answers file out of the way (never delete it) and return its new name."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.trasig-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.trasig-{stamp}-{counter}")
        counter += 1
    path.rename(target)
    return target


class AnswerStore:
    """Read and save answers for one task folder.

    A damaged file is not fatal: `problem` carries a Swedish message for the widgets to show, and
    the first save moves the damaged file aside before writing a fresh one.
    """

    def __init__(self, folder: Path | str | None = None):
        self.path = answers_path(folder)
        self.problem: str | None = None
        self._damaged = False
        try:
            self._answers = read_answers_file(self.path)
        except AnswersFileError as exc:
            self.problem = str(exc)
            self._damaged = True
            self._answers = {}

    def get(self, key: str, default: Any = None) -> Any:
        entry = self._answers.get(key)
        if isinstance(entry, dict) and "value" in entry:
            return entry["value"]
        return default

    def saved_at(self, key: str) -> str | None:
        entry = self._answers.get(key)
        return entry.get("saved") if isinstance(entry, dict) else None

    def keys(self) -> list[str]:
        return list(self._answers)

    def values(self) -> dict[str, Any]:
        return {key: self.get(key) for key in self._answers}

    def save(self, key: str, value: Any, kind: str = "") -> None:
        """Save one answer now; other answers in the file are kept as they are on disk."""
        if self._damaged and self.path.exists():
            set_aside_damaged_file(self.path)
            self._damaged = False
        try:
            current = read_answers_file(self.path)
        except AnswersFileError:
            # Someone damaged the file since we opened it: keep that copy too.
            set_aside_damaged_file(self.path)
            current = {}
        current.update({k: v for k, v in self._answers.items() if k not in current})
        current[key] = {"value": value, "kind": kind, "saved": now_iso()}
        # Who saved it, so that an answers file copied from a colleague shows at collection.
        if current_learner():
            current[key][SAVED_BY] = current_learner()
        self._answers = current
        write_atomically(self.path, json.dumps({"format": FORMAT_VERSION, "answers": current},
                                                 ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def load_answers(folder: Path | str) -> dict[str, Any]:
    """All answers saved in a task folder as {key: value}. Raises AnswersFileError if damaged."""
    raw = read_answers_file(answers_path(folder))
    return {key: entry.get("value") for key, entry in raw.items() if isinstance(entry, dict)}
