"""Backup and restore again (test_backup.py, imported unchanged) with the gradebook on PostgreSQL, and an
archive of an SQLite course restored into a PostgreSQL one (how a course moves to the server)."""

from __future__ import annotations

import itertools
import json

import pytest

pytest.register_assert_rewrite("fixtures_postgres")
from ensak.analytics.gradebook import gradebook_url  # noqa: E402
from ensak.care.backup import (  # noqa: E402
    gradebook_rows,
    read_manifest,
    restore_backup,
    write_backup,
)
from fixtures_postgres import copy_course_on_postgres  # noqa: E402
from test_backup import *  # noqa: E402,F401,F403
from test_backup import snapshot, wipe  # noqa: E402

pytest_plugins = ["fixtures_reliability", "fixtures_postgres"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def backed_up(pg_graded_course, tmp_path_factory):
    archive = write_backup(pg_graded_course, tmp_path_factory.mktemp("arkiv-pg"))
    return {"course": pg_graded_course, "archive": archive, "before": snapshot(pg_graded_course)}


@pytest.fixture
def course_copy(backed_up, postgres, tmp_path):
    """A copy of the course whose gradebook is a new, empty database of its own."""
    return copy_course_on_postgres(backed_up["course"], tmp_path / "kurs", postgres, f"backup_{next(_numbers)}",
                                   with_rows=False)


def rows(course_dir) -> dict:
    return {table: sorted(json.dumps(r, sort_keys=True) for r in records)
            for table, records in gradebook_rows(gradebook_url(course_dir)).items()}


def test_is_a_server_gradebook_archived_as_rows(backed_up):
    manifest = read_manifest(backed_up["archive"])
    assert manifest["gradebook"] == "rows" and "gradebook/rows.json" in manifest["files"]
    assert "gradebook/gradebook.db" not in manifest["files"]


def test_does_an_sqlite_courses_archive_start_the_same_course_on_postgresql(graded_course, postgres, tmp_path):
    archive = write_backup(graded_course, tmp_path / "fran-sqlite.tar.gz")
    target = copy_course_on_postgres(graded_course, tmp_path / "kurs", postgres, "moved", with_rows=False)
    wipe(target)
    result = restore_backup(target, archive)
    assert "PostgreSQL" in " ".join(result.notes)
    assert gradebook_url(target) == postgres.url("moved")
    assert rows(target) == rows(graded_course)


def test_does_a_restore_give_kursbloggen_on_the_server_the_restored_roster(graded_course, postgres, tmp_path,
                                                                          monkeypatch):
    """On Kubernetes the blog reads its copy of the roster in the course database (ENSAK_DB_URL): a course
    restored into a new database must not leave the blog with nobody in it."""
    from ensak.course.roster import read_stored
    from ensak.outreach.kursbloggen.members import published_roster
    from ensak.outreach.kursbloggen.settings import open_course_blog

    archive = write_backup(graded_course, tmp_path / "fran-sqlite.tar.gz")
    target = copy_course_on_postgres(graded_course, tmp_path / "kurs", postgres, "moved_blog", with_rows=False)
    wipe(target)
    monkeypatch.setenv("ENSAK_DB_URL", postgres.url("moved_blog"))
    restore_backup(target, archive)
    _, engine = open_course_blog(target)
    try:
        active, names = published_roster(engine)
    finally:
        engine.dispose()
    stored = read_stored(target)
    assert set(names) == set(stored["id"]) and active == set(stored.loc[stored["left"] == "", "id"]) != set()
