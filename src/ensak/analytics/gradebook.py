"""Reading nbgrader's gradebook: set-based SQL into tidy pandas DataFrames, one row per learner × task.

The same SQLAlchemy Core statements run on SQLite and PostgreSQL. Opening a gradebook through
this module also adds the indexes nbgrader leaves out (on its foreign keys), which makes the
coordinator's stock formgrader and `nbgrader export` fast as well; nothing else in nbgrader's
schema is touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex

from ensak.clock import DEFAULT_TIMEZONE, course_today, utc_to_course_naive
from ensak.course.plan import Course
from ensak.nbgrader import schema as nb

# Column names of the frames this module returns. Other modules import these, never the strings.
LEARNER = "learner"
TASK = "task"
TASK_NUMBER = "task_number"
TITLE = "title"
RELEASE = "release"
DUEDATE = "duedate"
SUBMITTED = "submitted"
TIMESTAMP = "timestamp"
LATE = "late"
AUTOGRADED = "autograded"
SCORE = "score"
AUTO_SCORE = "auto_score"
MAX_SCORE = "max_score"
NEEDS_MANUAL_GRADE = "needs_manual_grade"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
EMAIL = "email"
UNIT = "unit"
ROLE = "role"
JOINED = "joined"
LEFT = "left"
ACTIVE = "active"

ROSTER_FIELDS = [FIRST_NAME, LAST_NAME, EMAIL, UNIT, ROLE]
# Where a learner stands in the course: when they joined and, for someone who has left, when (else NaT).
MEMBERSHIP_FIELDS = [JOINED, LEFT, ACTIVE]
TASK_COLUMNS = [TASK, TASK_NUMBER, TITLE, RELEASE, MAX_SCORE]
PROGRESS_COLUMNS = [
    LEARNER, *ROSTER_FIELDS, *MEMBERSHIP_FIELDS, TASK, TASK_NUMBER, TITLE, RELEASE, DUEDATE,
    SUBMITTED, TIMESTAMP, LATE, AUTOGRADED, SCORE, AUTO_SCORE, MAX_SCORE, NEEDS_MANUAL_GRADE,
]

# nbgrader stores naive UTC times; learners and coordinators think in the course's local time (ensak.clock),
# so a submission at 00:30 on a Tuesday in Sweden counts as Tuesday's. Kept for modules that have not yet
# moved to the course's own time zone (Course.timezone).
LOCAL_TIMEZONE = DEFAULT_TIMEZONE

def as_gradebook_url(gradebook: str | Path) -> str:
    """A database URL for `gradebook`, which may already be one or be the path of a SQLite file."""
    text = str(gradebook)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def gradebook_url(course_dir: Path | str) -> str:
    """The gradebook the course's nbgrader_config.py points at (ENSAK_DB_URL or the SQLite default)."""
    from ensak.nbgrader.api import load_config

    return str(load_config(course_dir).CourseDirectory.db_url)


def course_id_of(course_dir: Path | str) -> str:
    """The course id nbgrader uses for this course directory (ENSAK_COURSE_ID or course.toml)."""
    from ensak.nbgrader.api import load_config

    return str(load_config(course_dir).CourseDirectory.course_id)


def ensure_indexes(engine: Engine) -> list[str]:
    """Add the missing foreign-key indexes where their tables exist; return the names created now.

    Safe to call on every open and from several processes at once: each statement is
    CREATE INDEX IF NOT EXISTS, on SQLite and PostgreSQL alike.
    """
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    created: list[str] = []
    with engine.begin() as conn:
        for index in nb.MISSING_INDEXES:
            table = index.table.name
            if table not in tables:
                continue
            existing = {ix["name"] for ix in inspector.get_indexes(table)}
            if index.name not in existing:
                created.append(index.name)
            conn.execute(CreateIndex(index, if_not_exists=True))
    return created


def open_gradebook(gradebook: str | Path) -> Engine:
    """An engine on the gradebook (URL or SQLite path), with ensak's indexes in place."""
    engine = sa.create_engine(as_gradebook_url(gradebook))
    ensure_indexes(engine)
    return engine


_STUDENT_TYPES = {LEARNER: str, FIRST_NAME: str, LAST_NAME: str, EMAIL: str}
_ASSIGNMENT_TYPES = {TASK: str, DUEDATE: "datetime64[us]", MAX_SCORE: float}
_SUBMISSION_TYPES = {LEARNER: str, TASK: str, TIMESTAMP: "datetime64[us]", DUEDATE: "datetime64[us]", LATE: bool,
                     AUTOGRADED: bool, SCORE: float, AUTO_SCORE: float, NEEDS_MANUAL_GRADE: bool}


def _empty(types: dict) -> pd.DataFrame:
    # Typed, so that merging an empty gradebook's frames with the course plan still works.
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in types.items()})


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    # Plain tuples: pandas probes SQLAlchemy Row objects attribute by attribute, which costs more
    # than the query itself at tens of thousands of rows.
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def _has_gradebook_tables(engine: Engine) -> bool:
    # A gradebook nbgrader has not created yet reads as empty rather than failing.
    return "submitted_assignment" in sa.inspect(engine).get_table_names()


def _course_filter(statement: sa.Select, course_id: str | None) -> sa.Select:
    return statement.where(nb.assignment.c.course_id == course_id) if course_id else statement


def read_students(engine: Engine) -> pd.DataFrame:
    """Every student in the gradebook: LEARNER, FIRST_NAME, LAST_NAME, EMAIL."""
    columns = list(_STUDENT_TYPES)
    if not _has_gradebook_tables(engine):
        return _empty(_STUDENT_TYPES)
    statement = sa.select(
        nb.student.c.id.label(LEARNER), nb.student.c.first_name.label(FIRST_NAME),
        nb.student.c.last_name.label(LAST_NAME), nb.student.c.email.label(EMAIL),
    ).order_by(nb.student.c.id)
    with engine.connect() as conn:
        frame = _frame(conn.execute(statement).all(), columns)
    return frame.fillna({FIRST_NAME: "", LAST_NAME: "", EMAIL: ""})


def read_assignments(engine: Engine, course_id: str | None = None, timezone: str = DEFAULT_TIMEZONE) -> pd.DataFrame:
    """Every assignment of the course: TASK, DUEDATE (the course's local time) and MAX_SCORE, in due-date order."""
    columns = list(_ASSIGNMENT_TYPES)
    if not _has_gradebook_tables(engine):
        return _empty(_ASSIGNMENT_TYPES)
    cell_max = (sa.func.coalesce(nb.grade_cells.c.max_score, 0.0)
                + sa.func.coalesce(nb.task_cells.c.max_score, 0.0))
    statement = (
        sa.select(
            nb.assignment.c.name.label(TASK),
            nb.assignment.c.duedate.label(DUEDATE),
            sa.func.coalesce(sa.func.sum(cell_max), 0.0).label(MAX_SCORE),
        )
        .select_from(nb.assignment)
        .outerjoin(nb.notebook, nb.notebook.c.assignment_id == nb.assignment.c.id)
        .outerjoin(nb.base_cell, nb.base_cell.c.notebook_id == nb.notebook.c.id)
        .outerjoin(nb.grade_cells, nb.grade_cells.c.id == nb.base_cell.c.id)
        .outerjoin(nb.task_cells, nb.task_cells.c.id == nb.base_cell.c.id)
        .group_by(nb.assignment.c.id, nb.assignment.c.name, nb.assignment.c.duedate)
    )
    with engine.connect() as conn:
        frame = _frame(conn.execute(_course_filter(statement, course_id)).all(), columns)
    frame[DUEDATE] = utc_to_course_naive(frame[DUEDATE], timezone)
    frame[MAX_SCORE] = frame[MAX_SCORE].astype(float)
    return frame.sort_values([DUEDATE, TASK], na_position="last").reset_index(drop=True)


def read_submissions(engine: Engine, course_id: str | None = None, timezone: str = DEFAULT_TIMEZONE) -> pd.DataFrame:
    """One row per submitted assignment, aggregated in the database in a single statement.

    Columns: LEARNER, TASK, TIMESTAMP and DUEDATE (the course's local time, the due date including any
    extension), LATE, AUTOGRADED (any cell has a score yet), SCORE (nbgrader's score: a manual
    grade overrides the autograder's), AUTO_SCORE, NEEDS_MANUAL_GRADE.
    """
    columns = list(_SUBMISSION_TYPES)
    if not _has_gradebook_tables(engine):
        return _empty(_SUBMISSION_TYPES)
    g = nb.grade.c
    extra = sa.func.coalesce(g.extra_credit, 0.0)
    # nbgrader's Grade.score, summed: manual score if set, else the autograder's, plus extra credit.
    cell_score = sa.case(
        (g.manual_score.is_not(None), g.manual_score + extra),
        (g.auto_score.is_not(None), g.auto_score + extra),
        else_=0.0,
    )
    statement = (
        sa.select(
            nb.submitted_assignment.c.student_id.label(LEARNER),
            nb.assignment.c.name.label(TASK),
            nb.submitted_assignment.c.timestamp.label(TIMESTAMP),
            nb.assignment.c.duedate.label(DUEDATE),
            nb.submitted_assignment.c.extension.label("extension"),
            sa.func.sum(cell_score).label(SCORE),
            sa.func.sum(sa.func.coalesce(g.auto_score, 0.0)).label(AUTO_SCORE),
            sa.func.max(sa.case((g.needs_manual_grade, 1), else_=0)).label(NEEDS_MANUAL_GRADE),
            sa.func.count(sa.case((g.auto_score.is_not(None), 1), (g.manual_score.is_not(None), 1))).label(AUTOGRADED),
        )
        .select_from(nb.submitted_assignment)
        .join(nb.assignment, nb.assignment.c.id == nb.submitted_assignment.c.assignment_id)
        .outerjoin(nb.submitted_notebook, nb.submitted_notebook.c.assignment_id == nb.submitted_assignment.c.id)
        .outerjoin(nb.grade, g.notebook_id == nb.submitted_notebook.c.id)
        .group_by(
            nb.submitted_assignment.c.id, nb.submitted_assignment.c.student_id, nb.assignment.c.name,
            nb.submitted_assignment.c.timestamp, nb.assignment.c.duedate, nb.submitted_assignment.c.extension,
        )
    )
    with engine.connect() as conn:
        rows = conn.execute(_course_filter(statement, course_id)).all()
    frame = _frame(rows, [LEARNER, TASK, TIMESTAMP, DUEDATE, "extension", SCORE, AUTO_SCORE, NEEDS_MANUAL_GRADE,
                          AUTOGRADED])
    extension = pd.to_timedelta(frame.pop("extension")).fillna(pd.Timedelta(0))
    due_utc = pd.to_datetime(frame[DUEDATE]) + extension
    stamp_utc = pd.to_datetime(frame[TIMESTAMP])
    frame[LATE] = (stamp_utc > due_utc).fillna(False).astype(bool)
    frame[TIMESTAMP] = utc_to_course_naive(stamp_utc, timezone)
    frame[DUEDATE] = utc_to_course_naive(due_utc, timezone)
    frame[AUTOGRADED] = frame[AUTOGRADED].astype(int) > 0
    frame[NEEDS_MANUAL_GRADE] = frame[NEEDS_MANUAL_GRADE].fillna(0).astype(int) > 0
    # Before autograding there are no scores, which is not the same as a score of zero.
    for column in (SCORE, AUTO_SCORE):
        frame[column] = frame[column].astype(float).where(frame[AUTOGRADED])
    return frame[columns]


def release_day(course: Course, task_id: str, released: Mapping[str, dt.date] | None, today: dt.date):
    """The day a task reached the learners: its actual release when `released` knows it, the planned date of a
    task still to come, and None (NaT in frames) for a task whose date has passed but that nobody released.
    `released` None means that nothing is known about actual releases: the plan's dates are taken."""
    task = course.task(task_id)
    if released is None:
        return task.release
    if task_id in released:
        return released[task_id]
    return task.release if task.release > today else None


def tasks_frame(course: Course, released: Mapping[str, dt.date] | None = None,
                today: dt.date | None = None) -> pd.DataFrame:
    """The course plan's tasks as TASK, TASK_NUMBER (as learners see it: 0 for the kickoff), TITLE and RELEASE
    (see release_day: the actual release when `released` is given, as of `today`)."""
    today = today or course_today(course)
    return pd.DataFrame(
        {
            TASK: [t.id for t in course.tasks],
            TASK_NUMBER: [t.number for t in course.tasks],
            TITLE: [t.title for t in course.tasks],
            RELEASE: pd.to_datetime([release_day(course, t.id, released, today) for t in course.tasks]),
        }
    )


def _tasks_from_assignments(assignments: pd.DataFrame) -> pd.DataFrame:
    # Without a course plan the gradebook's due-date order is the best guess at the course order.
    return pd.DataFrame({
        TASK: pd.Series(assignments[TASK].tolist(), dtype=str),
        TASK_NUMBER: pd.Series(range(len(assignments)), dtype=int),
        TITLE: pd.Series(assignments[TASK].tolist(), dtype=str),
        RELEASE: pd.Series(pd.NaT, index=range(len(assignments)), dtype="datetime64[us]"),
    })


def _roster_as_learners(roster: pd.DataFrame | None) -> pd.DataFrame:
    columns = [LEARNER, *ROSTER_FIELDS]
    if roster is None or len(roster) == 0:
        return _with_membership(_empty({column: str for column in columns}))
    frame = _with_membership(roster.rename(columns={"id": LEARNER}))
    frame = frame.reindex(columns=[*columns, *MEMBERSHIP_FIELDS]).fillna({c: "" for c in ROSTER_FIELDS})
    return frame[frame[LEARNER].astype(str).str.strip() != ""].drop_duplicates(LEARNER)


def _with_membership(frame: pd.DataFrame) -> pd.DataFrame:
    """JOINED and LEFT as dates (NaT when unknown or still there) and ACTIVE, whatever the frame brought."""
    frame = frame.copy()
    for column in (JOINED, LEFT):
        values = frame[column] if column in frame.columns else pd.Series(pd.NaT, index=frame.index)
        values = values.where(values.astype(str).str.strip() != "") if values.dtype == object else values
        frame[column] = pd.to_datetime(values, errors="coerce").astype("datetime64[us]")
    if ACTIVE not in frame.columns:
        frame[ACTIVE] = frame[LEFT].isna()
    frame[ACTIVE] = frame[ACTIVE].fillna(True).astype(bool)
    return frame


def roster_status(root: Path | str, on: dt.date | None = None) -> pd.DataFrame:
    """Everyone who has been on the course's roster: id, the roster fields, JOINED (the day they began taking
    part, or came back), LEFT (only if they had left by `on`) and ACTIVE on `on` (the course's today by default).

    The one place analytics and messages ask who takes part (ensak.course.roster.active_learners).
    Someone who joins after `on` is neither active nor a leaver on that day.
    """
    from ensak.course.plan import load_course
    from ensak.course.roster import active_learners, load_roster

    on = on or course_today(load_course(root))
    frame = load_roster(root, include_inactive=True).copy()
    taking_part = active_learners(root, on=on)
    since = dict(zip(taking_part["id"], taking_part["active_since"]))
    frame[JOINED] = [since.get(learner, joined) for learner, joined in zip(frame["id"], frame["joined"])]
    frame[LEFT] = frame["left"].where(frame["left"] <= on.isoformat(), "")
    frame[ACTIVE] = frame["id"].isin(since)
    return _with_membership(frame).reset_index(drop=True)


def assemble_progress(tasks: pd.DataFrame, students: pd.DataFrame, submissions: pd.DataFrame,
                      assignments: pd.DataFrame, roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """The learner × task grid (PROGRESS_COLUMNS) from frames already read; no database access.

    Learners are everyone on the roster and everyone in the gradebook; the roster's names win,
    because it is what the coordinator maintains. Someone in the gradebook but never on the roster
    counts as active. Tasks are the course plan's, in its order.
    """
    people = _roster_as_learners(roster)
    from_gradebook = _with_membership(students[~students[LEARNER].isin(people[LEARNER])].reindex(
        columns=[LEARNER, *ROSTER_FIELDS], fill_value=""))
    learners = pd.concat([people, from_gradebook], ignore_index=True) if len(from_gradebook) else people
    learners = learners.astype({c: str for c in [LEARNER, *ROSTER_FIELDS]}).sort_values(LEARNER)
    learners = learners.astype({JOINED: "datetime64[us]", LEFT: "datetime64[us]", ACTIVE: bool})

    plan = tasks[[TASK, TASK_NUMBER, TITLE, RELEASE]].merge(
        assignments[[TASK, DUEDATE, MAX_SCORE]].rename(columns={DUEDATE: "_plan_due"}), on=TASK, how="left")
    grid = learners.merge(plan, how="cross")
    subs = submissions[submissions[TASK].isin(plan[TASK])]
    grid = grid.merge(subs, on=[LEARNER, TASK], how="left")
    grid[SUBMITTED] = grid[TIMESTAMP].notna()
    grid[DUEDATE] = grid[DUEDATE].fillna(grid.pop("_plan_due"))
    for column in (LATE, AUTOGRADED, NEEDS_MANUAL_GRADE):
        grid[column] = grid[column].fillna(False).astype(bool)
    grid[MAX_SCORE] = grid[MAX_SCORE].astype(float)
    grid[TASK_NUMBER] = grid[TASK_NUMBER].astype(int)
    return grid.sort_values([LEARNER, TASK_NUMBER]).reset_index(drop=True)[PROGRESS_COLUMNS]


def read_progress(engine: Engine, tasks: pd.DataFrame | None = None, roster: pd.DataFrame | None = None,
                  course_id: str | None = None, timezone: str = DEFAULT_TIMEZONE) -> pd.DataFrame:
    """One row per learner × task, submitted or not (PROGRESS_COLUMNS), in three set-based queries."""
    assignments = read_assignments(engine, course_id, timezone)
    if tasks is None:
        tasks = _tasks_from_assignments(assignments)
    return assemble_progress(tasks, read_students(engine), read_submissions(engine, course_id, timezone),
                             assignments, roster)


def load_progress(course_dir: Path | str, gradebook: str | Path | None = None, *,
                  today: dt.date | None = None) -> pd.DataFrame:
    """The progress grid for a course directory: its plan with the tasks' actual releases, everyone who has
    been on its roster (ACTIVE on `today`, the course's today by default) and its gradebook.

    `gradebook` (a URL or a SQLite path) overrides the one nbgrader_config.py names.
    """
    from ensak.course.plan import load_course
    from ensak.nbgrader.api import course_settings, load_config
    from ensak.nbgrader.release import released_on  # here: importing nbgrader takes seconds

    course_dir = Path(course_dir)
    course = load_course(course_dir)
    today = today or course_today(course)
    config = load_config(course_dir)
    settings = course_settings(config)
    engine = open_gradebook(gradebook if gradebook is not None else settings.db_url)
    try:
        tasks = tasks_frame(course, released_on(course_dir, config=config), today)
        return read_progress(engine, tasks, roster_status(course_dir, today), settings.course_id, course.timezone)
    finally:
        engine.dispose()


def learners_in(progress: pd.DataFrame) -> pd.DataFrame:
    """One row per learner of a progress grid: LEARNER and the roster fields (and membership, where the grid has it)."""
    columns = [LEARNER, *ROSTER_FIELDS, *(c for c in MEMBERSHIP_FIELDS if c in progress.columns)]
    return progress[columns].drop_duplicates(LEARNER).reset_index(drop=True)

