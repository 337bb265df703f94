"""Markdown tables for report.md and MODEL_CARD.md: one way to write a cell, one way to draw a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cell(value: Any, spec: str = "") -> str:
    """A value as a table cell: `–` for none, `spec` (a format spec) for numbers, floats to 4 places by default."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else ""
    if spec and isinstance(value, (int, float)):
        return format(value, spec)
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def table(header: Sequence[str], body: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; cells go through `cell` unless they are strings already."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(v if isinstance(v, str) else cell(v) for v in row) + " |" for row in body]
    return "\n".join(lines)
