"""keras-tuner's Hyperband, plus a readable record per trial and progress events.

The search policy and its resumable state stay keras-tuner's; this subclass only adds
what autosent needs around each trial: it times it, turns its Keras history into a
`TrialRecord` written atomically before the oracle marks the trial done, and tells a
`SearchListener` (the live leaderboard) what is happening.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras_tuner
from keras_tuner.src import utils as keras_tuner_utils

from autosent import atomic
from autosent.events import SearchListener
from autosent.records import TrialRecord, history_rows, read_record, summarise, write_record


def split_hyperparameters(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate the model's hyperparameters from Hyperband's bookkeeping (`tuner/...`)."""
    model = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    bookkeeping = {k.removeprefix("tuner/"): v for k, v in values.items() if k.startswith("tuner/")}
    return model, bookkeeping


def _atomic_save_json(path: str, obj: Any) -> str:
    text = json.dumps(obj)
    atomic.write_text(path, text)
    return text


def make_keras_tuner_writes_atomic() -> None:
    """Route keras-tuner's own state writes (oracle.json, trial.json) through `atomic`.

    keras-tuner rewrites these files in place; a SIGKILL in the middle leaves a truncated
    oracle.json and a run that can no longer resume. All its writes go through
    `keras_tuner.src.utils.save_json`, looked up at call time, so replacing that one
    function makes every one of them atomic.
    """
    keras_tuner_utils.save_json = _atomic_save_json


class TimeLimitReached(Exception):
    """Raised between trials once the deadline has passed; the tuner's state is saved by then."""


class RecordingHyperband(keras_tuner.Hyperband):
    """Hyperband that records every trial under `run_dir/trials/` and reports progress.

    `deadline` (a `time.monotonic()` value) stops the search before the next trial starts.
    """

    def __init__(
        self,
        *,
        run_dir: Path,
        train_size: int,
        listener: SearchListener | None = None,
        deadline: float | None = None,
        **kwargs: Any,
    ):
        self.run_dir = run_dir
        self.train_size = train_size
        self.deadline = deadline
        self.listener = listener or SearchListener()
        self._trial_started = 0.0
        self._histories: list = []
        self._params: int | None = None
        make_keras_tuner_writes_atomic()
        super().__init__(**kwargs)

    def reload(self) -> None:
        """keras-tuner's resume, repaired for the moments a kill can fall in.

        keras-tuner re-queues the trials its oracle.json lists as running. A trial created
        just before the kill may be on disk (trial.json, RUNNING) but missing from that
        list; it would count towards the budget and never run, so it is queued too. A
        trial whose record we had already written finished training; re-running it would
        waste its time and replace its record, so it is ended as completed instead.
        """
        super().reload()
        oracle = self.oracle
        oracle.verbose = 0  # autosent's live view replaces keras-tuner's printed display
        queue = oracle._retry_queue  # keras-tuner keeps no public view of it
        queue.extend(t for t, trial in oracle.trials.items() if trial.status == "RUNNING" and t not in queue)
        for trial_id in list(queue):
            record = read_record(self.run_dir, trial_id)
            if record is None or not record.finished:
                continue
            queue.remove(trial_id)
            trial = oracle.trials[trial_id]
            if not trial.metrics.exists(oracle.objective.name):
                oracle.update_trial(trial_id, {oracle.objective.name: record.val_loss}, step=record.best_epoch - 1)
            trial.status = "COMPLETED"
            oracle.end_trial(trial)

    def on_search_begin(self) -> None:
        """Save the tuner and oracle before the first trial, so that any kill after this resumes.

        keras-tuner writes its tuner file only when a trial ends and reloads a project only
        if that file exists; a kill right after the first trial's record would otherwise
        start the run from scratch and train (and overwrite) trial 0 again.
        """
        super().on_search_begin()
        self.oracle.save()
        self.save()

    def pre_create_trial(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TimeLimitReached

    def on_trial_begin(self, trial) -> None:
        super().on_trial_begin(trial)
        self._trial_started = time.monotonic()
        self._histories, self._params = [], None
        model_hps, bookkeeping = split_hyperparameters(trial.hyperparameters.values)
        self.listener.on_trial_begin(trial.trial_id, model_hps, bookkeeping.get("epochs", 0))

    def run_trial(self, trial, *args: Any, **kwargs: Any):
        with warnings.catch_warnings():
            # A Hyperband continuation loads its parent's weights into a fresh optimizer on
            # purpose; Keras warns that the optimizer's saved slots are skipped.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            self._histories = super().run_trial(trial, *args, **kwargs)
        return self._histories

    def on_epoch_begin(self, trial, model, epoch, logs=None) -> None:
        if self._params is None:
            self._params = int(model.count_params())
        steps = math.ceil(self.train_size / trial.hyperparameters.get("batch_size"))
        self.listener.on_epoch_begin(epoch + 1, steps)

    def on_batch_end(self, trial, model, batch, logs=None) -> None:
        self.listener.on_batch_end(batch + 1)

    def on_epoch_end(self, trial, model, epoch, logs=None) -> None:
        self.listener.on_epoch_end(epoch + 1, dict(logs or {}))

    def on_trial_end(self, trial) -> None:
        record = self._record(trial)
        write_record(self.run_dir, record)  # before the oracle: a finished trial is never lost
        super().on_trial_end(trial)
        self.listener.on_trial_end(record)

    def _record(self, trial) -> TrialRecord:
        model_hps, bookkeeping = split_hyperparameters(trial.hyperparameters.values)
        history = []
        for h in self._histories or []:
            history.extend(history_rows(h.epoch, h.history))
        message = (trial.message or "").strip().splitlines()
        return TrialRecord(
            trial_id=trial.trial_id,
            status=str(trial.status),
            hyperparameters=model_hps,
            hyperband=bookkeeping,
            history=history,
            params=self._params,
            seconds=round(time.monotonic() - self._trial_started, 3),
            worker=self.tuner_id,
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            message=message[-1] if message else "",
            **summarise(history),
        )
