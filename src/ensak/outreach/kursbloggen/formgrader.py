"""The coordinator's formgrader comments on shared reflections, read from nbgrader's gradebook with nbgrader's ORM.

This is the one place the blog reads the gradebook. It never writes there, and a gradebook that is missing,
empty or unreachable means no formgrader comments, never a broken blog page.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import sqlalchemy as sa

# The reflection cell's grade id in every task notebook (ensak.authoring's `reflection`).
REFLECTION_CELL = "reflektion"

log = logging.getLogger(__name__)
_warned: set[str] = set()


@lru_cache(maxsize=8)
def _gradebook_engine(gradebook_url: str) -> sa.Engine:
    return sa.create_engine(gradebook_url, pool_pre_ping=not gradebook_url.startswith("sqlite"))


def formgrader_comments(gradebook_url: str | None, course_id: str,
                        reflections: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(learner, task): the coordinator's comment on that reflection} for the given (learner, task) pairs."""
    if not gradebook_url or not reflections:
        return {}
    # nbgrader.api costs a second to import: only a page that shows reflections pays it, and only once.
    from nbgrader.api import Assignment, BaseCell, Comment, SubmittedAssignment, SubmittedNotebook

    learners = sorted({learner for learner, _ in reflections})
    tasks = sorted({task for _, task in reflections})
    statement = (
        sa.select(SubmittedAssignment.student_id, Assignment.name, Comment.manual_comment)
        .join(Comment.cell).join(Comment.notebook).join(SubmittedNotebook.assignment)
        .join(SubmittedAssignment.assignment)
        .where(BaseCell.name == REFLECTION_CELL, Assignment.course_id == course_id,
               Assignment.name.in_(tasks), SubmittedAssignment.student_id.in_(learners),
               Comment.manual_comment.is_not(None))
    )
    try:
        with _gradebook_engine(gradebook_url).connect() as conn:
            rows = conn.execute(statement).all()
    except sa.exc.SQLAlchemyError as error:
        # A gradebook nbgrader has not made yet has no tables: say so once, not on every page.
        if gradebook_url not in _warned:
            _warned.add(gradebook_url)
            log.warning("No formgrader comments: the gradebook cannot be read (%s)", error.__class__.__name__)
        return {}
    wanted = set(reflections)
    return {(learner, task): comment.strip() for learner, task, comment in rows
            if (learner, task) in wanted and comment and comment.strip()}
