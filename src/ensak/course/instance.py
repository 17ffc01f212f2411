"""Course instances: a folder that nbgrader treats as a course directory, made from this repository."""

from __future__ import annotations

import shutil
from pathlib import Path

# repo_root lives with the plan, which a learner's kernel may import: this module pulls in the blog (nbformat,
# jsonschema), seconds of imports that task 0's planner must not pay when it opens.
from ensak.course.plan import COURSE_FILE, REPO_ROOT, repo_root  # noqa: F401
from ensak.learner.answers import ANSWERS_FILE

COURSE_FILES = (COURSE_FILE, "nbgrader_config.py")
COURSE_FOLDERS = ("source", "release")


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
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ANSWERS_FILE))
    (target / "gradebook").mkdir(exist_ok=True)
    (target / "exchange").mkdir(exist_ok=True)
    return target
