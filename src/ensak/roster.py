"""The course roster: who takes part, with library/unit and role. Stored as roster.csv (personal data, git-ignored)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROSTER_FILE = "roster.csv"
COLUMNS = ["id", "first_name", "last_name", "email", "unit", "role"]
MANAGER_ROLE = "chef"


def roster_path(root: Path | str) -> Path:
    return Path(root) / ROSTER_FILE


def load_roster(root: Path | str) -> pd.DataFrame:
    """The roster as a DataFrame with COLUMNS (empty if there is no roster yet)."""
    path = roster_path(root)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS).astype(str)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return frame.reindex(columns=COLUMNS, fill_value="")


def write_roster(root: Path | str, roster: pd.DataFrame) -> Path:
    """Write the roster in the canonical column order."""
    path = roster_path(root)
    roster.reindex(columns=COLUMNS, fill_value="").to_csv(path, index=False, encoding="utf-8")
    return path
