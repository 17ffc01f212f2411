"""The lives of processes ensak starts: whether one still runs (sync's graders, the hub runner's clean-up),
that a child ends with its parent, and that SIGTERM stops a foreground command as Ctrl-C does."""

from __future__ import annotations

import ctypes
import signal
from contextlib import contextmanager

import psutil

PR_SET_PDEATHSIG = 1


def process_is_alive(pid: int) -> bool:
    """True while `pid` runs. A killed process stays a zombie until its parent reaps it: that counts as gone."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def die_with_parent() -> None:
    """Have Linux kill this process when its parent dies (for `preexec_fn` or a worker's start): a killed
    command must not leave a grader writing to the gradebook or a server holding a port. Elsewhere a no-op."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt():
    """Inside: SIGTERM (a service manager, `kill`) ends the command the way Ctrl-C does, as KeyboardInterrupt,
    so that the same clean-up runs and what it started is stopped too."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
