"""Benchmark `ensak sync` against stock serial `nbgrader autograde`, and time a sync with nothing new.

    python bench/sync.py [--learners 20] [--large 200] [--keep]

1. A course instance with every task generated; a cohort of 20 simulated learners fetches, answers
   through the widgets and submits the first 12 tasks: 240 submissions.
2. The same submissions, in two copies of the instance: `ensak sync` (collect, parallel autograde,
   feedback) on one, stock `nbgrader autograde "*"` (one serial run, after an untimed collect) on the
   other. Both are timed as the coordinator would run them, as commands; their scores must agree.
3. `ensak sync` again with nothing new, at 20 learners and at 200 (the 200-learner course is
   synced once first, untimed and at low priority so other work on the machine goes first).

The last line is fixed (issue 5):
submissions=240 sync_s=<s> serial_s=<s> speedup=<x> resync20_s=<s> resync200_s=<s>
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import chdir
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

        large, large_submissions = cohort_course(template, work / "sync200", args.large, args.seed + 1)
        log(f"{args.large} learners submitted {large_submissions} notebooks; first sync (untimed, low priority) ...")
        first_large = timed(["ensak", "sync", "--course-dir", str(large)], nice=True, check=False)
        log(f"  first sync of {large_submissions} took {first_large:.0f} s")
        # A grading that failed on the busy machine is retried here, so the timed run has nothing new.
        timed(["ensak", "sync", "--course-dir", str(large)], nice=True)
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
