"""`ensak forget` again (test_forget.py, imported unchanged) with the gradebook on PostgreSQL, and no
row of any table on the server left mentioning the learner."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("fixtures_postgres")
from fixtures_postgres import copy_course_on_postgres, text_rows_mentioning  # noqa: E402
from test_forget import *  # noqa: E402,F401,F403
from test_forget import GRETA, OTHERS  # noqa: E402

pytest_plugins = ["fixtures_reliability", "fixtures_postgres"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def graded_course(pg_graded_course, postgres, tmp_path_factory):
    return copy_course_on_postgres(pg_graded_course, tmp_path_factory.mktemp("forget-pg") / "kurs", postgres,
                                   "forget")


def test_is_nothing_of_the_learner_left_in_any_table_on_the_server(forgotten, postgres):
    from ensak.analytics.gradebook import gradebook_url

    url = gradebook_url(forgotten["course"])
    assert url == postgres.url("forget")
    words = [GRETA["id"], GRETA["first_name"], GRETA["last_name"], GRETA["email"]]
    assert text_rows_mentioning(url, words) == []
    assert text_rows_mentioning(url, [OTHERS[0]["email"]]), "the others are still there"
