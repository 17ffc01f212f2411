"""Kursbloggen in the gradebook's PostgreSQL database: its prefixed tables and own alembic version table beside
nbgrader's, the queries, backup and erase on a real server."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ensak.outreach.kursbloggen import care, digest, queries, store
from ensak.outreach.kursbloggen.database import blog_db_url, current_revision, downgrade_database, open_blog_database

pytestmark = pytest.mark.postgres
pytest_plugins = ["fixtures_postgres"]

START = dt.datetime(2027, 1, 20, 9, tzinfo=dt.timezone.utc)
ANNA, BO = store.Member("anna.ek", "Anna Ek"), store.Member("bo.ahl", "Bo Åhl")


def test_does_the_blog_live_beside_nbgraders_tables_in_the_gradebook_database(postgres, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.delenv("ENSAK_BLOG_DB_URL", raising=False)
    gradebook = postgres.create_database("kursbloggen_delad")
    with Gradebook(gradebook, "ensak") as nbgrader_gradebook:
        nbgrader_gradebook.add_student("anna.ek")
    url = blog_db_url(tmp_path, gradebook)
    assert url == gradebook
    engine = open_blog_database(url)
    try:
        with engine.connect() as conn:
            nbgrader_version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert current_revision(engine) == "0002_roster"

        post_id = store.share_reflection(engine, ANNA, "00-valkommen", "Å ä ö på PostgreSQL", share=True,
                                         publish=True, now=START)
        comment = store.add_comment(engine, BO, post_id, "Svar", now=START + dt.timedelta(minutes=1))
        store.add_comment(engine, ANNA, post_id, "Svar på svaret", parent_id=comment, now=START + dt.timedelta(minutes=2))
        assert queries.unread(engine, ANNA).replies == 1 and queries.unread(engine, BO).replies == 1
        assert [depth for _, depth in queries.thread(queries.post_comments(engine, post_id))] == [0, 1]
        store.set_digest(engine, "anna.ek", True, now=START)
        assert digest.take_digests(engine, START + dt.timedelta(hours=1))[0].summary == "1 svar på ditt inlägg"

        dump = care.dump_blog(engine)
        care.load_blog(engine, dump)
        later = store.create_post(engine, BO, kind="tips", title="Efter återställning", body="Text", now=START)
        assert later > post_id, "the id sequences continue after restored rows"

        assert care.erase_member(engine, "anna.ek").posts == 1 and care.mentions(engine, "anna.ek") == 0
        downgrade_database(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == nbgrader_version
        tables = set(sa.inspect(engine).get_table_names())
        assert "student" in tables and not any(t.startswith("kursbloggen_") and t != "kursbloggen_alembic_version"
                                               for t in tables)
    finally:
        engine.dispose()
