"""The course cycle tests again, with the course's gradebook on a real PostgreSQL server.

The tests are test_cycle.py's, imported unchanged; only `released_course` is replaced, by an
instance whose nbgrader_config.py points at PostgreSQL, so collect, autograde and the scores read
back all go through the server.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("fixtures_postgres")
from fixtures_postgres import released_course_on_postgres  # noqa: E402
from test_cycle import *  # noqa: E402,F401,F403
from test_cycle import TASK  # noqa: E402

pytest_plugins = ["fixtures_postgres"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def released_course(postgres, tmp_path_factory):
    return released_course_on_postgres(postgres, tmp_path_factory.mktemp("cycle-pg") / "kurs", "cycle", [TASK])


def test_are_the_cycles_grades_really_on_the_postgresql_server(cycle, postgres):
    import sqlalchemy as sa

    from ensak.analytics.gradebook import gradebook_url

    assert gradebook_url(cycle["course"]) == postgres.url("cycle")
    assert not (cycle["course"] / "gradebook" / "gradebook.db").exists()
    engine = sa.create_engine(postgres.url("cycle"))
    with engine.connect() as connection:
        graded = connection.execute(sa.text(
            "SELECT count(*) FROM submitted_assignment s JOIN assignment a ON a.id = s.assignment_id "
            "WHERE a.name = :task"), {"task": TASK}).scalar()
    engine.dispose()
    assert graded == 5
