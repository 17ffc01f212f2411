"""Whether a process still runs, as sync's graders and the hub runner's clean-up both need to know."""

from __future__ import annotations

import psutil


def process_is_alive(pid: int) -> bool:
    """True while `pid` runs. A killed process stays a zombie until its parent reaps it: that counts as gone."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
