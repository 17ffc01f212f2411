"""Accessible HTML tables for widget output and reports: a caption, column headers with scope, and
borders that do not depend on the notebook's styling (widget output gets none of it)."""

from __future__ import annotations

from html import escape
from typing import Iterable

CELL_STYLE = "border:1px solid #888;padding:0.2em 0.6em;text-align:left;vertical-align:top"


def render_table(caption: str, headers: Iterable[str], rows: Iterable[Iterable[str]], *,
                 css_class: str = "ensak-table") -> str:
    """A table with a caption and column headers. Cells are HTML: escape text before passing it."""
    head = "".join(f'<th scope="col" style="{CELL_STYLE}">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{CELL_STYLE}">{cell}</td>' for cell in row) + "</tr>" for row in rows)
    return (f'<table class="{escape(css_class)}" style="border-collapse:collapse;margin:0.5em 0">'
            f'<caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
