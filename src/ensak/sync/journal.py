"""The sync journal (gradebook/sync-state.db): what has been collected, graded and fed back, and an
append-only event log. A step is recorded only after it has finished, so a killed sync repeats it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

STATE_FILE = "sync-state.db"  # in gradebook/, next to the gradebook and git-ignored with it

Pair = tuple[str, str]  # (learner, task)


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



def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def record(state: sqlite3.Connection, table: str, pair: Pair, column: str, value: str, step: str) -> None:
    # One transaction: the state row and its event are written together or not at all.
    now = _utc_now()
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


def journal_of(state: sqlite3.Connection, table: str) -> dict[Pair, str]:
    column = {"collected": "inbound", "graded": "timestamp", "feedback": "fingerprint"}[table]
    return {(learner, task): value for learner, task, value in
            state.execute(f"SELECT learner, task, {column} FROM {table}")}


# --- configuration and workers -------------------------------------------------------------------


def graded_events(course_dir: Path | str) -> list[tuple[str, str, str]]:
    """Every grading the journal has recorded, as (learner, task, submission timestamp), oldest first."""
    with closing(open_state(course_dir)) as state:
        return list(state.execute("SELECT learner, task, detail FROM events WHERE step = 'graded' ORDER BY id"))

