"""Trial records: one readable JSON file per finished trial, the source of every leaderboard.

keras-tuner keeps its own state for resuming the search; these records are ours, written
atomically when a trial ends, and hold what a person wants to compare trials by: the
hyperparameters, the whole learning curve, the best epoch and whether the trial showed
the seed notebook's overfitting signature (val_loss rising after its minimum while the
training loss kept falling).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autosent import atomic
from autosent.errors import UsageError
from autosent.rundir import TRIALS_DIR
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
# What trials are ranked, early-stopped and picked by: the validation cross-entropy alone.
# Keras' val_loss adds the L2 penalty (`model.losses`) even when evaluating, so it grows
# with a trial's l2 and would rank the least regularised trials first, whatever their fit:
# on the full IMDB split a bag trial at l2 4e-4 had val accuracy 0.911 but val_loss 0.286,
# ranked below a conv1d trial at 0.892 / 0.272. The hypermodel logs the bare cross-entropy
# as a metric, and the records store it under loss / val_loss.
CROSS_ENTROPY = "cross_entropy"
OBJECTIVE = f"val_{CROSS_ENTROPY}"
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
    val_loss: float | None = None
    val_accuracy: float | None = None
    train_loss: float | None = None
    train_accuracy: float | None = None
    overfit: bool = False
    val_loss_rise: float = 0.0
    params: int | None = None
    seconds: float = 0.0
    worker: str = "tuner0"
    finished_at: str = ""
    message: str = ""

    @property
    def finished(self) -> bool:
        """Trained to the end with a finite val_loss: rankable and exportable."""
        return self.status == COMPLETED and self.val_loss is not None

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
    """Best epoch (lowest val_loss) and overfitting figures of one learning curve."""
    curve = [h for h in history if math.isfinite(h.get("val_loss", math.nan))]
    if not curve:
        return {}
    best = min(curve, key=lambda h: h["val_loss"])
    after = [h for h in curve if h["epoch"] > best["epoch"]]
    rise = max((h["val_loss"] for h in after), default=best["val_loss"]) - best["val_loss"]
    overfit = any(h["val_loss"] > best["val_loss"] and h["loss"] < best["loss"] for h in after)
    return {
        "best_epoch": best["epoch"],
        "val_loss": best["val_loss"],
        "val_accuracy": best.get("val_accuracy"),
        "train_loss": best.get("loss"),
        "train_accuracy": best.get("accuracy"),
        "overfit": overfit,
        "val_loss_rise": rise,
    }


def epoch_row(epoch: int, logs: dict[str, float]) -> dict[str, float]:
    """One epoch's metrics from Keras' 0-based epoch index and its logs, numbered from 1.

    loss and val_loss are the cross-entropy without the L2 penalty (see OBJECTIVE) when the
    model logs it, as every model the hypermodel builds does.
    """
    logs = {**logs, **{m.replace(CROSS_ENTROPY, "loss"): v for m, v in logs.items() if m.endswith(CROSS_ENTROPY)}}
    return {"epoch": epoch + 1, **{m: float(logs[m]) for m in METRICS if m in logs}}


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
    parent = records.get(str(record.hyperband.get("trial_id")))
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
        return TrialRecord(**{k: v for k, v in data.items() if k in TrialRecord.__dataclass_fields__})
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError) as e:
        raise UsageError(f"{path} is not a readable trial record ({str(e).splitlines()[0]}); restore it or move it out of the run") from None


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
