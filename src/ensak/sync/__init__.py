"""Bring the gradebook up to date: collect new submissions, autograde the new or changed ones in
parallel worker processes, and generate and release feedback for submissions that are fully graded.

Every step is recorded in a journal (gradebook/sync-state.db) only after it has finished, and every
step can be repeated without harm. So a sync killed at any moment simply finishes on the next run:
nothing is lost, and nothing is recorded twice.
"""

from __future__ import annotations

from contextlib import chdir, closing
from pathlib import Path
from typing import Callable

from traitlets.config import Config

from ensak.course.lock import course_lock
from ensak.course.plan import load_course
from ensak.nbgrader.api import make_api
from ensak.outreach.blog import update_blog_after_sync
from ensak.sync.journal import graded_events, open_state
from ensak.sync.phases import (
    STEP_COLLECT,
    STEP_FEEDBACK,
    STEP_GRADE,
    SyncSummary,
    collect,
    give_feedback,
    grade,
)
from ensak.sync.workers import Runner, default_workers, sync_config

__all__ = ["STEP_COLLECT", "STEP_FEEDBACK", "STEP_GRADE", "SyncSummary", "graded_events", "sync"]


def sync(course_dir: Path | str, *, config: Config | None = None,
         on_progress: Callable[[str], None] | None = None,
         on_step: Callable[[str, int, int], None] | None = None,
         workers: int | None = None, feedback: bool = True) -> SyncSummary:
    """Collect, autograde (in `workers` processes, default two per core) and give feedback, for every
    released task. A problem with one submission never stops the rest; run again to retry it.

    `on_progress` hears "learner task" for each submission graded; `on_step` hears
    (step label, done, total) for a progress bar.
    """
    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    config = sync_config(course_dir, config)
    step = on_step or (lambda label, done, total: None)
    summary = SyncSummary()
    with course_lock(course_dir, "sync"), closing(open_state(course_dir)) as state, chdir(course_dir):
        api = make_api(course_dir, config)
        released = set(api.get_released_assignments())
        tasks = [t.id for t in course.tasks if t.id in released]
        runner = Runner(course_dir, config, api, workers or default_workers())
        try:
            collect(course_dir, api, config, tasks, state, summary, step)
            grade(course_dir, runner, tasks, state, summary, step, on_progress)
            if feedback:
                give_feedback(course_dir, runner, api, config, tasks, state, summary, step)
        finally:
            runner.close()
        # The course blog follows what learners share and answer (ensak.outreach.blog); until someone shares, a
        # glance. Still under the lock: a forget or roster import waiting for this sync must not slip in between.
        summary.problems.extend(update_blog_after_sync(course_dir, config=config))
    return summary

