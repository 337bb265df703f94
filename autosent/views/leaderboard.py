"""The leaderboard: trial records in, ranked rows and a rich table out.

Pure functions of the records, so the same code serves the live view during a search,
`autosent leaderboard` from another shell, `--json`, and tests that render to a string.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table

from autosent.runs.records import TrialRecord, rank
from autosent.views.markdown import cell
from autosent.views.markdown import table as markdown_table


def _ranked(records: list[TrialRecord], top: int | None) -> list[TrialRecord]:
    ranked = rank(records)
    return ranked[:top] if top else ranked


def rows(records: list[TrialRecord], top: int | None = None) -> list[dict[str, Any]]:
    """The leaderboard as plain data (what `--json` prints): one dict per trial, best first."""
    out = []
    for position, r in enumerate(_ranked(records, top), start=1):
        hps = r.hyperparameters
        out.append(
            {
                "rank": position if r.finished else None,
                "trial": r.trial_id,
                "status": r.status,
                "encoder": hps.get("encoder"),
                "units": hps.get("units"),
                "dropout": hps.get("dropout"),
                "l2": hps.get("l2"),
                "best_epoch": r.best_epoch,
                "val_cross_entropy": r.val_cross_entropy,
                "val_accuracy": r.val_accuracy,
                "val_macro_f1": r.val_macro_f1,
                "gap": r.gap,
                "overfit": r.overfit,
                "seconds": r.seconds,
                "worker": r.worker,
                "hyperparameters": hps,
            }
        )
    return out


@dataclass(frozen=True)
class Column:
    """One leaderboard column, for the live view, `autosent leaderboard`, report.md and the model card alike."""

    header: str
    key: str  # in `rows`, or `continues`, which only tables show (`--json` rows keep their old keys)
    spec: str = ""  # format spec of its numbers
    justify: str = "right"  # rich's
    #: Where a terminal is too narrow for every column, the columns with a `fold` go, lowest
    #: first; those without one (rank, trial, encoder, val_ce, val_acc) are what a reader picks by.
    fold: int | None = None


COLUMNS: list[Column] = [
    Column("#", "rank"),
    Column("trial", "trial", justify="left"),
    Column("continues", "continues", justify="left", fold=9),  # a Hyperband continuation's parent trial
    Column("encoder", "encoder", justify="left"),
    Column("units", "units", "d", fold=6),  # none for the n-gram encoders, which have no units
    Column("drop", "dropout", ".2f", fold=5),
    Column("l2", "l2", ".1e", fold=4),
    Column("ep", "best_epoch", fold=8),
    Column("val_ce", "val_cross_entropy", ".4f"),  # cross-entropy without the L2 penalty
    Column("val_acc", "val_accuracy", ".4f"),
    Column("val_f1", "val_macro_f1", ".4f", fold=10),  # macro-F1, in runs with many or imbalanced classes only
    Column("gap", "gap", "+.3f", fold=3),
    Column("overfit", "overfit", justify="center", fold=7),
    Column("sec", "seconds", ".0f", fold=2),
    Column("worker", "worker", justify="left", fold=1),
]


def _columns(records: list[TrialRecord]) -> list[Column]:
    """COLUMNS, less those that would say nothing in this run: macro-F1 where the run does not log it
    (two balanced classes: accuracy says it), `continues` where no trial continues another, and the
    worker where every trial ran on the same one (every local search)."""
    shown = {
        "val_macro_f1": any(r.val_macro_f1 is not None for r in records),
        "continues": any(r.parent_id is not None for r in records),
        "worker": len({r.worker for r in records}) > 1,
    }
    return [c for c in COLUMNS if shown.get(c.key, True)]


def _display_rows(records: list[TrialRecord], top: int | None) -> list[dict[str, Any]]:
    """`rows`, plus what only a table shows: the trial a continuation resumed."""
    return [{**row, "continues": r.parent_id or ""} for row, r in zip(rows(records, top), _ranked(records, top))]


def _cells(row: dict[str, Any], columns: list[Column]) -> list[str]:
    return [cell(row[c.key], c.spec) for c in columns]


class _Leaderboard:
    """The rich table, fitted to the width it is drawn in: rather than cut every value short
    (`0.45…`), it leaves out whole columns, in their `fold` order, until the rest fit whole.
    Fitted at each drawing, so the live view follows a terminal that is resized."""

    def __init__(self, records: list[TrialRecord], top: int | None, title: str | None):
        self.columns = _columns(records)
        self.rows = _display_rows(records, top)
        self.title = title

    def _table(self, columns: list[Column]) -> Table:
        t = Table(title=self.title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True, padding=(0, 1, 0, 0))  # fmt: skip
        for c in columns:
            t.add_column(c.header, justify=c.justify, no_wrap=True)
        for row in self.rows:
            failed = row["status"] != "COMPLETED"
            t.add_row(*_cells(row, columns), style="dim red" if failed else ("bold green" if row["rank"] == 1 else None))
        return t

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Table]:
        columns = list(self.columns)
        folding = sorted((c for c in columns if c.fold is not None), key=lambda c: c.fold or 0)
        fitted = self._table(columns)
        while folding and _natural_width(console, options, fitted) > options.max_width:
            columns.remove(folding.pop(0))
            fitted = self._table(columns)
        yield fitted


def _natural_width(console: Console, options: ConsoleOptions, renderable: Table) -> int:
    """The width a table takes with room for all of it (rich's own measure stops at the room it is given)."""
    return Measurement.get(console, options.update_width(1_000_000), renderable).maximum


def table(records: list[TrialRecord], top: int | None = None, title: str | None = None) -> RenderableType:
    """A rich table of the best `top` trials, fitted to the width it is drawn in."""
    return _Leaderboard(records, top, title)


def markdown(records: list[TrialRecord], top: int | None = None) -> str:
    """The same table in Markdown, for report.md and MODEL_CARD.md: every column, as files have no width."""
    columns = _columns(records)
    return markdown_table([c.header for c in columns], [_cells(row, columns) for row in _display_rows(records, top)])
