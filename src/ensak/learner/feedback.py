"""Findings that checkers, builders and simulators report, rendered with a symbol and a word each.

A finding is never told by colour alone: every level has its own symbol and its own Swedish label,
so the feedback reads the same on a screen reader, in grey scale and in a printed notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ensak.learner.base import escape

# level -> (symbol, label). Order matters: the worst level comes first when sorting.
LEVELS: dict[str, tuple[str, str]] = {
    "problem": ("⚠", "Åtgärda"),
    "tips": ("➜", "Tips"),
    "bra": ("✓", "Bra"),
    "info": ("ℹ", "Bra att veta"),
}


@dataclass(frozen=True)
class Finding:
    level: str
    text: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"Unknown finding level {self.level!r}; use one of {', '.join(LEVELS)}.")


def count(findings: Iterable[Finding], level: str) -> int:
    return sum(1 for f in findings if f.level == level)


def render_findings(findings: Iterable[Finding], *, heading: str = "") -> str:
    """An HTML list, one item per finding, each opening with its symbol and label."""
    items = []
    for finding in findings:
        symbol, label = LEVELS[finding.level]
        items.append(f'<li class="ensak-{finding.level}"><strong>{symbol} {label}:</strong> {escape(finding.text)}</li>')
    title = f"<p><strong>{escape(heading)}</strong></p>" if heading else ""
    return f'<div class="ensak-feedback" role="status">{title}<ul>{"".join(items)}</ul></div>'
