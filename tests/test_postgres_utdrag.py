"""`ensak utdrag` again (test_utdrag.py, imported unchanged) with the gradebook, and Kursbloggen beside it, on
PostgreSQL through ENSAK_DB_URL, as docs/coordinator.md sets it up; no row of any table changes."""

from __future__ import annotations

import json

import pytest

pytest.register_assert_rewrite("fixtures_postgres")
from test_utdrag import *  # noqa: E402,F401,F403
from test_utdrag import MARTA, MARTAS_POST, learner_id  # noqa: E402

pytest_plugins = ["fixtures_postgres"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def db_url(postgres) -> str:
    return postgres.create_database("utdrag")


def test_were_gradebook_and_blog_read_from_the_server(course, db_url):
    from test_utdrag import every_row

    assert not (course["course"] / "gradebook" / "gradebook.db").exists()
    assert not (course["course"] / "blog" / "kursbloggen.db").exists()
    rows = every_row(db_url)
    assert any(MARTAS_POST in row for row in rows["kursbloggen_posts"])
    assert course["extract"].code == 0 and "Kursbloggen" in course["extract"].out
    # Her name in the blog's copy of the roster (kept in the server database for a blog that runs apart).
    blog = json.loads((course["out"] / "kursbloggen.json").read_text(encoding="utf-8"))
    assert [row["id"] for row in blog["roster"]] == [learner_id(MARTA)]
