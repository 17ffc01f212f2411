"""Reading nbgrader's gradebook: the added indexes and the learner × task frames.

Expected numbers come from the fixture course's tables in fixtures_analytics.py, worked out by hand.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from ensak.analytics.gradebook import (
    AUTO_SCORE,
    AUTOGRADED,
    DUEDATE,
    FIRST_NAME,
    LATE,
    LEARNER,
    MAX_SCORE,
    NEEDS_MANUAL_GRADE,
    PROGRESS_COLUMNS,
    SCORE,
    SUBMITTED,
    TASK,
    TIMESTAMP,
    UNIT,
    ensure_indexes,
    load_progress,
    open_gradebook,
    read_assignments,
    read_progress,
    read_submissions,
)

# The fixtures module is also loaded as a plugin (pytest_plugins below): let pytest rewrite its asserts.
pytest.register_assert_rewrite("fixtures_analytics")
from fixtures_analytics import COURSE_ID  # noqa: E402

pytest_plugins = ["fixtures_analytics"]

EXPECTED_INDEXES = {
    ("grade", "notebook_id"),
    ("comment", "notebook_id"),
    ("submitted_notebook", "assignment_id"),
    ("submitted_assignment", "student_id"),
    ("base_cell", "notebook_id"),
}


def single_column_indexes(engine) -> set[tuple[str, str]]:
    inspector = sa.inspect(engine)
    found = set()
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            if len(index["column_names"]) == 1:
                found.add((table, index["column_names"][0]))
    return found


def schema(engine) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    return {table: [c["name"] for c in inspector.get_columns(table)] for table in inspector.get_table_names()}


@pytest.fixture(scope="module")
def stock_gradebook_file(tmp_path_factory) -> Path:
    """A new, empty gradebook exactly as nbgrader creates it (which takes nbgrader a few seconds)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("stock") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", course_id=COURSE_ID):
        pass
    return path


@pytest.fixture
def stock_gradebook_url(stock_gradebook_file, tmp_path) -> str:
    """A copy of the stock gradebook of the test's own."""
    shutil.copy2(stock_gradebook_file, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def test_does_opening_a_gradebook_add_the_five_missing_indexes_once(stock_gradebook_url):
    engine = sa.create_engine(stock_gradebook_url)
    before_schema = schema(engine)
    assert not EXPECTED_INDEXES & single_column_indexes(engine), "nbgrader now indexes these itself"

    created = ensure_indexes(engine)

    assert len(created) == 5
    assert EXPECTED_INDEXES <= single_column_indexes(engine)
    assert ensure_indexes(engine) == [], "a second open must not create anything"
    assert schema(engine) == before_schema, "tables and columns must stay nbgrader's"
    engine.dispose()


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own add_submission
def test_does_nbgrader_still_work_on_a_gradebook_ensak_has_indexed(stock_gradebook_url):
    from nbgrader.api import Gradebook

    open_gradebook(stock_gradebook_url).dispose()
    with Gradebook(stock_gradebook_url, course_id=COURSE_ID) as gb:
        gb.add_assignment("00-prov")
        gb.add_notebook("00-prov", "00-prov")
        gb.add_grade_cell("kontroll", "00-prov", "00-prov", max_score=1, cell_type="code")
        gb.add_student("anna")
        gb.add_submission("00-prov", "anna")
        assert gb.find_submission("00-prov", "anna").max_score == 1


def test_does_a_gradebook_nbgrader_has_not_created_yet_read_as_empty(tmp_path):
    engine = open_gradebook(tmp_path / "finns-inte-an.db")
    assert read_submissions(engine).empty
    assert read_assignments(engine).empty
    assert read_progress(engine).empty
    engine.dispose()


@pytest.fixture(scope="module")
def engine(analytics_course):
    engine = open_gradebook(analytics_course.db_url)
    yield engine
    engine.dispose()


def test_are_only_this_courses_submissions_read(engine):
    ours = read_submissions(engine, COURSE_ID)
    everything = read_submissions(engine)
    assert len(ours) == 40
    assert len(everything) == 41
    assert "x-annan" not in set(ours[TASK])


def submission(frame: pd.DataFrame, learner: str, task: str) -> pd.Series:
    rows = frame[(frame[LEARNER] == learner) & (frame[TASK] == task)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_are_scores_and_manual_grading_summed_as_nbgrader_does(engine):
    subs = read_submissions(engine, COURSE_ID)
    fully_graded = submission(subs, "anna", "00-valkommen")
    assert (fully_graded[SCORE], fully_graded[AUTO_SCORE], fully_graded[NEEDS_MANUAL_GRADE]) == (4.0, 2.0, False)
    partial = submission(subs, "dan", "02-sok")
    assert (partial[SCORE], partial[AUTO_SCORE], partial[NEEDS_MANUAL_GRADE]) == (3.0, 1.0, False)
    waiting = submission(subs, "eva", "01-blogg")
    assert (waiting[SCORE], waiting[NEEDS_MANUAL_GRADE]) == (2.0, True)


def test_is_a_submission_not_yet_autograded_without_a_score_rather_than_zero(engine):
    collected_only = submission(read_submissions(engine, COURSE_ID), "jon", "03-bild")
    assert not collected_only[AUTOGRADED]
    assert math.isnan(collected_only[SCORE])
    assert collected_only[NEEDS_MANUAL_GRADE]


def test_are_times_local_and_extensions_counted_when_deciding_late(engine):
    subs = read_submissions(engine, COURSE_ID)
    anna = submission(subs, "anna", "00-valkommen")
    assert anna[TIMESTAMP] == pd.Timestamp("2027-01-12 13:00")  # 12:00 UTC is 13:00 in Sweden in winter
    assert submission(subs, "dan", "02-sok")[LATE]
    extended = submission(subs, "eva", "01-blogg")
    assert not extended[LATE]
    assert extended[DUEDATE] == pd.Timestamp("2027-03-10 23:00")  # 8 February 22:00 UTC + 30 days, local
    assert int(subs[LATE].sum()) == 1


def test_does_each_task_know_its_maximum_score(engine):
    assignments = read_assignments(engine, COURSE_ID)
    assert list(assignments[TASK]) == ["00-valkommen", "01-blogg", "02-sok", "03-bild", "04-avslutning"]
    assert list(assignments[MAX_SCORE]) == [4.0] * 5


def test_is_there_one_row_per_learner_and_task_with_the_roster_alongside(analytics_course):
    progress = load_progress(analytics_course.root, analytics_course.db_url)
    assert list(progress.columns) == PROGRESS_COLUMNS
    assert len(progress) == 11 * 5
    assert int(progress[SUBMITTED].sum()) == 40
    gustav = progress[progress[LEARNER] == "gustav"]
    assert len(gustav) == 5 and not gustav[SUBMITTED].any(), "on the roster, never in the gradebook"
    assert set(gustav[UNIT]) == {"Filial Norr"}
    assert set(progress.loc[progress[LEARNER] == "anna", FIRST_NAME]) == {"Anna"}


def test_is_the_grid_read_with_a_few_queries_rather_than_one_per_learner(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        progress = read_progress(engine, course_id=COURSE_ID)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    learners = progress[LEARNER].nunique()
    data_queries = [s for s in statements if "sqlite_master" not in s and "pg_catalog" not in s
                    and "information_schema" not in s]
    assert learners == 10
    assert len(data_queries) == 3, data_queries
