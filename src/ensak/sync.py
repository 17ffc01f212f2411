"""Bring the gradebook up to date: collect new submissions, autograde the new or changed ones in
parallel worker processes, and generate and release feedback for submissions that are fully graded.

Every step is recorded in a journal (gradebook/sync-state.db) only after it has finished, and every
step can be repeated without harm. So a sync killed at any moment simply finishes on the next run:
nothing is lost, and nothing is recorded twice.
"""

from __future__ import annotations

import copy
import ctypes
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from traitlets.config import Config

# jsonschema (imported by nbformat, so by all of nbgrader) builds a full RFC 3987 grammar when the
# optional rfc3987_syntax package is installed: about a second of CPU in every process, for IRI
# formats that no notebook validation uses. A sync with nothing new must take seconds, not more.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from ensak.nbgrader_api import NbgraderStepError, in_directory, load_config, make_api  # noqa: E402

STATE_FILE = "sync-state.db"  # in gradebook/, next to the gradebook and git-ignored with it
# nbgrader's default SQLite wait is 5 seconds; parallel graders may queue a little longer for a write.
SQLITE_BUSY_TIMEOUT_S = 120

STEP_COLLECT = "Samlar in inlämningar"
STEP_GRADE = "Rättar automatiskt"
STEP_FEEDBACK = "Skapar och lämnar ut återkoppling"

Pair = tuple[str, str]  # (learner, task)


@dataclass
class SyncSummary:
    collected: list[Pair] = field(default_factory=list)
    graded: list[Pair] = field(default_factory=list)
    feedback: list[Pair] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not graded: repeated until dealt with
    notes: list[str] = field(default_factory=list)  # graded, but worth a look: said once
    waiting_for_manual_grading: int = 0


# --- the journal ---------------------------------------------------------------------------------


def state_path(course_dir: Path | str) -> Path:
    return Path(course_dir) / "gradebook" / STATE_FILE


def open_state(course_dir: Path | str) -> sqlite3.Connection:
    """The sync journal: what has been collected, graded and fed back, and an append-only event log."""
    path = state_path(course_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.executescript("""
        CREATE TABLE IF NOT EXISTS collected (learner TEXT, task TEXT, inbound TEXT NOT NULL, at TEXT NOT NULL,
                                              PRIMARY KEY (learner, task));
        CREATE TABLE IF NOT EXISTS graded (learner TEXT, task TEXT, timestamp TEXT NOT NULL, at TEXT NOT NULL,
                                           PRIMARY KEY (learner, task));
        CREATE TABLE IF NOT EXISTS feedback (learner TEXT, task TEXT, fingerprint TEXT NOT NULL, at TEXT NOT NULL,
                                             PRIMARY KEY (learner, task));
        CREATE TABLE IF NOT EXISTS inbound (task TEXT PRIMARY KEY, digest TEXT NOT NULL, blocking TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT NOT NULL,
                                           learner TEXT NOT NULL, task TEXT NOT NULL, detail TEXT NOT NULL,
                                           at TEXT NOT NULL);
    """)
    return connection


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _record(state: sqlite3.Connection, table: str, pair: Pair, column: str, value: str, step: str) -> None:
    # One transaction: the state row and its event are written together or not at all.
    now = _now()
    state.execute("BEGIN IMMEDIATE")
    try:
        state.execute(f"INSERT OR REPLACE INTO {table} (learner, task, {column}, at) VALUES (?, ?, ?, ?)",
                      (*pair, value, now))
        state.execute("INSERT INTO events (step, learner, task, detail, at) VALUES (?, ?, ?, ?, ?)",
                      (step, *pair, value, now))
        state.execute("COMMIT")
    except BaseException:
        state.execute("ROLLBACK")
        raise


def _journal(state: sqlite3.Connection, table: str) -> dict[Pair, str]:
    column = {"collected": "inbound", "graded": "timestamp", "feedback": "fingerprint"}[table]
    return {(learner, task): value for learner, task, value in
            state.execute(f"SELECT learner, task, {column} FROM {table}")}


# --- configuration and workers -------------------------------------------------------------------


def sync_config(course_dir: Path, config: Config | None) -> Config:
    """The course's nbgrader configuration, made ready for several grading processes at once."""
    # A deep copy: the caller's Config keeps its own settings.
    config = copy.deepcopy(config) if config is not None else load_config(course_dir)
    # One OS user may collect for many learners (the demo, a hub with a shared exchange).
    config.ExchangeCollect.check_owner = False
    # Each notebook gets a kernel of its own that is thrown away afterwards: no need to wait for a
    # polite shutdown (it costs about half a second per notebook).
    if "shutdown_kernel" not in config.Execute:
        config.Execute.shutdown_kernel = "immediate"
    db_url = str(config.CourseDirectory.db_url)
    if db_url.startswith("sqlite") and "timeout=" not in db_url:
        # Let parallel graders wait their turn to write instead of failing with "database is locked".
        separator = "&" if "?" in db_url else "?"
        config.CourseDirectory.db_url = f"{db_url}{separator}timeout={SQLITE_BUSY_TIMEOUT_S}"
    return config


# A grading spends about half its time waiting (kernel start-up handshakes, database), not computing:
# measured here, 0.14 s CPU in nbgrader and 0.9 s in the kernel for 1.9 s of wall time. Two graders
# per core keep the cores busy; more only queue for the same cores and the gradebook's write lock.
GRADERS_PER_CORE = 2


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    return GRADERS_PER_CORE * available_cores()


_WORKER_API = None


def _die_with_parent() -> None:
    # If the coordinator's sync is killed, its graders must not live on and write to the gradebook.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _is_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            # A killed process stays a zombie until its own parent reaps it: that counts as gone.
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel instead
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _watch_sync(pid: int) -> None:
    # A grader's parent is the fork server, which outlives a killed sync for as long as any grader
    # lives; so each grader watches the sync itself and stops when it is gone.
    def watch() -> None:
        while _is_alive(pid):
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="ensak-sync-watch", daemon=True).start()


def _init_worker(course_dir: str, config: Config, sync_pid: int) -> None:
    global _WORKER_API
    _die_with_parent()
    _watch_sync(sync_pid)
    os.chdir(course_dir)
    _WORKER_API = make_api(course_dir, config)


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)):\s*(.*)$")


def _error_text(result: dict) -> str:
    """The line of nbgrader's output that says what went wrong (its last line only says "see above")."""
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    causes = [m for m in map(_EXCEPTION_LINE.match, text.splitlines())
              if m and not m.group(1).endswith("NbGraderException")]
    if causes:
        return f"{causes[-1].group(1).rsplit('.', 1)[-1]}: {causes[-1].group(2).strip()}"[:300]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    plain = [line for line in lines if not line.startswith("[")]
    return (plain or lines or ["okänt fel"])[-1][:300]


@dataclass
class StepResult:
    ok: bool
    error: str = ""
    blocking: list[str] = field(default_factory=list)  # not graded, and why
    notes: list[str] = field(default_factory=list)


def _run_step(api, step: str, task: str, learner: str) -> StepResult:
    """One nbgrader step for one submission, with the screening around it (in a worker process)."""
    from ensak.screening import screen_after_grading, screen_before_grading

    course_dir = Path(api.coursedir.root)
    if step == "feedback":
        result = api.generate_feedback(task, learner, force=True)
        return StepResult(bool(result.get("success")), "" if result.get("success") else _error_text(result))
    findings = screen_before_grading(course_dir, learner, task)
    blocking = [str(f) for f in findings if f.blocking]
    if blocking:
        # autograde would only fail with a traceback: say what is wrong instead.
        return StepResult(False, blocking=blocking)
    result = api.autograde(task, learner, force=True, create=True)
    if not result.get("success"):
        # The screening has ruled out notebooks that cannot be graded, so a failure here is most
        # likely passing (a kernel slow to start on a busy machine, a locked database): try once more.
        result = api.autograde(task, learner, force=True, create=True)
    if not result.get("success"):
        return StepResult(False, _error_text(result))
    notes = [str(f) for f in findings] + [str(f) for f in screen_after_grading(course_dir, learner, task)]
    return StepResult(True, notes=notes)


def _work(step: str, task: str, learner: str) -> StepResult:
    return _run_step(_WORKER_API, step, task, learner)


def _warm_up() -> int:
    return os.getpid()


# Imported once in the fork server, so each grading process starts with them already loaded.
PRELOAD = ["ensak.sync", "ensak.screening", "ensak.preprocessors", "ensak.exchange", "nbgrader.apps",
           "nbgrader.converters", "nbgrader.preprocessors"]


def _worker_context():
    # A fork server, not fork: the parent holds database connections and threads (the progress bar).
    # Not spawn either: each spawned process would import nbgrader afresh (seconds each).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class _Runner:
    """Runs nbgrader steps in worker processes (started only when there is parallel work)."""

    def __init__(self, course_dir: Path, config: Config, api, workers: int):
        self.course_dir, self.config, self.api, self.workers = course_dir, config, api, workers
        self.pool: ProcessPoolExecutor | None = None

    def start(self, jobs: int) -> None:
        """Start the grading processes now, so they get ready while this process prepares the work."""
        if self.pool is None and self.workers > 1 and jobs > 1:
            self.pool = ProcessPoolExecutor(max_workers=min(self.workers, jobs), mp_context=_worker_context(),
                                            initializer=_init_worker,
                                            initargs=(str(self.course_dir), self.config, os.getpid()))
            for _ in range(min(self.workers, jobs)):
                self.pool.submit(_warm_up)

    def run(self, step: str, jobs: list[tuple[str, str]], on_done: Callable[[tuple[str, str], StepResult], None]) -> None:
        """Run `step` for each (task, learner); call on_done in this process as each one finishes."""
        self.start(len(jobs))
        if self.pool is None:
            for job in jobs:
                on_done(job, _run_step(self.api, step, *job))
            return
        pending: dict[Future, tuple[str, str]] = {self.pool.submit(_work, step, *job): job for job in jobs}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # a worker died (out of memory, killed): report, go on
                    result = StepResult(False, f"rättningsprocessen avbröts ({type(exc).__name__})")
                on_done(job, result)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


# --- the three phases ----------------------------------------------------------------------------


def _timestamp(folder: Path) -> str | None:
    try:
        return (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None


def needs_grading(course_dir: Path, learner: str, task_id: str, graded: dict[Pair, str] | None = None) -> bool:
    """A submission needs grading when the journal has no grading of exactly this submission."""
    timestamp = _timestamp(Path(course_dir) / "submitted" / learner / task_id)
    if timestamp is None:
        return False
    if graded is None:
        with closing(open_state(course_dir)) as state:
            graded = _journal(state, "graded")
    return graded.get((learner, task_id)) != timestamp


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


def _collect(course_dir: Path, api, config: Config, tasks: list[str], state, summary: SyncSummary,
             step: Callable[[str, int, int], None]) -> None:
    from ensak.exchange import inbound_entries, newest_collectable, screen_inbound
    from ensak.ngshare import NgshareError, collectable, enrol_roster, uses_ngshare

    exchange, course_id = Path(config.Exchange.root), config.CourseDirectory.course_id
    journal = _journal(state, "collected")
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
    lost = {task for (learner, task) in journal if _timestamp(course_dir / "submitted" / learner / task) is None}
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
                if journal.get((learner, task_id)) != name or _timestamp(target) is None:
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
            if journal.get((learner, task_id)) != entry.path.name or _timestamp(target) is None:
                stamp = _timestamp(entry.path) or ""
                wanted.setdefault(task_id, {})[learner] = (entry.path.name, stamp)
    total = sum(len(v) for v in wanted.values())
    done = 0
    step(STEP_COLLECT, 0, total)
    for task_id, blocking in blocking_by_task.items():
        learners = wanted.get(task_id, {})
        complete = True
        for learner, (_, stamp) in learners.items():
            target = course_dir / "submitted" / learner / task_id
            current = _timestamp(target)
            # Half a copy (no timestamp), or this very submission copied by a run that was stopped
            # before it could confirm the copy: let collect take it afresh from the exchange.
            # An older submission is left for collect to replace.
            if target.exists() and (current is None or current == stamp):
                shutil.rmtree(target)
        if learners:
            result = api.collect(task_id, update=True)
            if not result.get("success"):
                summary.problems.append(f"Insamlingen av {task_id} misslyckades: {_error_text(result)}")
                continue
        for learner, (name, stamp) in learners.items():
            if _timestamp(course_dir / "submitted" / learner / task_id) != stamp:
                summary.problems.append(f"{learner} {task_id}: inlämningen kunde inte samlas in; "
                                        "det görs ett nytt försök vid nästa sync.")
                complete = False
                continue
            _record(state, "collected", (learner, task_id), "inbound", name, "collected")
            summary.collected.append((learner, task_id))
            done += 1
            step(STEP_COLLECT, done, total)
        if complete and not networked:
            # Only once everything in it is collected may the next sync skip this task's inbound folder.
            state.execute("INSERT OR REPLACE INTO inbound (task, digest, blocking) VALUES (?, ?, ?)",
                          (task_id, digests[task_id], json.dumps(blocking, ensure_ascii=False)))


def _grade(course_dir: Path, runner: _Runner, tasks: list[str], state, summary: SyncSummary,
           step: Callable[[str, int, int], None], on_progress: Callable[[str], None] | None) -> None:
    graded = _journal(state, "graded")
    jobs: list[tuple[str, str]] = []
    expected: dict[Pair, str] = {}
    for task_id in tasks:
        for folder in sorted((course_dir / "submitted").glob(f"*/{task_id}")):
            learner = folder.parent.name
            timestamp = _timestamp(folder)
            if timestamp is not None and graded.get((learner, task_id)) != timestamp:
                jobs.append((task_id, learner))
                expected[(learner, task_id)] = timestamp
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
        if _timestamp(course_dir / "autograded" / learner / task_id) != expected[pair]:
            summary.problems.append(f"{learner} {task_id}: rättningen blev inte klar; den görs om nästa gång.")
            return
        _record(state, "graded", pair, "timestamp", expected[pair], "graded")
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
    import sqlalchemy as sa
    from nbgrader.api import Assignment, Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    def rows(model, *columns):
        return (sa.select(Student.id, Assignment.name, SubmittedAssignment.timestamp, *columns)
                .join(SubmittedNotebook, model.notebook_id == SubmittedNotebook.id)
                .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                .join(Student, SubmittedAssignment.student_id == Student.id)
                .where(Assignment.course_id == config.CourseDirectory.course_id))

    engine = sa.create_engine(str(config.CourseDirectory.db_url))
    parts: dict[Pair, list] = {}
    manual: dict[Pair, bool] = {}
    try:
        with engine.connect() as connection:
            grades = connection.execute(rows(Grade, Grade.id, Grade.auto_score, Grade.manual_score,
                                             Grade.extra_credit, Grade.needs_manual_grade))
            for learner, task, timestamp, *values in grades:
                pair = (learner, task)
                parts.setdefault(pair, [str(timestamp)]).append(("g", *map(str, values[:4])))
                manual[pair] = manual.get(pair, False) or bool(values[4])
            comments = connection.execute(rows(Comment, Comment.id, Comment.auto_comment, Comment.manual_comment))
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


def _feedback(course_dir: Path, runner: _Runner, api, config: Config, tasks: list[str], state,
              summary: SyncSummary, step: Callable[[str, int, int], None]) -> None:
    graded = _journal(state, "graded")
    given = _journal(state, "feedback")
    wanted: dict[Pair, str] = {}
    for pair, (fingerprint, needs_manual) in grading_fingerprints(config).items():
        learner, task_id = pair
        if task_id not in tasks or pair not in graded:
            continue
        # Only a submission graded in its current version, and graded all the way (reflections too).
        if graded[pair] != _timestamp(course_dir / "submitted" / learner / task_id):
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
            summary.problems.append(f"{learner} {task_id}: återkopplingen kunde inte lämnas ut: {_error_text(result)}")
            return
        _record(state, "feedback", (learner, task_id), "fingerprint", wanted[(learner, task_id)], "feedback")
        summary.feedback.append((learner, task_id))

    runner.run("feedback", jobs, finished)


def sync(course_dir: Path | str, *, config: Config | None = None,
         on_progress: Callable[[str], None] | None = None,
         on_step: Callable[[str, int, int], None] | None = None,
         workers: int | None = None, feedback: bool = True) -> SyncSummary:
    """Collect, autograde (in `workers` processes, default two per core) and give feedback, for every
    released task. A problem with one submission never stops the rest; run again to retry it.

    `on_progress` hears "learner task" for each submission graded; `on_step` hears
    (step label, done, total) for a progress bar.
    """
    from ensak.course import load_course
    from ensak.schedule import course_lock

    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    config = sync_config(course_dir, config)
    step = on_step or (lambda label, done, total: None)
    summary = SyncSummary()
    with course_lock(course_dir, "sync"), closing(open_state(course_dir)) as state, in_directory(course_dir):
        api = make_api(course_dir, config)
        released = set(api.get_released_assignments())
        tasks = [t.id for t in course.tasks if t.id in released]
        runner = _Runner(course_dir, config, api, workers or default_workers())
        try:
            _collect(course_dir, api, config, tasks, state, summary, step)
            _grade(course_dir, runner, tasks, state, summary, step, on_progress)
            if feedback:
                _feedback(course_dir, runner, api, config, tasks, state, summary, step)
        finally:
            runner.close()
    # The course blog follows what learners share and answer (ensak.blog); until someone shares, a glance.
    from ensak.blog import update_blog_after_sync

    summary.problems.extend(update_blog_after_sync(course_dir, config=config))
    return summary


def graded_events(course_dir: Path | str) -> list[tuple[str, str, str]]:
    """Every grading the journal has recorded, as (learner, task, submission timestamp), oldest first."""
    with closing(open_state(course_dir)) as state:
        return list(state.execute("SELECT learner, task, detail FROM events WHERE step = 'graded' ORDER BY id"))


def release_tasks(course_dir: Path | str, task_ids: Iterable[str], *, config: Config | None = None) -> list[str]:
    """Release tasks to the exchange (already released ones are left as they are); return those released now.

    Kept for callers that want an exception on failure; ensak.schedule.release_tasks reports per task.
    """
    from ensak.schedule import release_tasks as release_with_report

    result = release_with_report(course_dir, list(task_ids), config=config)
    if result.problems:
        raise NbgraderStepError("\n".join(result.problems))
    return result.released
