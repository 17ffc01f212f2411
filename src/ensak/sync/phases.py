"""The three phases of a sync: collect what learners handed in, autograde what is new or changed, and
give feedback on what is fully graded. Each phase records a step in the journal only once it is done."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from traitlets.config import Config

from ensak.nbgrader import schema as nb
from ensak.nbgrader.exchange import (
    inbound_entries,
    newest_collectable,
    screen_inbound,
)
from ensak.nbgrader.ngshare_client import (
    NgshareError,
    collectable,
    enrol_roster,
    uses_ngshare,
)
from ensak.nbgrader.sandbox import sandbox_note
from ensak.nbgrader.timestamps import timestamp_text
from ensak.sync.journal import Pair, journal_of, record
from ensak.sync.workers import Runner, StepResult, error_text

STEP_COLLECT = "Samlar in inlämningar"
STEP_GRADE = "Rättar automatiskt"
STEP_FEEDBACK = "Skapar och lämnar ut återkoppling"


@dataclass
class SyncSummary:
    collected: list[Pair] = field(default_factory=list)
    graded: list[Pair] = field(default_factory=list)
    feedback: list[Pair] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not graded: repeated until dealt with
    notes: list[str] = field(default_factory=list)  # graded, but worth a look: said once
    waiting_for_manual_grading: int = 0



def inbound_digests(inbound: Path, tasks: list[str]) -> dict[str, str]:
    """Per task, a digest of its entries in the exchange's inbound folder (name, times, owner).

    It changes whenever a learner hands in, a half-written submission is completed or an entry is
    changed, so a sync can skip a task whose inbound folder is as it was last time: with 200
    learners and 12 tasks that is thousands of folders not to look into.
    """
    found: dict[str, list[tuple]] = {task: [] for task in tasks}
    try:
        with os.scandir(inbound) as entries:
            for entry in entries:
                parts = entry.name.rsplit("+", 3)
                if len(parts) == 4 and parts[1] in found:
                    info = entry.stat(follow_symlinks=False)
                    found[parts[1]].append((entry.name, info.st_mtime_ns, info.st_ctime_ns, info.st_uid))
    except FileNotFoundError:
        pass
    return {task: hashlib.sha256(json.dumps(sorted(items)).encode()).hexdigest()[:32]
            for task, items in found.items()}


def collect(course_dir: Path, api, config: Config, tasks: list[str], state, summary: SyncSummary,
             step: Callable[[str, int, int], None]) -> None:
    exchange, course_id = Path(config.Exchange.root), config.CourseDirectory.course_id
    journal = journal_of(state, "collected")
    networked = uses_ngshare(config)
    if networked:
        try:
            # Who may fetch and submit follows roster.csv, also between releases.
            enrol_roster(course_dir, config)
        except NgshareError as error:
            summary.problems.append(str(error))
    digests = {} if networked else inbound_digests(exchange / course_id / "inbound", tasks)
    seen = {task: (digest, json.loads(blocking)) for task, digest, blocking in
            state.execute("SELECT task, digest, blocking FROM inbound")}
    # A collected submission that has gone from submitted/ is collected again.
    lost = {task for (learner, task) in journal if timestamp_text(course_dir / "submitted" / learner / task) is None}
    wanted: dict[str, dict[str, tuple[str, str]]] = {}
    blocking_by_task: dict[str, list[str]] = {}
    for task_id in tasks:
        if not networked and task_id in seen and seen[task_id][0] == digests[task_id] and task_id not in lost:
            # Nothing new in the exchange: what could not be collected last time still cannot.
            summary.problems.extend(seen[task_id][1])
            continue
        # What learners put in the exchange that collect will not take (said at every sync until
        # they hand in again), and notes on what it takes (said once, before it is collected).
        blocking_by_task[task_id] = []
        if networked:
            # ngshare holds only whole submissions, each in the name of the hub user who made it:
            # nothing to screen, and one request per task says who has handed in what.
            try:
                found = collectable(config, task_id)
            except NgshareError as error:
                summary.problems.append(str(error))
                del blocking_by_task[task_id]
                continue
            for learner, (name, stamp) in found.items():
                target = course_dir / "submitted" / learner / task_id
                if journal.get((learner, task_id)) != name or timestamp_text(target) is None:
                    wanted.setdefault(task_id, {})[learner] = (name, stamp)
            continue
        for finding in screen_inbound(course_dir, exchange, course_id, task_id):
            if finding.blocking:
                blocking_by_task[task_id].append(str(finding))
            else:
                summary.notes.append(str(finding))
        summary.problems.extend(blocking_by_task[task_id])
        for learner, entry in newest_collectable(inbound_entries(exchange, course_id, task_id)).items():
            target = course_dir / "submitted" / learner / task_id
            if journal.get((learner, task_id)) != entry.path.name or timestamp_text(target) is None:
                stamp = timestamp_text(entry.path) or ""
                wanted.setdefault(task_id, {})[learner] = (entry.path.name, stamp)
    total = sum(len(v) for v in wanted.values())
    done = 0
    step(STEP_COLLECT, 0, total)
    for task_id, blocking in blocking_by_task.items():
        learners = wanted.get(task_id, {})
        complete = True
        for learner, (_, stamp) in learners.items():
            target = course_dir / "submitted" / learner / task_id
            current = timestamp_text(target)
            # Half a copy (no timestamp), or this very submission copied by a run that was stopped
            # before it could confirm the copy: let collect take it afresh from the exchange.
            # An older submission is left for collect to replace.
            if target.exists() and (current is None or current == stamp):
                shutil.rmtree(target)
        if learners:
            result = api.collect(task_id, update=True)
            if not result.get("success"):
                summary.problems.append(f"Insamlingen av {task_id} misslyckades: {error_text(result)}")
                continue
        for learner, (name, stamp) in learners.items():
            if timestamp_text(course_dir / "submitted" / learner / task_id) != stamp:
                summary.problems.append(f"{learner} {task_id}: inlämningen kunde inte samlas in; "
                                        "det görs ett nytt försök vid nästa sync.")
                complete = False
                continue
            record(state, "collected", (learner, task_id), "inbound", name, "collected")
            summary.collected.append((learner, task_id))
            done += 1
            step(STEP_COLLECT, done, total)
        if complete and not networked:
            # Only once everything in it is collected may the next sync skip this task's inbound folder.
            state.execute("INSERT OR REPLACE INTO inbound (task, digest, blocking) VALUES (?, ?, ?)",
                          (task_id, digests[task_id], json.dumps(blocking, ensure_ascii=False)))


def grade(course_dir: Path, runner: Runner, tasks: list[str], state, summary: SyncSummary,
           step: Callable[[str, int, int], None], on_progress: Callable[[str], None] | None) -> None:
    graded = journal_of(state, "graded")
    jobs: list[tuple[str, str]] = []
    expected: dict[Pair, str] = {}
    for task_id in tasks:
        for folder in sorted((course_dir / "submitted").glob(f"*/{task_id}")):
            learner = folder.parent.name
            timestamp = timestamp_text(folder)
            if timestamp is not None and graded.get((learner, task_id)) != timestamp:
                jobs.append((task_id, learner))
                expected[(learner, task_id)] = timestamp
    if jobs:
        # Said once per sync, before the learners' lines: it concerns every grading in it.
        note = sandbox_note(runner.config.BoundedExecute.get("kernel_manager_class"))
        if note:
            summary.notes.insert(0, note)
    done = 0
    step(STEP_GRADE, 0, len(jobs))

    def finished(job: tuple[str, str], result: StepResult) -> None:
        nonlocal done
        task_id, learner = job
        pair = (learner, task_id)
        done += 1
        step(STEP_GRADE, done, len(jobs))
        if result.blocking:
            # Not graded, so screened and said again at every sync until the learner hands in again.
            summary.problems.extend(result.blocking)
            return
        if not result.ok:
            summary.problems.append(f"{learner} {task_id}: den automatiska rättningen misslyckades: {result.error}")
            return
        if timestamp_text(course_dir / "autograded" / learner / task_id) != expected[pair]:
            summary.problems.append(f"{learner} {task_id}: rättningen blev inte klar; den görs om nästa gång.")
            return
        record(state, "graded", pair, "timestamp", expected[pair], "graded")
        summary.graded.append(pair)
        # Notes are said once: at the sync that grades this submission.
        summary.notes.extend(result.notes)
        if on_progress:
            on_progress(f"{learner} {task_id}")

    runner.run("autograde", jobs, finished)


def grading_fingerprints(config: Config) -> dict[Pair, tuple[str, bool]]:
    """{(learner, task): (fingerprint of every score and comment, still needs manual grading)}.

    Two set-based queries over the whole gradebook, so a sync with nothing new stays fast at any size.
    """
    def rows(table, *columns):
        return (sa.select(nb.student.c.id, nb.assignment.c.name, nb.submitted_assignment.c.timestamp, *columns)
                .join(nb.submitted_notebook, table.c.notebook_id == nb.submitted_notebook.c.id)
                .join(nb.submitted_assignment, nb.submitted_notebook.c.assignment_id == nb.submitted_assignment.c.id)
                .join(nb.assignment, nb.submitted_assignment.c.assignment_id == nb.assignment.c.id)
                .join(nb.student, nb.submitted_assignment.c.student_id == nb.student.c.id)
                .where(nb.assignment.c.course_id == config.CourseDirectory.course_id))

    engine = sa.create_engine(str(config.CourseDirectory.db_url))
    parts: dict[Pair, list] = {}
    manual: dict[Pair, bool] = {}
    try:
        with engine.connect() as connection:
            g = nb.grade.c
            grades = connection.execute(rows(nb.grade, g.id, g.auto_score, g.manual_score, g.extra_credit,
                                             g.needs_manual_grade))
            for learner, task, timestamp, *values in grades:
                pair = (learner, task)
                parts.setdefault(pair, [str(timestamp)]).append(("g", *map(str, values[:4])))
                manual[pair] = manual.get(pair, False) or bool(values[4])
            c = nb.comment.c
            comments = connection.execute(rows(nb.comment, c.id, c.auto_comment, c.manual_comment))
            for learner, task, timestamp, *values in comments:
                parts.setdefault((learner, task), [str(timestamp)]).append(("c", *map(str, values)))
    finally:
        engine.dispose()
    fingerprints = {}
    for pair, items in parts.items():
        head, rest = items[0], sorted(items[1:])
        digest = hashlib.sha256(json.dumps([head, rest]).encode()).hexdigest()[:32]
        fingerprints[pair] = (digest, manual.get(pair, False))
    return fingerprints


def give_feedback(course_dir: Path, runner: Runner, api, config: Config, tasks: list[str], state,
              summary: SyncSummary, step: Callable[[str, int, int], None]) -> None:
    graded = journal_of(state, "graded")
    given = journal_of(state, "feedback")
    wanted: dict[Pair, str] = {}
    # Nothing released, nothing graded: a fresh course's gradebook may not even have nbgrader's tables yet.
    fingerprints = grading_fingerprints(config) if tasks and graded else {}
    for pair, (fingerprint, needs_manual) in fingerprints.items():
        learner, task_id = pair
        if task_id not in tasks or pair not in graded:
            continue
        # Only a submission graded in its current version, and graded all the way (reflections too).
        if graded[pair] != timestamp_text(course_dir / "submitted" / learner / task_id):
            continue
        if needs_manual:
            summary.waiting_for_manual_grading += 1
            continue
        if given.get(pair) != fingerprint:
            wanted[pair] = fingerprint
    jobs = [(task_id, learner) for learner, task_id in sorted(wanted)]
    done = 0
    step(STEP_FEEDBACK, 0, len(jobs))

    def finished(job: tuple[str, str], result: StepResult) -> None:
        nonlocal done
        task_id, learner = job
        done += 1
        step(STEP_FEEDBACK, done, len(jobs))
        if not result.ok:
            summary.problems.append(f"{learner} {task_id}: återkopplingen kunde inte skapas: {result.error}")
            return
        result = api.release_feedback(task_id, learner)
        if not result.get("success"):
            summary.problems.append(f"{learner} {task_id}: återkopplingen kunde inte lämnas ut: {error_text(result)}")
            return
        record(state, "feedback", (learner, task_id), "fingerprint", wanted[(learner, task_id)], "feedback")
        summary.feedback.append((learner, task_id))

    runner.run("feedback", jobs, finished)

