"""`ensak backup` and `ensak restore`: a course's whole state into one archive and back, unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import stat
import tarfile
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ensak.analytics.gradebook import gradebook_url
from ensak.care.backup import (
    BackupError,
    gradebook_rows,
    read_manifest,
    restore_backup,
    write_backup,
)
from ensak.cli import app
from ensak.sync import sync

pytest.register_assert_rewrite("fixtures_reliability")
from fixtures_reliability import COURSE_ID, PEOPLE, T0, copy_course  # noqa: E402

pytest_plugins = ["fixtures_reliability"]
pytestmark = pytest.mark.slow
LEARNERS = [person["id"] for person in PEOPLE]

# The course's state; the course blog's ledger and compiled edition (made by sync) are state too.
STATE = ("submitted", "autograded", "feedback", "outbox", "roster.csv", "exchange", "gradebook", "blog",
         "source/kursbloggen", "release/kursbloggen")


def sqlite_rows(path: Path) -> dict[str, list]:
    with closing(sqlite3.connect(path)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: sorted(map(repr, db.execute(f'SELECT * FROM "{table}"'))) for table in tables}


def snapshot(course_dir: Path) -> dict:
    """Everything the archive should bring back: files by checksum, databases by their rows."""
    files = {}
    for name in STATE:
        for path in sorted((course_dir / name).rglob("*")) if (course_dir / name).is_dir() else [course_dir / name]:
            if not path.is_file():
                continue
            relative = str(path.relative_to(course_dir))
            if path.suffix in (".db", ".sqlite"):
                files[relative] = sqlite_rows(path)
            else:
                files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    rows = {table: sorted(json.dumps(r, sort_keys=True) for r in records)
            for table, records in gradebook_rows(gradebook_url(course_dir)).items()}
    return {"files": files, "gradebook": rows}


def wipe(course_dir: Path) -> None:
    """What a dead disk leaves of a course: the repository's files, no state."""
    for name in STATE:
        path = course_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (course_dir / "gradebook").mkdir()


@pytest.fixture(scope="module")
def backed_up(graded_course, tmp_path_factory):
    archive = write_backup(graded_course, tmp_path_factory.mktemp("arkiv"))
    return {"course": graded_course, "archive": archive, "before": snapshot(graded_course)}


@pytest.fixture
def course_copy(backed_up, tmp_path) -> Path:
    """A copy of the course of the test's own (its exchange and gradebook live inside it)."""
    return copy_course(backed_up["course"], tmp_path / "kurs")


def test_does_the_archive_hold_the_gradebook_submissions_feedback_exchange_roster_and_logs(backed_up):
    manifest = read_manifest(backed_up["archive"])
    names = set(manifest["files"])
    on_sqlite = gradebook_url(backed_up["course"]).startswith("sqlite")
    assert manifest["course_id"] == COURSE_ID and manifest["gradebook"] == ("sqlite" if on_sqlite else "rows")
    assert ("gradebook/gradebook.db" if on_sqlite else "gradebook/rows.json") in names
    assert "gradebook/sync-state.db" in names and "roster.csv" in names and "course.toml" in names
    for learner in LEARNERS:
        assert f"submitted/{learner}/{T0}/{T0}.ipynb" in names
        assert f"autograded/{learner}/{T0}/{T0}.ipynb" in names
        assert any(name.startswith(f"exchange/inbound/{learner}+{T0}+") for name in names)
    assert "outbox/sent-log.sqlite" in names and any(name.endswith(".eml") for name in names)


def test_is_the_archive_readable_by_the_coordinator_alone(backed_up):
    assert stat.S_IMODE(backed_up["archive"].stat().st_mode) == 0o600


def test_does_a_restore_bring_back_exactly_what_was_there(backed_up, course_copy):
    wipe(course_copy)
    result = restore_backup(course_copy, backed_up["archive"])
    assert result.set_aside is None
    assert snapshot(course_copy) == backed_up["before"]
    said = "\n".join(result.restored)
    for part in ("rättningsboken", "roster.csv", "submitted/", "course.toml", "utbytesmappen"):
        assert part in said, said


def test_does_sync_after_a_restore_find_nothing_to_do_again(backed_up, course_copy):
    wipe(course_copy)
    restore_backup(course_copy, backed_up["archive"])
    again = sync(course_copy, workers=1)
    assert (again.collected, again.graded, again.problems) == ([], [], [])


def test_is_a_course_with_content_replaced_only_when_asked_and_nothing_deleted(backed_up, course_copy):
    extra = course_copy / "submitted" / "sen-deltagare" / T0 / "anteckning.txt"
    extra.parent.mkdir(parents=True)
    extra.write_text("inlämnad efter säkerhetskopian", encoding="utf-8")
    with pytest.raises(BackupError, match="--replace"):
        restore_backup(course_copy, backed_up["archive"])
    assert extra.exists(), "a refused restore changes nothing"
    result = restore_backup(course_copy, backed_up["archive"], replace=True)
    assert not extra.exists()
    assert (result.set_aside / "submitted" / "sen-deltagare" / T0 / "anteckning.txt").exists()
    assert snapshot(course_copy) == backed_up["before"]


def test_is_a_damaged_archive_refused_before_anything_changes(backed_up, course_copy, tmp_path):
    wipe(course_copy)
    damaged = tmp_path / "skadad.tar.gz"
    with tarfile.open(backed_up["archive"]) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "roster.csv":
                data = data.replace(b"kalle", b"kalla")
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(BackupError, match="roster.csv stämmer inte"):
        restore_backup(course_copy, damaged)
    assert not (course_copy / "roster.csv").exists() and not (course_copy / "submitted").exists()


def test_is_an_archive_that_writes_outside_the_course_refused(backed_up, course_copy, tmp_path):
    wipe(course_copy)
    evil = tmp_path / "elak.tar.gz"
    with tarfile.open(backed_up["archive"]) as source, tarfile.open(evil, "w:gz") as target:
        member = source.getmember("manifest.json")
        target.addfile(member, source.extractfile(member))
        outside = tarfile.TarInfo("../utanfor.txt")
        outside.size = 3
        target.addfile(outside, io.BytesIO(b"hej"))
    with pytest.raises(BackupError, match="inte hör hemma"):
        restore_backup(course_copy, evil)
    assert not (course_copy.parent / "utanfor.txt").exists()


def test_do_the_commands_back_up_and_restore(course_copy, tmp_path):
    runner = CliRunner()
    made = runner.invoke(app, ["backup", "--out", str(tmp_path / "kopia.tar.gz"), "-C", str(course_copy)])
    assert made.exit_code == 0, made.output
    assert "Säkerhetskopian är sparad" in made.output and (tmp_path / "kopia.tar.gz").exists()
    refused = runner.invoke(app, ["restore", str(tmp_path / "kopia.tar.gz"), "-C", str(course_copy)])
    assert refused.exit_code == 1 and "--replace" in refused.output
    done = runner.invoke(app, ["restore", str(tmp_path / "kopia.tar.gz"), "--replace", "-C", str(course_copy)])
    assert done.exit_code == 0, done.output
    assert "Återställt" in done.output and "restore-" in done.output
