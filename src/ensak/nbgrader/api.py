"""One way to drive nbgrader from Python: its own API object, configured by the course's nbgrader_config.py.

Starting an `nbgrader` command costs about four seconds; the API in one process costs that once.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class NbgraderStepError(RuntimeError):
    """An nbgrader step reported failure; the message carries nbgrader's own log."""


# nbgrader's Gradebook.add_submission (autograde, collect) trips SQLAlchemy's autoflush warning for the
# submission it is building; the submission is stored correctly. Only exactly that warning, from nbgrader's
# own api module, is silenced: every other warning (ngshare's "not in session" among them) stays visible.
ADD_SUBMISSION_WARNING = (r"Object of type <Submitted(Assignment|Notebook)> not in session, "
                          r"add operation along '\w+\.submissions' will not proceed")


def silence_add_submission_warnings() -> None:
    """Install the one warnings filter for nbgrader's harmless add_submission SAWarning (idempotent)."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=ADD_SUBMISSION_WARNING, category=SAWarning, module=r"nbgrader\.api")


def load_config(root: Path | str, **overrides: dict) -> Config:
    """The course's nbgrader configuration, with `overrides` ({"Section": {"trait": value}}) on top."""
    silence_add_submission_warnings()  # every in-process use of nbgrader starts from its configuration
    root = Path(root).resolve()
    path = root / CONFIG_FILE
    if not path.exists():
        raise FileNotFoundError(f"No {CONFIG_FILE} in {root}: is this a course directory?")
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    for section, values in overrides.items():
        for trait, value in values.items():
            config[section][trait] = value
    return config


def make_api(root: Path | str, config: Config | None = None, quiet: bool = True):
    """An NbGraderAPI for the course directory `root`."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = config if config is not None else load_config(root)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    if quiet:
        api.log.setLevel(logging.ERROR)
    return api


def require_success(result: dict, step: str) -> dict:
    """Turn nbgrader's {'success': False, 'log': ...} into an exception that says which step failed."""
    if not result.get("success", False):
        detail = (result.get("error") or result.get("log") or "").strip()
        raise NbgraderStepError(f"nbgrader {step} failed:\n{detail}")
    return result
