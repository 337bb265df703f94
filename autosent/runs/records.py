"""Trial records: one readable JSON file per finished trial, the source of every leaderboard.

keras-tuner keeps its own state for resuming the search; these records are ours, written
atomically when a trial ends, and hold what a person wants to compare trials by: the
hyperparameters, the whole learning curve, the best epoch and whether the trial showed
the seed notebook's overfitting signature (val cross-entropy rising after its minimum while the
training loss kept falling).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autosent.errors import UsageError, first_line
from autosent.models.objective import CROSS_ENTROPY, MACRO_F1, OBJECTIVE
from autosent.runs import atomic
from autosent.runs.rundir import TRIALS_DIR

#: The metrics a learning-curve row keeps, by Keras' names.
METRICS = (CROSS_ENTROPY, "accuracy", OBJECTIVE, "val_accuracy", MACRO_F1, f"val_{MACRO_F1}")
#: Records written before the fields were named for what they hold called the cross-entropy "loss".
LEGACY_FIELDS = {"val_loss": "val_cross_entropy", "train_loss": "train_cross_entropy", "val_loss_rise": "val_cross_entropy_rise"}
LEGACY_METRICS = {"loss": CROSS_ENTROPY, "val_loss": OBJECTIVE}
COMPLETED, FAILED = "COMPLETED", "FAILED"


@dataclass
class TrialRecord:
    """What one trial did. `history` holds one dict per epoch, epochs numbered from 1."""

    trial_id: str
    status: str
    hyperparameters: dict[str, Any]
    hyperband: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    val_cross_entropy: float | None = None
    val_accuracy: float | None = None
    val_macro_f1: float | None = None  # only in runs with many or imbalanced classes
    train_cross_entropy: float | None = None
    train_accuracy: float | None = None
    overfit: bool = False
    val_cross_entropy_rise: float = 0.0
    params: int | None = None
    seconds: float = 0.0
    worker: str = "tuner0"
    finished_at: str = ""
    message: str = ""

    @property
    def finished(self) -> bool:
        """Trained to the end with a finite val cross-entropy: rankable and exportable."""
        return self.status == COMPLETED and self.val_cross_entropy is not None

    @property
    def encoder(self) -> str | None:
        """The encoder family the trial picked (None in a record without one)."""
        return self.hyperparameters.get("encoder")

    @property
    def parent_id(self) -> str | None:
        """The trial whose weights this Hyperband continuation resumed (keras-tuner's `tuner/trial_id`), or None.

        A continuation has its parent's hyperparameters: unmarked, it reads as a duplicate.
        """
        parent = self.hyperband.get("trial_id")
        return None if parent is None else str(parent)

    @property
    def failed(self) -> bool:
        """Raised, ran out of memory or diverged; `message` says why. Never re-run."""
        return self.status == FAILED

    @property
    def gap(self) -> float | None:
        """Train minus val accuracy at the best epoch: how much the model memorised."""
        if self.train_accuracy is None or self.val_accuracy is None:
            return None
        return self.train_accuracy - self.val_accuracy

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "gap": self.gap}


def summarise(history: list[dict[str, float]]) -> dict[str, Any]:
    """Best epoch (lowest val cross-entropy) and overfitting figures of one learning curve."""
    curve = [h for h in history if math.isfinite(h.get(OBJECTIVE, math.nan))]
    if not curve:
        return {}
    best = min(curve, key=lambda h: h[OBJECTIVE])
    after = [h for h in curve if h["epoch"] > best["epoch"]]
    rise = max((h[OBJECTIVE] for h in after), default=best[OBJECTIVE]) - best[OBJECTIVE]
    overfit = any(h[OBJECTIVE] > best[OBJECTIVE] and h[CROSS_ENTROPY] < best[CROSS_ENTROPY] for h in after)
    return {
        "best_epoch": best["epoch"],
        "val_cross_entropy": best[OBJECTIVE],
        "val_accuracy": best.get("val_accuracy"),
        "val_macro_f1": best.get(f"val_{MACRO_F1}"),
        "train_cross_entropy": best.get(CROSS_ENTROPY),
        "train_accuracy": best.get("accuracy"),
        "overfit": overfit,
        "val_cross_entropy_rise": rise,
    }


def epoch_row(epoch: int, logs: dict[str, float]) -> dict[str, float]:
    """One epoch's METRICS from Keras' 0-based epoch index and its logs, numbered from 1.

    Keras' own loss and val_loss (with the L2 penalty) are left out: see OBJECTIVE.
    """
    return {"epoch": epoch + 1, **{m: float(logs[m]) for m in METRICS if m in logs}}


def upgrade_history(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """Learning-curve rows of any autosent version, by today's metric names."""
    return [{LEGACY_METRICS.get(k, k): v for k, v in row.items()} for row in rows]


def history_rows(epochs: list[int], history: dict[str, list[float]]) -> list[dict[str, float]]:
    """Keras' column-wise `History.history` as one row per epoch, numbered from 1."""
    return [epoch_row(epoch, {m: values[i] for m, values in history.items()}) for i, epoch in enumerate(epochs)]


def epochs_trained(record: TrialRecord, records: dict[str, TrialRecord]) -> int:
    """How many epochs of training a trial's model had at its best epoch.

    Hyperband continues a trial from its parent's checkpoint (the parent's best weights)
    but numbers its epochs on from the parent's last one: a trial started at
    `initial_epoch` 3 from a parent whose best was epoch 1 has trained 2 epochs at its
    epoch 4. Retraining from scratch for `best_epoch` epochs would overshoot.
    """
    initial = int(record.hyperband.get("initial_epoch", 0))
    parent = records.get(record.parent_id) if record.parent_id is not None else None
    inherited = epochs_trained(parent, records) if parent is not None and parent.best_epoch else initial
    return inherited + int(record.best_epoch or 0) - initial


def record_path(run_dir: Path, trial_id: str) -> Path:
    return run_dir / TRIALS_DIR / f"trial_{trial_id}.json"


def write_record(run_dir: Path, record: TrialRecord) -> None:
    atomic.write_json(record_path(run_dir, record.trial_id), record.to_dict())


#: Trial record file names: `trial_12.json`. Anything else in trials/ (a user's `trial_1.bak.json`) is not ours to read.
RECORD_NAME = re.compile(r"trial_(\d+)\.json")


def _load(path: Path) -> TrialRecord:
    """One record; `UsageError` naming the file if it is not one (records are written atomically,
    so a damaged one was damaged outside autosent and no guess at its contents is safe)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data = {LEGACY_FIELDS.get(k, k): v for k, v in data.items()}
        data["history"] = upgrade_history(data.get("history", []))
        return TrialRecord(**{k: v for k, v in data.items() if k in TrialRecord.__dataclass_fields__})
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError) as e:
        raise UsageError(f"{path} is not a readable trial record ({first_line(e)}); restore it or move it out of the run") from None


def read_record(run_dir: Path, trial_id: str) -> TrialRecord | None:
    """One trial's record, or None if that trial never finished."""
    path = record_path(run_dir, trial_id)
    return _load(path) if path.exists() else None


def record_ids(run_dir: Path) -> list[str]:
    """The ids of the trials that have a record, in trial order, without reading the records."""
    names = (RECORD_NAME.fullmatch(p.name) for p in (run_dir / TRIALS_DIR).glob("trial_*.json"))
    return sorted((m[1] for m in names if m), key=int)


def read_records(run_dir: Path) -> list[TrialRecord]:
    """Every trial record of a run, in trial order. Safe while a search is writing."""
    return [_load(record_path(run_dir, trial_id)) for trial_id in record_ids(run_dir)]


def rank(records: list[TrialRecord]) -> list[TrialRecord]:
    """Completed trials by val cross-entropy (ties: fewer parameters), then the rest in trial order."""
    done = [r for r in records if r.finished]
    done.sort(key=lambda r: (r.val_cross_entropy, r.params or 0, int(r.trial_id)))
    rest = [r for r in records if r not in done]
    return done + rest


def leader(records: list[TrialRecord]) -> TrialRecord | None:
    """The best finished trial by `rank`'s rule, ties included, or None: every "best" autosent names is this one."""
    return next((r for r in rank(records) if r.finished), None)
