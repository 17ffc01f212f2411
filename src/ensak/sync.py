"""Bring the gradebook up to date: collect new submissions from the exchange and autograde them.

First, serial version driven through nbgrader's Python API in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from traitlets.config import Config

from ensak.course import load_course
from ensak.nbgrader_api import in_directory, load_config, make_api, require_success


@dataclass
class SyncSummary:
    collected: list[tuple[str, str]] = field(default_factory=list)   # (learner, task)
    graded: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _timestamp(folder: Path) -> str:
    stamp = folder / "timestamp.txt"
    return stamp.read_text(encoding="utf-8").strip() if stamp.exists() else ""


def needs_grading(course_dir: Path, learner: str, task_id: str) -> bool:
    """A submission needs grading when it was never graded or was resubmitted since."""
    submitted = course_dir / "submitted" / learner / task_id
    autograded = course_dir / "autograded" / learner / task_id
    if not submitted.is_dir():
        return False
    return not autograded.is_dir() or _timestamp(submitted) != _timestamp(autograded)


def sync(course_dir: Path | str, *, config: Config | None = None,
         on_progress: Callable[[str], None] | None = None) -> SyncSummary:
    """Collect and autograde every released task; a problem with one submission never stops the rest."""
    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    config = config if config is not None else load_config(course_dir)
    config.ExchangeCollect.check_owner = False
    summary = SyncSummary()
    with in_directory(course_dir):
        api = make_api(course_dir, config)
        released = set(api.get_released_assignments())
        for task in course.tasks:
            if task.id not in released:
                continue
            result = api.collect(task.id, update=True)
            if not result.get("success"):
                summary.problems.append(f"collect {task.id}: {result.get('error') or result.get('log')}")
                continue
            task_submitted = course_dir / "submitted"
            for learner_dir in sorted(task_submitted.glob(f"*/{task.id}")):
                learner = learner_dir.parent.name
                if not needs_grading(course_dir, learner, task.id):
                    continue
                summary.collected.append((learner, task.id))
                if on_progress:
                    on_progress(f"{learner} {task.id}")
                result = api.autograde(task.id, learner, force=True, create=True)
                if result.get("success"):
                    summary.graded.append((learner, task.id))
                else:
                    summary.problems.append(f"autograde {learner} {task.id}: {result.get('error') or result.get('log')}")
    return summary


def release_tasks(course_dir: Path | str, task_ids: list[str], *, config: Config | None = None) -> list[str]:
    """Release tasks to the exchange (already released ones are left as they are)."""
    course_dir = Path(course_dir).resolve()
    config = config if config is not None else load_config(course_dir)
    done = []
    with in_directory(course_dir):
        api = make_api(course_dir, config)
        already = set(api.get_released_assignments())
        for task_id in task_ids:
            if task_id in already:
                continue
            require_success(api.release_assignment(task_id), f"release_assignment {task_id}")
            done.append(task_id)
    return done
