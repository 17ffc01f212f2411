"""The course lock: one command at a time changes a course (release, sync, roster import, forget,
backup and restore, blog, messages that are sent), so that two of them never undo each other's work.

The lock is an advisory file lock (flock) in the temporary folder, keyed by the course directory: it
never shows up in git, and the kernel releases it when the holder ends, even if it is killed. The
holder writes what it is doing into the file, so a second command can say who is busy.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

# Re-entrant within one thread: a command that holds the lock may call another locked step. Another
# thread of the same process is a second holder, as another process is.
_held: dict[str, int] = {}
_held_guard = threading.Lock()

# How long a command a person started by hand (forget, roster import, backup, restore, release, a message
# sent) waits for a sync or release in progress: long enough for a large sync to finish, short enough
# that a hung one is noticed. Commands that run from cron every few minutes (sync) do not wait at all.
PERSON_WAIT_S = 30 * 60
NOBODY = "en annan körning av ensak"


class BusyError(Exception):
    """Another ensak command holds the course lock. The message is Swedish and says who and what to do;
    `holder` is what the holder wrote about itself ("ensak sync, startad 2027-01-20 06:00 av …")."""

    def __init__(self, message: str, holder: str = NOBODY):
        super().__init__(message)
        self.holder = holder


def waiting_message(holder: str) -> str:
    """What a waiting command tells the person who started it (Swedish)."""
    return (f"Kursen är upptagen: {holder}. Väntar tills den är klar … (Ctrl-C avbryter; inget har ändrats "
            "ännu.)")


def lock_path(root: Path | str) -> Path:
    key = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ensak-course-{key}.lock"


def _holder_text(handle) -> str:
    handle.seek(0)
    return handle.read().strip()


def _open(path: Path):
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # made by another account (the hub runs as root): reading is enough to lock
        fd = os.open(path, os.O_RDONLY)
    return os.fdopen(fd, "r+" if os.access(path, os.W_OK) else "r", encoding="utf-8")


@contextmanager
def course_lock(root: Path | str, purpose: str, *, wait_s: float = 0,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the course's lock while doing `purpose` (e.g. "sync", "forget"); wait up to `wait_s` seconds.

    `on_wait(holder)` is called once if the lock is busy and the call is going to wait for it, so a
    command can say what it waits for (`waiting_message`). Raises BusyError if it is still busy then.
    Re-entrant within a thread: a locked step may call another locked step.
    """
    path = lock_path(root)
    key = f"{path}:{threading.get_ident()}"
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    handle = _open(path)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder_text(handle) or NOBODY
                if time.monotonic() >= deadline:
                    raise BusyError(f"Kursen är upptagen just nu: {holder}. Vänta tills den är klar och "
                                    "försök igen (inget har ändrats).", holder) from None
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(0.2)
        if handle.writable():
            started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            handle.seek(0)
            handle.truncate()
            handle.write(f"ensak {purpose}, startad {started} av {getpass.getuser()} (process {os.getpid()})")
            handle.flush()
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            if handle.writable():
                handle.seek(0)
                handle.truncate()
    finally:
        handle.close()
