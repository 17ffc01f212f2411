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


def plural(n: int, one: str, many: str) -> str:
    """'1 länk', '3 länkar': Swedish plurals are irregular, so the caller gives both forms."""
    return f"{n} {one if n == 1 else many}"


def decimal(value: float) -> str:
    """A number as Swedes write it: a decimal comma and no trailing ',0'."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


CELL_STYLE = "border:1px solid #888;padding:0.2em 0.6em;text-align:left;vertical-align:top"


def render_table(caption: str, headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """An accessible table with a caption and column headers. Cells are HTML: escape text before passing it.

    The borders are inline because widget output gets none of the notebook's table styling.
    """
    head = "".join(f'<th scope="col" style="{CELL_STYLE}">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{CELL_STYLE}">{cell}</td>' for cell in row) + "</tr>" for row in rows)
    return (f'<table class="ensak-table" style="border-collapse:collapse;margin:0.5em 0">'
            f'<caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
