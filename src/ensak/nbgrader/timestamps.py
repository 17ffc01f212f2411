"""nbgrader's timestamp.txt: when a submission was handed in. Read here, one way, for sync, screening,
the exchange and the blog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nbgrader.utils import parse_utc

TIMESTAMP_FILE = "timestamp.txt"


def timestamp_text(folder: Path) -> str | None:
    """nbgrader's timestamp.txt in a submission folder, as written ("2027-01-20 10:00:00.000000 UTC"), or None.

    Sync compares these texts to know whether a submission is the one it already collected or graded.
    """
    try:
        return (folder / TIMESTAMP_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None


def submitted_at(folder: Path) -> dt.datetime | None:
    """When the submission in `folder` was handed in, as an aware UTC datetime, or None."""
    text = timestamp_text(folder)
    try:
        return parse_utc(text).replace(tzinfo=dt.timezone.utc) if text else None
    except ValueError:
        return None
