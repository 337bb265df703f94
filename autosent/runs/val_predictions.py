"""Each finished trial's class probabilities on the validation split: what ensemble selection reads.

Written when the trial ends, from keras-tuner's checkpoint of its best epoch (the weights the
trial is ranked by), so that choosing an ensemble never trains a model it does not ship.
Runs searched before this existed are scored from the same checkpoints when first needed.

Importing it loads no TensorFlow (keras-tuner loads it): `export` checks, through
`check_readable`, that a run holds what it needs before TensorFlow loads.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from autosent.errors import UsageError
from autosent.models.outputs import class_probabilities
from autosent.runs import atomic
from autosent.runs.records import TrialRecord, rank
from autosent.runs.rundir import TUNER_DIR, VAL_PREDICTIONS_DIR


def _path(run_dir: Path, trial_id: str) -> Path:
    return run_dir / VAL_PREDICTIONS_DIR / f"trial_{trial_id}.npy"


def write(run_dir: Path, trial_id: str, probabilities: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(probabilities, dtype=np.float32))
    atomic.write_bytes(_path(run_dir, trial_id), buffer.getvalue())


def _checkpoint(run_dir: Path, trial_id: str) -> Path:
    """keras-tuner's checkpoint of a trial's best epoch (imported here: keras-tuner loads TensorFlow)."""
    from autosent.search.keras_tuner_internals import checkpoint_path

    return checkpoint_path(run_dir / TUNER_DIR, trial_id)


def score(hypermodel, run_dir: Path, record: TrialRecord, x_val) -> np.ndarray:
    """(n, K) val probabilities of `record`'s model at its best epoch, from its checkpoint."""
    model = hypermodel.build(hypermodel.hyperparameters_for(record.hyperparameters))
    with warnings.catch_warnings():  # the checkpoint holds the optimizer's slots, which scoring needs not
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(_checkpoint(run_dir, record.trial_id))
    return class_probabilities(model.predict(x_val, batch_size=512, verbose=0))


def _stored(run_dir: Path, trial_id: str) -> np.ndarray | None:
    """A trial's stored val probabilities, None if there are none or they are damaged (then they are scored again)."""
    try:
        return np.load(_path(run_dir, trial_id))
    except (OSError, ValueError):
        return None


def check_readable(run_dir: Path, records: list[TrialRecord]) -> None:
    """Refuse, before any work, a trial whose val predictions are neither stored nor scorable from its checkpoint.

    A run copied without its bulky tuner/ and val_predictions/ folders still exports a named
    trial, which needs neither: the refusal names the one of lowest val cross-entropy.
    """
    ranked = rank(records)
    for record in ranked:
        if _stored(run_dir, record.trial_id) is not None:
            continue
        checkpoint = _checkpoint(run_dir, record.trial_id)
        if not checkpoint.is_file():
            raise UsageError(
                f"{run_dir} has neither {_path(run_dir, record.trial_id).relative_to(run_dir)} nor "
                f"{checkpoint.relative_to(run_dir)}, which hold trial {record.trial_id}'s val predictions; restore them "
                f"from the run's original folder, or export one trial by id (autosent export {ranked[0].trial_id}, the lowest val cross-entropy)"
            )


def read_or_score(hypermodel, run_dir: Path, record: TrialRecord, x_val) -> np.ndarray:
    """The stored val probabilities of a finished trial; scored from its checkpoint (and stored) if none are."""
    stored = _stored(run_dir, record.trial_id)
    if stored is not None:
        return stored
    check_readable(run_dir, [record])
    probabilities = score(hypermodel, run_dir, record, x_val)
    write(run_dir, record.trial_id, probabilities)
    return probabilities
