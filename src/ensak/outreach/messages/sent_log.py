"""The sent-log, outbox/sent-log.sqlite: every (message, learner) is claimed here before it is sent and
marked sent after, so nobody gets the same message twice, even when two runs overlap or one is killed
half-way (its claims stay "uncertain" until the coordinator has checked)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd

from ensak.clock import utc_now
from ensak.outreach.messages.model import Message

OUTBOX_FOLDER = "outbox"
SENT_LOG_FILE = "sent-log.sqlite"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
COLUMNS = ["key", "learner_id", "email", "subject", "message_id", "channel", "status", "claimed_at", "sent_at"]


def sent_log_path(root: Path | str) -> Path:
    return Path(root) / OUTBOX_FOLDER / SENT_LOG_FILE


def open_log(root: Path | str) -> sqlite3.Connection:
    path = sent_log_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("""CREATE TABLE IF NOT EXISTS sent (
        key TEXT NOT NULL, learner_id TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL,
        message_id TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
        claimed_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (key, learner_id))""")
    return connection


def read_sent_log(root: Path | str) -> pd.DataFrame:
    """Everything sent (or being sent) so far, one row per message and learner."""
    if not sent_log_path(root).exists():
        return pd.DataFrame(columns=COLUMNS)
    with closing(open_log(root)) as connection:
        return pd.read_sql_query("SELECT * FROM sent ORDER BY claimed_at, learner_id", connection)


def already_sent(root: Path | str, messages: list[Message]) -> set[str]:
    """Learner ids among `messages` that the log says have (or may have) received them."""
    if not messages or not sent_log_path(root).exists():
        return set()
    with closing(open_log(root)) as connection:
        keys = {m.key for m in messages}
        rows = connection.execute(
            f"SELECT key, learner_id FROM sent WHERE key IN ({','.join('?' * len(keys))})", sorted(keys)).fetchall()
    done = set(rows)
    return {m.learner_id for m in messages if (m.key, m.learner_id) in done}


def status_of(log: sqlite3.Connection, message: Message) -> str | None:
    row = log.execute("SELECT status FROM sent WHERE key = ? AND learner_id = ?",
                      (message.key, message.learner_id)).fetchone()
    return row[0] if row else None


def claim(log: sqlite3.Connection, message: Message, message_id: str, channel: str, *, replace_uncertain: bool) -> bool:
    """Claim `message` for sending; False when another run has claimed it first (it is theirs to send)."""
    try:
        if replace_uncertain:
            log.execute("DELETE FROM sent WHERE key = ? AND learner_id = ? AND status = ?",
                        (message.key, message.learner_id, STATUS_SENDING))
        log.execute("INSERT INTO sent (key, learner_id, email, subject, message_id, channel, status, claimed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (message.key, message.learner_id, message.to_email, message.subject, message_id, channel,
                     STATUS_SENDING, _now()))
    except sqlite3.IntegrityError:
        return False
    return True


def withdraw(log: sqlite3.Connection, message: Message) -> None:
    """Nothing was delivered: remove the claim so that a later run may try again."""
    log.execute("DELETE FROM sent WHERE key = ? AND learner_id = ?", (message.key, message.learner_id))


def mark_sent(log: sqlite3.Connection, message: Message) -> None:
    log.execute("UPDATE sent SET status = ?, sent_at = ? WHERE key = ? AND learner_id = ?",
                (STATUS_SENT, _now(), message.key, message.learner_id))


def hand_over(root: Path | str, from_learner: str, to_learner: str) -> int:
    """What was sent to `from_learner` counts as sent to `to_learner` (the same person under her old id,
    `ensak roster link`), so she is not sent it again; returns how many messages were handed over. A
    message both ids received stays once, under `to_learner`."""
    if not sent_log_path(root).exists():
        return 0
    with closing(open_log(root)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        moved = connection.execute("UPDATE OR IGNORE sent SET learner_id = ? WHERE learner_id = ?",
                                   (to_learner, from_learner)).rowcount
        connection.execute("DELETE FROM sent WHERE learner_id = ?", (from_learner,))
        connection.execute("COMMIT")
    return moved


def _now() -> str:
    return utc_now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")
