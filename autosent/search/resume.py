"""Resuming a search: keras-tuner's reloaded oracle, repaired for the moments a kill can fall in.

keras-tuner re-queues the trials its oracle.json lists as running. Two kills leave it wrong:

- A trial created just before the kill may be on disk (trial.json, RUNNING) but missing from
  that list; it would count towards the budget and never run, so it is queued too.
- A trial whose record autosent had already written finished (or failed); running it again
  would waste its time and replace its record, so it is ended as its record says instead.

Only the process that owns the oracle (a local search, or a distributed search's chief)
repairs it; workers are clients of the chief's.
"""

from __future__ import annotations

from pathlib import Path

from autosent.runs.records import read_record
from autosent.search import keras_tuner_internals


def repair_oracle(oracle, run_dir: Path) -> None:
    """Queue the running trials keras-tuner forgot, and end those whose record says they ended."""
    for trial_id in keras_tuner_internals.queue_running_trials(oracle):
        record = read_record(run_dir, trial_id)
        if record is None or not (record.finished or record.failed):
            continue
        best = (record.val_cross_entropy, record.best_epoch - 1) if record.finished else None  # keras-tuner counts epochs from 0
        keras_tuner_internals.end_queued_trial(oracle, trial_id, record.status, record.message, best)
