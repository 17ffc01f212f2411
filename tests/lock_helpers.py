"""The course lock held by someone else, for tests of a command that must wait for it or refuse."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from ensak.course.lock import course_lock


@contextmanager
def course_held_by(course_dir: Path, command: str, hold_s: float = 60):
    """While the block runs, `command` holds the course lock in another thread, as another ensak process
    would (the lock is re-entrant within one thread, so this thread could not stand in for it)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with course_lock(course_dir, command):
            held.set()
            release.wait(hold_s)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30), f"the course lock for {command} was never taken"
        yield
    finally:
        release.set()
        holder.join()
