"""Machines restart in the middle of things: `ensak release` and `ensak sync` killed (SIGKILL, no chance
to tidy up) at random moments, many times, then run again. Nothing may be lost, nothing half-done
may pass for done, and every submission is graded exactly once.

Real subprocesses running the real commands; the random moments come from a seeded generator, and
the seed is in every failure message so a failing run can be repeated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from ensak.nbgrader.api import load_config
from ensak.sync import sync
from ensak.sync.journal import graded_events, state_path

pytest.register_assert_rewrite("fixtures_coordinator")
from fixtures_coordinator import (  # noqa: E402,F401
    SYNC_NOW,
    SYNC_TASKS,
    make_course,
    submit_answer,
    sync_template,
)

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("ENSAK_CRASH_SEED", "20270111"))
RELEASE_KILLS = 6
SYNC_KILLS = 6
# Big enough that copying a task into the exchange takes a moment a kill can land in.
BULK_BYTES = 12_000_000


def ensak(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen([sys.executable, "-m", "ensak.cli", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def kill_at(process: subprocess.Popen, moment, timeout: float = 120) -> bool:
    """SIGKILL `process` once `moment()` is true; return False if it finished first."""
    deadline = time.monotonic() + timeout
    while not moment():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the command never reached the moment to kill it at"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- release -------------------------------------------------------------------------------------

RELEASE_TASKS = [(f"0{n}-uppgift", f"Uppgift {n}") for n in range(4)]


@pytest.fixture(scope="module")
def release_course(tmp_path_factory) -> Path:
    root = make_course(tmp_path_factory.mktemp("release-crash") / "kurs", RELEASE_TASKS)
    rng = random.Random(SEED)
    for task_id, _ in RELEASE_TASKS:
        (root / "release" / task_id / "bilder.bin").write_bytes(rng.randbytes(BULK_BYTES))
    return root


def outbound(course_dir: Path) -> Path:
    return course_dir / "exchange" / "testkurs" / "outbound"


def copied_bytes(folder: Path) -> int:
    """Bytes under `folder` so far; read while the release renames folders, so what vanishes counts 0."""
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


def test_is_a_release_killed_at_random_moments_never_half_visible_and_whole_after_the_next_run(release_course):
    rng = random.Random(SEED)
    task_ids = [task_id for task_id, _ in RELEASE_TASKS]
    whole = copied_bytes(release_course / "release")
    mid_copy = 0
    for round_ in range(RELEASE_KILLS):
        if rng.random() < 0.6 and outbound(release_course).exists():
            shutil.rmtree(outbound(release_course))  # sometimes from scratch, sometimes into the last one's mess
        # Killed when a random share of what is left has been copied: mid-file, between files or tasks.
        before = copied_bytes(outbound(release_course))
        target = before + rng.uniform(0.02, 0.98) * (whole - before)
        if not kill_at(ensak("release", *task_ids, "-C", str(release_course)),
                       lambda: copied_bytes(outbound(release_course)) >= target):
            continue
        mid_copy += copied_bytes(outbound(release_course)) < whole
        # What learners can fetch (nbgrader lists the visible folders) is never half a task.
        for folder in outbound(release_course).iterdir():
            if not folder.name.startswith("."):
                assert tree(folder) == tree(release_course / "release" / folder.name), \
                    f"seed {SEED}, round {round_}: {folder.name} is released half-copied"
    print(f"release, seed {SEED}: {RELEASE_KILLS} runs, {mid_copy} killed while copying")
    assert mid_copy >= RELEASE_KILLS // 2, f"seed {SEED}: only {mid_copy} kills landed while copying"

    finished = ensak("release", *task_ids, "-C", str(release_course))
    assert finished.wait(120) == 0, finished.stderr.read().decode()
    for task_id in task_ids:
        assert tree(outbound(release_course) / task_id) == tree(release_course / "release" / task_id), \
            f"seed {SEED}: {task_id} is not released whole"


# --- sync ----------------------------------------------------------------------------------------

LEARNERS = {"anna": 42, "bo": 7, "cilla": 42, "david": 42, "eva": 7, "fia": 42}


@pytest.fixture
def crash_course(sync_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "kurs"
    shutil.copytree(sync_template, root)
    return root


def scores(course_dir: Path) -> dict:
    config = load_config(course_dir)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        return {(s.student.id, s.assignment.name): s.code_score for a in gb.assignments for s in a.submissions}


def journal_events(course_dir: Path) -> int:
    try:
        with closing(sqlite3.connect(state_path(course_dir), timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return -1


def test_does_a_sync_killed_many_times_at_random_lose_nothing_and_grade_each_submission_once(crash_course):
    rng = random.Random(SEED)
    submitted: dict[tuple[str, str], int] = {}
    for learner, answer in LEARNERS.items():
        submit_answer(crash_course, "00-start", learner, answer)
        submitted[(learner, "00-start")] = answer
    kills = 0
    for round_ in range(SYNC_KILLS):
        # New work keeps arriving between the crashes: resubmissions, or a learner's next task.
        for learner in rng.sample(sorted(LEARNERS), 2):
            task = rng.choice([task_id for task_id, _ in SYNC_TASKS])
            answer = rng.choice([7, 42])
            submit_answer(crash_course, task, learner, answer, when=SYNC_NOW + dt.timedelta(hours=round_ + 1),
                          reflection="Jag skrev en reflektion.")
            submitted[(learner, task)] = answer
        # A random point: after some number of the steps sync records (collected, graded, fed back),
        # possibly none, then a random moment more, which may fall in the middle of the next step.
        steps, pause = rng.randint(0, 3), rng.uniform(0, 1.5)
        start_count = max(journal_events(crash_course), 0)
        reached: list[float] = []

        def moment() -> bool:
            if not reached and journal_events(crash_course) >= start_count + steps:
                reached.append(time.monotonic())
            return bool(reached) and time.monotonic() - reached[0] >= pause

        kills += kill_at(ensak("sync", "--workers", str(rng.choice([1, 2])), "-C", str(crash_course)), moment)
    print(f"sync, seed {SEED}: {SYNC_KILLS} runs, {kills} killed, {len(submitted)} submissions")
    assert kills >= SYNC_KILLS // 2, f"seed {SEED}: most syncs finished before they could be killed"

    final = sync(crash_course, workers=2)
    assert final.problems == [], f"seed {SEED}: {final.problems}"
    # Nothing lost: every learner's latest submission of every task is collected and graded as answered.
    expected = {pair: 1.0 if answer == 42 else 0.0 for pair, answer in submitted.items()}
    assert scores(crash_course) == expected, f"seed {SEED}"
    # Exactly once: one recorded grading per submission (learner, task, timestamp), none twice.
    events = Counter(graded_events(crash_course))
    assert max(events.values()) == 1, f"seed {SEED}: graded twice: {[e for e, n in events.items() if n > 1]}"
    latest = {(learner, task): stamp for learner, task, stamp in sorted(events, key=lambda e: e[2])}
    for (learner, task) in submitted:
        stamp = (crash_course / "submitted" / learner / task / "timestamp.txt").read_text().strip()
        assert latest[(learner, task)] == stamp, f"seed {SEED}: {learner} {task} graded in an older version"
        assert (crash_course / "autograded" / learner / task / "timestamp.txt").read_text().strip() == stamp
    again = sync(crash_course, workers=2)
    assert (again.collected, again.graded, again.problems) == ([], [], [])
