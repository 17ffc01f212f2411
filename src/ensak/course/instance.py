"""Course instances: a folder that nbgrader treats as a course directory, made from this repository."""

from __future__ import annotations

import shutil
from pathlib import Path

from ensak.course.plan import COURSE_FILE
from ensak.learner.answers import ANSWERS_FILE
from ensak.outreach.blog import BLOG_ID

REPO_ROOT = Path(__file__).resolve().parents[3]
COURSE_FILES = (COURSE_FILE, "nbgrader_config.py")
COURSE_FOLDERS = ("source", "release")


def repo_root() -> Path:
    """The repository this package was installed from (the course's home)."""
    return REPO_ROOT


def create_instance(target: Path | str, template: Path | str | None = None) -> Path:
    """Copy the course plan, config, source/ and release/ into `target` and return its path.

    The instance gets its own gradebook/ and exchange/, so nothing touches the repository's.
    """
    template = Path(template) if template is not None else REPO_ROOT
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(template / name, target / name)
    for name in COURSE_FOLDERS:
        if (target / name).exists():
            shutil.rmtree(target / name)
        shutil.copytree(template / name, target / name,
                        # The compiled course blog holds one cohort's names: never carried to another.
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ANSWERS_FILE, BLOG_ID))
    (target / "gradebook").mkdir(exist_ok=True)
    (target / "exchange").mkdir(exist_ok=True)
    return target
