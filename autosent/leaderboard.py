"""The leaderboard: trial records in, ranked rows and a rich table out.

Pure functions of the records, so the same code serves the live view during a search,
`autosent leaderboard` from another shell, `--json`, and tests that render to a string.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from autosent.markdown import cell
from autosent.markdown import table as markdown_table
from autosent.records import TrialRecord


def rank(records: list[TrialRecord]) -> list[TrialRecord]:
    """Completed trials by val cross-entropy (ties: fewer parameters), then the rest in trial order."""
    done = [r for r in records if r.finished]
    done.sort(key=lambda r: (r.val_cross_entropy, r.params or 0, int(r.trial_id)))
    rest = [r for r in records if r not in done]
    return done + rest


def rows(records: list[TrialRecord], top: int | None = None) -> list[dict[str, Any]]:
    """The leaderboard as plain data (what `--json` prints): one dict per trial, best first."""
    ranked = rank(records)
    out = []
    for position, r in enumerate(ranked[:top] if top else ranked, start=1):
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


#: The leaderboard's columns, for the live view, `autosent leaderboard`, report.md and the model
#: card alike: (header, key in `rows`, format spec, rich justification).
COLUMNS: list[tuple[str, str, str, str]] = [
    ("#", "rank", "", "right"),
    ("trial", "trial", "", "left"),
    ("encoder", "encoder", "", "left"),
    ("units", "units", "d", "right"),  # none for the n-gram encoders, which have no units
    ("drop", "dropout", ".2f", "right"),
    ("l2", "l2", ".1e", "right"),
    ("ep", "best_epoch", "", "right"),
    ("val_ce", "val_cross_entropy", ".4f", "right"),  # cross-entropy without the L2 penalty
    ("val_acc", "val_accuracy", ".4f", "right"),
    ("val_f1", "val_macro_f1", ".4f", "right"),  # macro-F1, in runs with many or imbalanced classes only
    ("gap", "gap", "+.3f", "right"),
    ("overfit", "overfit", "", "center"),
    ("sec", "seconds", ".0f", "right"),
    ("worker", "worker", "", "left"),
]


def _columns(records: list[TrialRecord]) -> list[tuple[str, str, str, str]]:
    """COLUMNS, less macro-F1 where the run does not log it (two balanced classes: accuracy says it)."""
    logged = any(r.val_macro_f1 is not None for r in records)
    return [c for c in COLUMNS if c[1] != "val_macro_f1" or logged]


def _cells(row: dict[str, Any], columns: list[tuple[str, str, str, str]]) -> list[str]:
    return [cell(row[key], spec) for _, key, spec, _ in columns]


def table(records: list[TrialRecord], top: int | None = None, title: str | None = None) -> Table:
    """A rich table of the best `top` trials."""
    t = Table(title=title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1, 0, 0))
    columns = _columns(records)
    for header, _, _, justify in columns:
        t.add_column(header, justify=justify, no_wrap=True)
    for row in rows(records, top):
        failed = row["status"] != "COMPLETED"
        t.add_row(*_cells(row, columns), style="dim red" if failed else ("bold green" if row["rank"] == 1 else None))
    return t


def markdown(records: list[TrialRecord], top: int | None = None) -> str:
    """The same table in Markdown, for report.md and MODEL_CARD.md."""
    columns = _columns(records)
    return markdown_table([header for header, *_ in columns], [_cells(row, columns) for row in rows(records, top)])
