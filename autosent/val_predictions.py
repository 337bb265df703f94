"""Each finished trial's class probabilities on the validation split: what ensemble selection reads.

Written when the trial ends, from keras-tuner's checkpoint of its best epoch (the weights the
trial is ranked by), so that choosing an ensemble never trains a model it does not ship.
Runs searched before this existed are scored from the same checkpoints when first needed.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from autosent import atomic
from autosent.keras_tuner_internals import checkpoint_path
from autosent.metrics import class_probabilities
from autosent.records import TrialRecord
from autosent.rundir import TUNER_DIR, VAL_PREDICTIONS_DIR


def _path(run_dir: Path, trial_id: str) -> Path:
    return run_dir / VAL_PREDICTIONS_DIR / f"trial_{trial_id}.npy"


def write(run_dir: Path, trial_id: str, probabilities: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(probabilities, dtype=np.float32))
    atomic.write_bytes(_path(run_dir, trial_id), buffer.getvalue())


def score(hypermodel, run_dir: Path, record: TrialRecord, x_val) -> np.ndarray:
    """(n, K) val probabilities of `record`'s model at its best epoch, from its checkpoint."""
    model = hypermodel.build(hypermodel.hyperparameters_for(record.hyperparameters))
    with warnings.catch_warnings():  # the checkpoint holds the optimizer's slots, which scoring needs not
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(checkpoint_path(run_dir / TUNER_DIR, record.trial_id))
    return class_probabilities(model.predict(x_val, batch_size=512, verbose=0))


def read_or_score(hypermodel, run_dir: Path, record: TrialRecord, x_val) -> np.ndarray:
    """The stored val probabilities of a finished trial; scored from its checkpoint (and stored) if none are."""
    path = _path(run_dir, record.trial_id)
    if path.exists():
        try:
            return np.load(path)
        except (OSError, ValueError):  # damaged: score it again
            pass
    probabilities = score(hypermodel, run_dir, record, x_val)
    write(run_dir, record.trial_id, probabilities)
    return probabilities
