"""keras-tuner's Hyperband, plus a readable record per trial and progress events.

The search policy and its resumable state stay keras-tuner's; this subclass only adds
what autosent needs around each trial: it times it, turns its Keras history into a
`TrialRecord` written atomically before the oracle marks the trial done, and tells a
`SearchListener` (the live leaderboard) what is happening.
"""

from __future__ import annotations

import math
import re
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras_tuner

from autosent.errors import DISK_ERRORS
from autosent.runs import val_predictions
from autosent.runs.records import COMPLETED, FAILED, TrialRecord, epoch_row, read_records, summarise, write_record
from autosent.search import interrupts, keras_tuner_internals
from autosent.search.allocation import FamilyStats, draw_encoder, encoder_weights, epochs_for, family_stats
from autosent.search.distributed import WorkerDuties
from autosent.search.resume import repair_oracle
from autosent.views.events import SearchListener

#: A search stops after this many failed trials in a row: the space, not bad luck, is at fault.
MAX_CONSECUTIVE_FAILURES = 5


def split_hyperparameters(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate the model's hyperparameters from Hyperband's bookkeeping (`tuner/...`)."""
    model = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    bookkeeping = {k.removeprefix("tuner/"): v for k, v in values.items() if k.startswith("tuner/")}
    return model, bookkeeping


class TimeLimitReached(Exception):
    """Raised between trials once the deadline has passed; the tuner's state is saved by then."""


class TrialWriteError(keras_tuner.errors.FatalError, OSError):
    """A disk error inside a trial (a full disk under its checkpoint): the disk's fault, not the
    configuration's, so it stops the search (keras-tuner lets a `FatalError` through) instead of
    recording the trial as failed; the trial runs again when the same command resumes."""


class TooManyFailures(Exception):
    """Raised after `MAX_CONSECUTIVE_FAILURES` failed trials in a row; the state is saved by then."""

    def __init__(self, failed: list[TrialRecord]):
        self.failed = failed
        super().__init__(f"{len(failed)} trials failed in a row")


def _check_finite(name: str, value: Any, where: str) -> None:
    """Fail the trial the moment a loss diverges: its later epochs could only waste time."""
    if value is not None and not math.isfinite(float(value)):
        raise keras_tuner.errors.FailedTrialError(f"{name} became {float(value)} {where}")


#: What TensorFlow puts before an op's error message: the function the op ran in.
FUNCTION_NODE = re.compile(r"^\{\{function_node [^}]*\}\}\s*")


def _one_line(error: Exception) -> str:
    """`ResourceExhaustedError: first line of its message`: TensorFlow's messages run for pages."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {FUNCTION_NODE.sub('', lines[0])}" if lines else type(error).__name__


#: Samples keras-tuner may draw to find a new configuration of the encoder the allocator picked.
MAX_DRAWS = 200


class CostAwareHyperbandOracle(keras_tuner_internals.HookedHyperbandOracle):
    """keras-tuner's Hyperband oracle, spending its budget where the winners are (see `allocation`).

    Brackets, rounds, promotions and the state file stay keras-tuner's. Two decisions change:
    the encoder of each new configuration is drawn by `allocation.encoder_weights`, and each
    trial's epochs are cut by `allocation.epochs_for` when its family is dear. Both are pure
    functions of the run's trial records and of a draw seeded by the trial's number, so a
    resumed search (and a distributed chief, which reads the records the workers write)
    decides as an uninterrupted one would.
    """

    def __init__(self, *, run_dir: Path, encoders: list[str], objective: keras_tuner.Objective, max_epochs: int, factor: int, seed: int):
        super().__init__(
            objective=objective, max_epochs=max_epochs, factor=factor, seed=seed,
            hyperband_iterations=None,  # keep making brackets: the budget ends the search
            max_consecutive_failed_trials=sys.maxsize,  # keras-tuner's limit raises before it saves its state; ours after
        )  # fmt: skip
        self.run_dir = run_dir
        self.encoders = encoders
        self._stats: dict[str, FamilyStats] = {}  # the records' verdict, read at each populate_space

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        """keras-tuner's next trial, with the run's records read once for both decisions."""
        if len(self.encoders) < 2:
            return super().populate_space(trial_id)
        self._stats = family_stats(self.encoders, read_records(self.run_dir))
        result = super().populate_space(trial_id)  # calls new_values for a new configuration
        values = result.get("values")
        if result.get("status") == "RUNNING" and values and "tuner/epochs" in values:
            rung = values["tuner/initial_epoch"], values["tuner/epochs"]
            values["tuner/epochs"] = epochs_for(values["encoder"], rung[1], rung[0], self._stats)
        return result

    def new_values(self, draw: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
        """keras-tuner's random configuration, of the encoder the allocator draws (rejection sampling)."""
        values = draw()
        if len(self.encoders) < 2 or values is None:
            return values
        wanted = draw_encoder(encoder_weights(self._stats), self.seed, len(self.trials))
        for _ in range(MAX_DRAWS):
            if values is None or values.get("encoder") == wanted:
                break
            values = draw()
        return values


class RecordingHyperband(keras_tuner_internals.HookedHyperband):
    """Hyperband that records every trial under `run_dir/trials/` and reports progress.

    Its oracle is the `CostAwareHyperbandOracle`. `deadline` (a `time.monotonic()` value)
    stops the search before the next trial starts.
    """

    def __init__(
        self,
        *,
        run_dir: Path,
        train_size: int,
        encoders: list[str],
        objective: keras_tuner.Objective,
        max_epochs: int,
        factor: int,
        seed: int,
        listener: SearchListener | None = None,
        deadline: float | None = None,
        val_inputs: Any = None,
        **kwargs: Any,
    ):
        self.run_dir = run_dir
        self.val_inputs = val_inputs  # the val split's model inputs; None where no trial is trained
        self.train_size = train_size
        self.deadline = deadline
        self.listener = listener or SearchListener()
        self.trials_begun = 0  # by this process
        self._trial_started = 0.0
        self._history: list[dict[str, float]] = []
        self._epoch = 0
        self._steps = 0  # batches per epoch of the running trial
        self._params: int | None = None
        self._failure = ""
        self._failed_in_a_row: list[TrialRecord] = []
        # A worker's oracle is a client of the chief's: keras-tuner decides this from the
        # environment (see autosent.search.distributed), and the chief keeps the oracle's state.
        self.worker: WorkerDuties | None = WorkerDuties() if keras_tuner_internals.is_worker() else None
        oracle = CostAwareHyperbandOracle(run_dir=run_dir, encoders=encoders, objective=objective, max_epochs=max_epochs, factor=factor, seed=seed)
        super().__init__(oracle=oracle, **kwargs)

    def declare_space(self, hp: keras_tuner.HyperParameters) -> None:
        """`SearchSpace.declare_all`: the space as keras-tuner's builds would discover it, without building a model."""
        self.hypermodel.space.declare_all(hp)

    def reload(self) -> None:
        """keras-tuner's resume, then `resume.repair_oracle` (by the process that owns the oracle)."""
        super().reload()
        if self.worker is None:
            self.oracle.verbose = 0  # autosent's live view replaces keras-tuner's printed display
            repair_oracle(self.oracle, self.run_dir)

    def on_search_begin(self) -> None:
        """Save the tuner and oracle before the first trial, so that any kill after this resumes.

        keras-tuner writes its tuner file only when a trial ends and reloads a project only
        if that file exists; a kill right after the first trial's record would otherwise
        start the run from scratch and train (and overwrite) trial 0 again.
        """
        super().on_search_begin()
        if self.worker is None:
            self.oracle.save()
        self.save()

    def pre_create_trial(self) -> None:
        interrupts.raise_if_interrupted()
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TimeLimitReached
        if self.worker is not None:
            self.worker.before_asking()

    def on_trial_begin(self, trial) -> None:
        super().on_trial_begin(trial)
        if self.worker is not None:
            self.worker.trial_started(self.oracle, trial.trial_id)
        self._trial_started = time.monotonic()
        self.trials_begun += 1
        self._history, self._params, self._failure = [], None, ""
        model_hps, bookkeeping = self._hyperparameters(trial)
        self._steps = math.ceil(self.train_size / model_hps["batch_size"])
        self.listener.on_trial_begin(trial.trial_id, model_hps, bookkeeping.get("epochs", 0))

    def run_trial(self, trial, *args: Any, **kwargs: Any):
        with warnings.catch_warnings():
            # A Hyperband continuation loads its parent's weights into a fresh optimizer on
            # purpose; Keras warns that the optimizer's saved slots are skipped.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            try:
                return super().run_trial(trial, *args, **kwargs)
            except Exception as e:
                if isinstance(e, OSError) and e.errno in DISK_ERRORS:
                    raise TrialWriteError(e.errno, e.strerror, e.filename) from e
                self._failure = _one_line(e)  # keras-tuner keeps only the traceback; the record wants one line
                raise

    def on_epoch_begin(self, trial, model, epoch, logs=None) -> None:
        interrupts.raise_if_interrupted()  # one that came while the model was built (and garbage collected)
        if self._params is None:
            self._params = int(model.count_params())
        self._epoch = epoch + 1
        self.listener.on_epoch_begin(epoch + 1, self._steps)

    def on_batch_end(self, trial, model, batch, logs=None) -> None:
        interrupts.raise_if_interrupted()
        _check_finite("loss", (logs or {}).get("loss"), f"in epoch {self._epoch}, batch {batch + 1}")
        self.listener.on_batch_end(batch + 1)

    def on_epoch_end(self, trial, model, epoch, logs=None) -> None:
        logs = dict(logs or {})
        self._history.append(epoch_row(epoch, logs))
        self.listener.on_epoch_end(epoch + 1, self._history[-1])
        _check_finite("val_loss", logs.get("val_loss"), f"in epoch {epoch + 1}")

    def on_trial_end(self, trial) -> None:
        if self.worker is not None:
            self.worker.trial_ended()
        record = self._record(trial)
        if record.failed:  # no retries: a diverging or crashing configuration does so again
            trial.status, trial.message = FAILED, record.message
        write_record(self.run_dir, record)  # before the oracle: a finished trial is never lost
        if record.finished and self.val_inputs is not None:
            val_predictions.write(self.run_dir, record.trial_id, val_predictions.score(self.hypermodel, self.run_dir, record, self.val_inputs))
        super().on_trial_end(trial)
        self.listener.on_trial_end(record)
        # Counted by this process, so that each worker of a distributed search stops on its own.
        self._failed_in_a_row = [*self._failed_in_a_row, record] if record.failed else []
        if len(self._failed_in_a_row) >= MAX_CONSECUTIVE_FAILURES:
            raise TooManyFailures(self._failed_in_a_row)

    def _hyperparameters(self, trial) -> tuple[dict[str, Any], dict[str, Any]]:
        """The trial's model hyperparameters, by the hypermodel's names, and Hyperband's bookkeeping."""
        model_hps, bookkeeping = split_hyperparameters(trial.hyperparameters.values)
        return self.hypermodel.space.model_values(model_hps), bookkeeping

    def _record(self, trial) -> TrialRecord:
        model_hps, bookkeeping = self._hyperparameters(trial)
        summary = summarise(self._history)
        completed = trial.status == COMPLETED and summary
        return TrialRecord(
            trial_id=trial.trial_id,
            status=COMPLETED if completed else FAILED,
            hyperparameters=model_hps,
            hyperband=bookkeeping,
            history=self._history,
            params=self._params,
            seconds=round(time.monotonic() - self._trial_started, 3),
            worker=self.tuner_id,
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            message="" if completed else (self._failure or "no finite val cross-entropy in any epoch"),
            **summary,
        )
