"""Grading processes for sync: a pool of workers that run nbgrader's autograde and feedback, each
supervised so that none outlives a killed sync, and the screening around each submission."""

from __future__ import annotations

import copy
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from traitlets.config import Config

from ensak.nbgrader.api import load_config, make_api
from ensak.nbgrader.screening import screen_after_grading, screen_before_grading
from ensak.processes import die_with_parent, process_is_alive

# nbgrader's default SQLite wait is 5 seconds; parallel graders may queue a little longer for a write.
SQLITE_BUSY_TIMEOUT_S = 120


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


def _watch_sync(pid: int) -> None:
    # A grader's parent is the fork server, which outlives a killed sync for as long as any grader
    # lives; so each grader watches the sync itself and stops when it is gone.
    def watch() -> None:
        while process_is_alive(pid):
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="ensak-sync-watch", daemon=True).start()


def _init_worker(course_dir: str, config: Config, sync_pid: int) -> None:
    global _WORKER_API
    # If the coordinator's sync is killed, its graders must not live on and write to the gradebook.
    die_with_parent()
    _watch_sync(sync_pid)
    os.chdir(course_dir)
    _WORKER_API = make_api(course_dir, config)


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)):\s*(.*)$")


def error_text(result: dict) -> str:
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
    course_dir = Path(api.coursedir.root)
    if step == "feedback":
        result = api.generate_feedback(task, learner, force=True)
        return StepResult(bool(result.get("success")), "" if result.get("success") else error_text(result))
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
        return StepResult(False, error_text(result))
    notes = [str(f) for f in findings] + [str(f) for f in screen_after_grading(course_dir, learner, task)]
    return StepResult(True, notes=notes)


def _work(step: str, task: str, learner: str) -> StepResult:
    return _run_step(_WORKER_API, step, task, learner)


def _warm_up() -> int:
    return os.getpid()


# Imported once in the fork server, so each grading process starts with them already loaded.
PRELOAD = ["ensak.sync.workers", "ensak.nbgrader.screening", "ensak.nbgrader.preprocessors", "ensak.nbgrader.sandbox",
           "ensak.nbgrader.exchange", "nbgrader.apps",
           "nbgrader.converters", "nbgrader.preprocessors"]


def _worker_context():
    # A fork server, not fork: the parent holds database connections and threads (the progress bar).
    # Not spawn either: each spawned process would import nbgrader afresh (seconds each).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class Runner:
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
