"""Benchmark `ensak sync` against stock serial `nbgrader autograde`, and time a sync with nothing new.

    python bench/sync.py [--learners 20] [--large 200] [--keep]

1. A course instance with every task generated; a cohort of 20 simulated learners fetches, answers
   through the widgets and submits the first 12 tasks: 240 submissions.
2. The same submissions, in two copies of the instance: `ensak sync` (collect, parallel autograde,
   feedback) on one, stock `nbgrader autograde "*"` (one serial run, after an untimed collect) on the
   other. Both are timed as the coordinator would run them, as commands; their scores must agree.
3. `ensak sync` again with nothing new, at 20 learners and at 200. The 200-learner course is built
   in its graded state from the 20-learner course's real gradings (each of its learners handed in
   what one of the 20 did; submissions, graded copies, exchange entries, gradebook and journal rows
   are copied under the new names), then synced once untimed so that it settles: grading its 2400
   notebooks for real would take this machine half an hour, and the timed resync reads the same
   numbers of folders and rows either way.

The last line is fixed (issue 5):
submissions=240 sync_s=<s> serial_s=<s> speedup=<x> resync20_s=<s> resync200_s=<s>
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import chdir, closing
from pathlib import Path

TASKS = 12


def log(message: str) -> None:
    print(message, flush=True)


def venv_env() -> dict[str, str]:
    # nbgrader runs `alembic` and `ensak` runs from the same environment as this script.
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def timed(command: list[str], cwd: Path | None = None, nice: bool = False, check: bool = True) -> float:
    prefix = ["nice", "-n", "19"] if nice else []
    start = time.perf_counter()
    result = subprocess.run(prefix + command, cwd=cwd, env=venv_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        if check:
            raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}")
        log(f"  (exit {result.returncode}: {result.stdout.strip().splitlines()[-1][:200]})")
    return elapsed


def generated_template(work: Path) -> Path:
    """The course with every task generated into its own gradebook and released, nobody submitted yet."""
    from ensak.course.instance import create_instance
    from ensak.course.plan import load_course
    from ensak.demo import demo_config
    from ensak.nbgrader.release import generate_release, release_tasks

    course_dir = create_instance(work / "mall" / "kurs")
    generate_release(course_dir)
    course = load_course(course_dir)
    if len(course.tasks) < TASKS:
        raise SystemExit(f"The course has {len(course.tasks)} tasks; the benchmark needs {TASKS}.")
    release_tasks(course_dir, course.task_ids, config=demo_config(course_dir)).released_or_raise()
    return course_dir


def cohort_course(template: Path, target: Path, learners: int, seed: int) -> tuple[Path, int]:
    """A copy of the template in which `learners` simulated learners submit the first 12 tasks each."""
    from ensak.course.plan import load_course
    from ensak.course.roster import write_roster
    from ensak.demo import demo_config, make_cohort, roster_frame, simulate_learner

    course_dir = target / "kurs"
    shutil.copytree(template, course_dir, symlinks=True)
    course = load_course(course_dir)
    config = demo_config(course_dir)
    rng = random.Random(seed)
    cohort = make_cohort(learners, len(course.tasks), rng)
    for person in cohort:
        person.tasks_to_do = TASKS
    write_roster(course_dir, roster_frame(cohort))
    submissions = 0
    for number, person in enumerate(cohort, start=1):
        submissions += len(simulate_learner(person, course, config, target / "deltagare", rng))
        if number % 50 == 0:
            log(f"  {number} of {learners} learners have submitted")
    return course_dir, submissions


# Gradebook tables with a row per learner, in the order they refer to each other.
LEARNER_TABLES = ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")


def copy_learner_folder(source: Path, target: Path, *, link: bool = False) -> None:
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, copy_function=os.link if link else shutil.copy2)


def cloned_course(small: Path, target: Path, learners: int, seed: int) -> tuple[Path, int]:
    """A course of `learners` learners in its graded state, made from the small course's gradings.

    Learner i hands in what learner i % 20 of the small course handed in: their submitted/,
    autograded/ (hard links: nothing changes them) and exchange entries are copied under the new
    name, and so are their gradebook rows (new ids) and journal rows, as the real first sync would
    have written them.
    """
    from ensak.course.plan import load_course
    from ensak.course.roster import write_roster
    from ensak.demo import demo_config, make_cohort, roster_frame
    from ensak.sync.journal import state_path
    from ensak.sync.phases import inbound_digests

    course_dir = target / "kurs"
    course = load_course(small)
    config = demo_config(small)
    inbound = Path("exchange") / config.CourseDirectory.course_id / "inbound"
    skip = {small / name for name in ("submitted", "autograded", "feedback", "cache", "roster.csv")} | {small / inbound}
    shutil.copytree(small, course_dir, symlinks=True, ignore=lambda folder, names: [
        name for name in names if Path(folder) / name in skip])
    (course_dir / inbound).mkdir(parents=True)
    cohort = make_cohort(learners, len(course.tasks), random.Random(seed))
    write_roster(course_dir, roster_frame(cohort))
    sources = sorted(p.name for p in (small / "submitted").iterdir())
    clone_of = {person.id: sources[number % len(sources)] for number, person in enumerate(cohort)}
    renamed: dict[tuple[str, str], str] = {}  # (new learner, old exchange entry) -> new entry
    entries = sorted((small / inbound).iterdir())
    for new, old in clone_of.items():
        copy_learner_folder(small / "submitted" / old, course_dir / "submitted" / new)
        copy_learner_folder(small / "autograded" / old, course_dir / "autograded" / new, link=True)
        copy_learner_folder(small / "feedback" / old, course_dir / "feedback" / new)
        for entry in entries:
            if entry.name.startswith(f"{old}+"):
                renamed[(new, entry.name)] = f"{new}+{entry.name.split('+', 1)[1]}"
                copy_learner_folder(entry, course_dir / inbound / renamed[(new, entry.name)])
    clone_gradebook_rows(course_dir / "gradebook" / "gradebook.db", clone_of)
    with closing(sqlite3.connect(state_path(course_dir), isolation_level=None)) as state:
        state.execute("BEGIN")
        state.execute("DELETE FROM events")
        for table, column in (("collected", "inbound"), ("graded", "timestamp"), ("feedback", "fingerprint")):
            rows = state.execute(f"SELECT learner, task, {column}, at FROM {table}").fetchall()
            state.execute(f"DELETE FROM {table}")
            by_learner: dict[str, list] = {}
            for row in rows:
                by_learner.setdefault(row[0], []).append(row)
            for new, old in clone_of.items():
                for _, task, value, at in by_learner.get(old, []):
                    value = renamed.get((new, value), value) if table == "collected" else value
                    state.execute(f"INSERT INTO {table} (learner, task, {column}, at) VALUES (?, ?, ?, ?)",
                                  (new, task, value, at))
                    state.execute("INSERT INTO events (step, learner, task, detail, at) VALUES (?, ?, ?, ?, ?)",
                                  (table, new, task, value, at))
        digests = inbound_digests(course_dir / inbound, course.task_ids)
        for (task,) in state.execute("SELECT task FROM inbound").fetchall():
            state.execute("UPDATE inbound SET digest = ? WHERE task = ?", (digests[task], task))
        state.execute("COMMIT")
    with closing(sqlite3.connect(course_dir / "gradebook" / "gradebook.db")) as gradebook:
        submissions = gradebook.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0]
    return course_dir, submissions


def clone_gradebook_rows(path: Path, clone_of: dict[str, str]) -> None:
    """Replace the learners' rows of an nbgrader SQLite gradebook by copies for `clone_of` (new -> old)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        rows = {table: db.execute(f"SELECT * FROM {table}").fetchall() for table in LEARNER_TABLES}
        columns = {table: [c[1] for c in db.execute(f"PRAGMA table_info({table})")] for table in LEARNER_TABLES}
        db.execute("BEGIN")
        for table in reversed(LEARNER_TABLES):
            db.execute(f"DELETE FROM {table}")

        def insert(table: str, row: tuple) -> None:
            db.execute(f"INSERT INTO {table} ({', '.join(columns[table])}) VALUES ({', '.join('?' * len(row))})", row)

        # Rows keyed by what they belong to: assignments by learner, notebooks by assignment, grades and
        # comments by notebook. ids are new; everything else is copied.
        children = {table: {} for table in LEARNER_TABLES}
        parent_column = {"submitted_assignment": "student_id", "submitted_notebook": "assignment_id",
                         "grade": "notebook_id", "comment": "notebook_id"}
        for table, column in parent_column.items():
            at = columns[table].index(column)
            for row in rows[table]:
                children[table].setdefault(row[at], []).append(row)
        students = {row[0]: row for row in rows["student"]}

        def copy(table: str, row: tuple, new_parent: str) -> str:
            new_id = uuid.uuid4().hex
            values = list(row)
            values[0] = new_id
            values[columns[table].index(parent_column[table])] = new_parent
            insert(table, tuple(values))
            return new_id

        for new, old in clone_of.items():
            insert("student", (new, *students[old][1:]))
            for assignment in children["submitted_assignment"].get(old, []):
                new_assignment = copy("submitted_assignment", assignment, new)
                for notebook in children["submitted_notebook"].get(assignment[0], []):
                    new_notebook = copy("submitted_notebook", notebook, new_assignment)
                    for table in ("grade", "comment"):
                        for row in children[table].get(notebook[0], []):
                            copy(table, row, new_notebook)
        db.execute("COMMIT")


def graded_twice(course_dir: Path) -> int:
    """Gradings the journal holds more than once per submission (0 when a resync graded nothing)."""
    from ensak.sync.journal import state_path

    with closing(sqlite3.connect(state_path(course_dir))) as state:
        return state.execute("SELECT count(*) - count(DISTINCT learner || '/' || task || '/' || detail) FROM events "
                             "WHERE step = 'graded'").fetchone()[0]


def scores(course_dir: Path) -> dict[tuple[str, str], float]:
    import sqlalchemy as sa
    from nbgrader.api import (
        Assignment,
        Grade,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    engine = sa.create_engine(f"sqlite:///{course_dir / 'gradebook' / 'gradebook.db'}")
    query = (sa.select(Student.id, Assignment.name, sa.func.sum(sa.func.coalesce(Grade.auto_score, 0)))
             .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
             .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
             .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
             .join(Student, SubmittedAssignment.student_id == Student.id)
             .group_by(Student.id, Assignment.name))
    with engine.connect() as connection:
        result = {(learner, task): round(float(score), 3) for learner, task, score in connection.execute(query)}
    engine.dispose()
    return result


def collect_all(course_dir: Path) -> None:
    from ensak.course.plan import load_course
    from ensak.demo import demo_config
    from ensak.nbgrader.api import make_api, require_success

    with chdir(course_dir):
        api = make_api(course_dir, demo_config(course_dir))
        for task in load_course(course_dir).task_ids:
            require_success(api.collect(task, update=True), f"collect {task}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--large", type=int, default=200, help="learners in the resync-at-scale course")
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's folder afterwards")
    args = parser.parse_args()

    from ensak.sync.workers import default_workers

    work = Path(tempfile.mkdtemp(prefix="ensak-bench-sync-"))
    log(f"Working in {work}; {os.cpu_count()} cores, ensak sync uses {default_workers()} graders.")
    try:
        start = time.perf_counter()
        template = generated_template(work)
        log(f"Generated {TASKS}+ tasks in {time.perf_counter() - start:.0f} s")

        small, submissions = cohort_course(template, work / "sync20", args.learners, args.seed)
        serial = work / "serial" / "kurs"
        shutil.copytree(small, serial, symlinks=True)
        log(f"{args.learners} learners submitted {submissions} notebooks")

        collect_all(serial)
        serial_s = timed([str(Path(sys.executable).parent / "nbgrader"), "autograde", "*"], cwd=serial)
        log(f"stock serial nbgrader autograde: {serial_s:.1f} s")
        sync_s = timed(["ensak", "sync", "--course-dir", str(small)])
        log(f"ensak sync: {sync_s:.1f} s")
        ours, theirs = scores(small), scores(serial)
        if len(ours) != submissions or ours != theirs:
            differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
            raise SystemExit(f"Scores differ between ensak sync and nbgrader autograde: {differing[:10]}")
        log(f"Scores agree for all {submissions} submissions.")
        resync20_s = timed(["ensak", "sync", "--course-dir", str(small)])
        log(f"ensak sync with nothing new, {args.learners} learners: {resync20_s:.2f} s")

        start = time.perf_counter()
        large, large_submissions = cloned_course(small, work / "sync200", args.large, args.seed + 1)
        log(f"{args.large} learners: {large_submissions} graded submissions copied from the {args.learners}-learner "
            f"course in {time.perf_counter() - start:.0f} s; a first sync (untimed) settles it ...")
        settle_s = timed(["ensak", "sync", "--course-dir", str(large)], nice=True)
        if graded_twice(large):
            raise SystemExit("The copied course was graded again: its journal does not match its submissions.")
        log(f"  first sync of the copied course took {settle_s:.0f} s and graded nothing")
        resync200_s = timed(["ensak", "sync", "--course-dir", str(large)])
        log(f"ensak sync with nothing new, {args.large} learners: {resync200_s:.2f} s")
    finally:
        if args.keep:
            log(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"submissions={submissions} sync_s={sync_s:.1f} serial_s={serial_s:.1f} speedup={serial_s / sync_s:.2f} "
          f"resync20_s={resync20_s:.2f} resync200_s={resync200_s:.2f}")


if __name__ == "__main__":
    main()
