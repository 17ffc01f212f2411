"""A coordinator's month on the shipped course, run exactly as README.md and docs/coordinator.md tell her:
a copy of the repository (its own nbgrader_config.py and course.toml), the `ensak` executable by its full
path with the virtual environment not on PATH (as a cron line runs it), in the course directory.

The month: the roster from HR, the first task released, colleagues hand in, a sync grades them, and while
it is grading a GDPR erasure and a new HR list come in; both wait for the sync and the erased colleague is
gone from every table and file, for good. Then a backup, and a restore into a fresh checkout that brings
back the coordinator's own settings too.
"""

from __future__ import annotations

import datetime as dt
import tarfile
import threading
import time

import pytest
from nbgrader.api import Gradebook

from ensak.course.lock import lock_path
from shipped_course import (
    FIRST_TASK,
    PEOPLE,
    Coordinator,
    Learners,
    files_mentioning,
    learner_id,
    rows_mentioning,
    shipped_course,
    snapshot,
    spellings,
    staff_csv,
)

pytestmark = pytest.mark.slow

MARTA, PER, BJORN, ANNA_MARIA = PEOPLE
NEWCOMER = {"first_name": "Lars", "last_name": "Ny", "email": "lars.ny@vaxjo.example", "unit": "Filial Öst",
            "role": "Bibliotekarie"}
# Enough hand-ins that a one-worker sync is still grading when the erasure and the new list arrive.
EXTRA = [{"first_name": name, "last_name": "Kollega", "email": f"{name.lower()}.kollega@vaxjo.example",
          "unit": "Filial Öst", "role": "Bibliotekarie"} for name in ("Elsa", "Fredrik", "Gun")]
EVERYONE = [*PEOPLE, *EXTRA]
SUBMITTED = dt.datetime(2027, 1, 14, 9, tzinfo=dt.timezone.utc)


def students(course) -> dict[str, tuple]:
    with Gradebook(f"sqlite:///{course / 'gradebook' / 'gradebook.db'}", "ensak") as gb:
        return {s.id: (s.first_name, s.last_name, s.email, len(s.submissions)) for s in gb.students}


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    root = tmp_path_factory.mktemp("manad")
    course = shipped_course(root / "kurs")
    shipped = snapshot(course)
    coordinator = Coordinator(course, root / "hem")
    steps = {"course": course, "shipped": shipped, "coordinator": coordinator, "root": root}
    steps["import"] = coordinator.run("roster", "import", str(staff_csv(root / "personal.csv", EVERYONE)))
    steps["release"] = coordinator.run("release", FIRST_TASK)
    learners = Learners(course, root / "hemkataloger")
    for person in EVERYONE:
        learners.hand_in(learner_id(person), when=SUBMITTED, reflection=f"Jag heter {person['first_name']}.")

    # The sync grades one submission at a time; the erasure and the new HR list arrive meanwhile.
    sync = coordinator.start("sync", "--workers", "1")
    wait_until(lambda: lock_path(course).read_text(encoding="utf-8").startswith("ensak sync")
               if lock_path(course).exists() else False, 120, "the sync to take the lock")
    wait_until(lambda: (course / "autograded").is_dir() and any((course / "autograded").iterdir()), 180,
               "the sync to start grading")
    without_marta = [p for p in EVERYONE if p is not MARTA] + [NEWCOMER]
    new_list = staff_csv(root / "personal-februari.csv", without_marta)
    runs = {}
    threads = [threading.Thread(target=lambda: runs.__setitem__("forget", coordinator.run(
                   "forget", learner_id(MARTA), "--yes"))),
               threading.Thread(target=lambda: runs.__setitem__("reimport", coordinator.run(
                   "roster", "import", str(new_list))))]
    for thread in threads:
        thread.start()
    out, err = sync.communicate(timeout=900)
    for thread in threads:
        thread.join(timeout=900)
    steps["sync"] = (sync.returncode, out + err)
    steps.update(runs)
    # A later sync (cron runs one every few minutes) must not bring her back either.
    steps["sync again"] = coordinator.run("sync")
    return steps


def test_does_the_roster_import_work_by_full_path_without_the_venv_on_path(month):
    result = month["import"]
    assert result.code == 0, result.text
    assert f"Nya: {len(EVERYONE)}" in result.out
    assert "Anna Maria von Platen (anna-maria_von-platen)" in result.out
    assert "Traceback" not in result.text


def test_is_the_gradebook_made_whole_so_that_nbgrader_can_upgrade_it(month):
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(month["course"] / "gradebook" / "gradebook.db")) as db:
        [(version,)] = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert version


def test_were_the_task_released_and_everyone_graded(month):
    assert month["release"].code == 0, month["release"].text
    code, output = month["sync"]
    assert code == 0, output
    graded = students(month["course"])
    for person in EVERYONE[1:]:
        assert graded[learner_id(person)][3] == 1, learner_id(person)


def test_did_the_erasure_and_the_new_list_wait_for_the_sync_and_say_so(month):
    for name in ("forget", "reimport"):
        result = month[name]
        assert result.code == 0, result.text
        assert "Kursen är upptagen: ensak sync" in result.err and "Väntar" in result.err, result.text
        assert "Traceback" not in result.text
    assert "Borttaget för marta_hakansson" in month["forget"].out
    assert "Lars Ny (lars_ny)" in month["reimport"].out


def test_is_the_erased_colleague_absent_from_every_table_and_file(month):
    course = month["course"]
    marta = {**MARTA, "id": learner_id(MARTA)}
    assert month["sync again"].code == 0, month["sync again"].text
    words = spellings(marta)
    for database in sorted(course.rglob("*.db")) + sorted(course.rglob("*.sqlite")):
        assert rows_mentioning(database, words) == [], database
    assert files_mentioning(course, words, shipped=month["shipped"]) == {}
    assert learner_id(MARTA) not in students(course)


def test_is_everyone_else_kept_and_the_newcomer_added(month):
    course = month["course"]
    graded = students(course)
    assert set(graded) == {learner_id(p) for p in EVERYONE[1:]} | {"lars_ny"}
    roster = (course / "roster.csv").read_text(encoding="utf-8")
    assert "lars_ny" in roster and learner_id(MARTA) not in roster


@pytest.fixture(scope="module")
def restored(month):
    """The coordinator's settings edited, a backup, and a restore into a fresh checkout."""
    from ensak.outreach.blog import write_ledger

    course, coordinator, root = month["course"], month["coordinator"], month["root"]
    plan = course / "course.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('organisation = "Biblioteket"',
                                                             'organisation = "Växjö stadsbibliotek"'),
                    encoding="utf-8")
    edited = coordinator.run("message", "invitation", "--edit")
    template = course / "messages" / "invitation.txt.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nVälkommen från Karin på Växjö stadsbibliotek!\n",
                        encoding="utf-8")
    write_ledger(course, [])  # the course blog's comments, as `ensak blog` keeps them
    made = coordinator.run("backup", "--out", str(root / "kopia.tar.gz"))
    fresh = Coordinator(shipped_course(root / "ny-kurs"), root / "hem")
    back = fresh.run("restore", str(root / "kopia.tar.gz"))
    again = fresh.run("sync")
    return {"edited": edited, "made": made, "fresh": fresh, "back": back, "again": again, "course": course}


def test_does_the_backup_hold_the_coordinators_own_files(restored):
    assert restored["edited"].code == 0, restored["edited"].text
    assert restored["made"].code == 0, restored["made"].text
    with tarfile.open(restored["fresh"].course.parent / "kopia.tar.gz") as archive:
        names = set(archive.getnames())
    assert {"course.toml", "roster.csv", "messages/invitation.txt.j2", "blog/comments.json",
            "gradebook/gradebook.db"} <= names


def test_does_a_restore_into_a_fresh_checkout_bring_back_the_course_and_say_what(restored):
    back, fresh, course = restored["back"], restored["fresh"].course, restored["course"]
    assert back.code == 0, back.text
    for said in ("course.toml", "messages/", "roster.csv", "rättningsboken", "blog/"):
        assert said in back.out, back.out
    assert 'organisation = "Växjö stadsbibliotek"' in (fresh / "course.toml").read_text(encoding="utf-8")
    assert "Karin på Växjö" in (fresh / "messages" / "invitation.txt.j2").read_text(encoding="utf-8")
    assert (fresh / "roster.csv").read_bytes() == (course / "roster.csv").read_bytes()
    assert students(fresh) == students(course)
    # The shipped course.toml it replaced is kept, not deleted.
    assert [p.name for p in fresh.glob("restore-*/course.toml")] == ["course.toml"]


def test_does_sync_after_the_restore_find_nothing_new(restored):
    again = restored["again"]
    assert again.code == 0, again.text
    assert "Insamlade: 0. Rättade: 0." in again.out or "Inget nytt" in again.out, again.out
