"""The analytics tests again, with the fixture course's gradebook on a real PostgreSQL server.

The tests themselves are the SQLite ones, imported unchanged; only the fixtures that say where the
gradebook lives are replaced here, so both databases must give the very same numbers.
"""

from __future__ import annotations

import itertools

import pytest

pytest.register_assert_rewrite("fixtures_analytics", "fixtures_postgres")
from fixtures_analytics import build_analytics_course  # noqa: E402
from test_gradebook import *  # noqa: E402,F401,F403
from test_progress import *  # noqa: E402,F401,F403
from test_report import *  # noqa: E402,F401,F403

pytest_plugins = ["fixtures_analytics", "fixtures_postgres"]
pytestmark = pytest.mark.postgres

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def analytics_course(tmp_path_factory, postgres):
    """The same fixture course, its gradebook (with the second course sharing it) on PostgreSQL."""
    return build_analytics_course(tmp_path_factory.mktemp("analytics-pg") / "kurs",
                                  postgres.create_database("analys"))


@pytest.fixture
def stock_gradebook_url(postgres) -> str:
    """A fresh database of the test's own, with the tables exactly as nbgrader creates them."""
    from nbgrader.api import Gradebook

    url = postgres.create_database(f"stock_{next(_numbers)}")
    with Gradebook(url, course_id=COURSE_ID):  # noqa: F405  (COURSE_ID comes with test_gradebook)
        pass
    return url


def test_is_the_fixture_gradebook_really_on_the_postgresql_server(analytics_course, postgres):
    import sqlalchemy as sa

    assert analytics_course.db_url == postgres.url("analys")
    engine = sa.create_engine(analytics_course.db_url)
    with engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        assert connection.execute(sa.text("SELECT count(*) FROM submitted_assignment")).scalar() == 41
    engine.dispose()
