"""The bad-submission tests again (test_bad_submissions.py, imported unchanged) with the gradebook on
PostgreSQL: the same scores, lateness and messages through the server."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("fixtures_postgres")
from fixtures_postgres import released_course_on_postgres  # noqa: E402
from test_bad_submissions import *  # noqa: E402,F401,F403
from test_bad_submissions import T0, T1  # noqa: E402

pytest_plugins = ["fixtures_postgres"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def bad_course(postgres, tmp_path_factory):
    return released_course_on_postgres(postgres, tmp_path_factory.mktemp("bad-pg") / "kurs", "bad", [T0, T1])


def test_are_the_scores_really_on_the_postgresql_server(synced, cohort, postgres):
    from ensak.analytics.gradebook import gradebook_url

    assert gradebook_url(cohort.course_dir) == postgres.url("bad")
    assert not (cohort.course_dir / "gradebook" / "gradebook.db").exists()
