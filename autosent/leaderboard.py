"""The leaderboard: trial records in, ranked rows and a rich table out.

Pure functions of the records, so the same code serves the live view during a search,
`autosent leaderboard` from another shell, `--json`, and tests that render to a string.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from autosent.records import TrialRecord


def rank(records: list[TrialRecord]) -> list[TrialRecord]:
    """Completed trials by val_loss (ties: fewer parameters), then the rest in trial order."""
    done = [r for r in records if r.finished]
    done.sort(key=lambda r: (r.val_loss, r.params or 0, int(r.trial_id)))
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
                "val_loss": r.val_loss,
                "val_accuracy": r.val_accuracy,
                "gap": r.gap,
                "overfit": r.overfit,
                "seconds": r.seconds,
                "worker": r.worker,
                "hyperparameters": hps,
            }
        )
    return out


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def table(records: list[TrialRecord], top: int | None = None, title: str | None = None) -> Table:
    """A rich table of the best `top` trials."""
    t = Table(title=title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1, 0, 0))
    for name, justify in [
        ("#", "right"), ("trial", "left"), ("encoder", "left"), ("units", "right"),
        ("drop", "right"), ("l2", "right"), ("ep", "right"), ("val_loss", "right"),
        ("val_acc", "right"), ("gap", "right"), ("overfit", "center"), ("sec", "right"),
    ]:  # fmt: skip
        t.add_column(name, justify=justify, no_wrap=True)
    for row in rows(records, top):
        failed = row["status"] != "COMPLETED"
        t.add_row(
            str(row["rank"] or "–"),
            row["trial"],
            str(row["encoder"]),
            _num(row["units"], "d"),  # none for the n-gram encoders, which have no units
            _num(row["dropout"], ".2f"),
            _num(row["l2"], ".1e"),
            str(row["best_epoch"] or "–"),
            _num(row["val_loss"], ".4f"),
            _num(row["val_accuracy"], ".4f"),
            _num(row["gap"], "+.3f"),
            "yes" if row["overfit"] else "",
            _num(row["seconds"], ".0f"),
            style="dim red" if failed else ("bold green" if row["rank"] == 1 else None),
        )
    return t
