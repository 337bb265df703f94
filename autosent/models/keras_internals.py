"""Every use of Keras' private API, in one place (keras-tuner's is in `keras_tuner_internals`).

Two things Keras' public API cannot do: build a model's training variables before `fit`,
and write a model's weights anywhere but to a path.

Keras 3 on TensorFlow creates a model's optimizer slots and compiled-metric variables while it
first traces the train step, unless a distribution strategy is set (it "defers building ... to
maximize backwards compatibility", keras/src/backend/tensorflow/trainer.py). A `tf.function`
that creates variables on its first trace is traced a second time, so every trial and every
export paid for two traces of its train step, a large share of a small trial's `fit`.
Building them from one batch first, as Keras itself does under a strategy, leaves one trace.
Without the private method (another Keras), `fit` builds them as before, only slower.
"""

from __future__ import annotations

import io
from typing import Any


def build_before_fit(model: Any, batch: Any) -> None:
    """Create `model`'s optimizer and metric variables from `batch` (x, y), so that `fit` traces its step once."""
    if getattr(model, "_distribute_strategy", None) is not None:
        return  # Keras builds them itself, inside the strategy's scope
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None:
        symbolic_build(data_batch=batch)


def weights_file(model: Any) -> bytes | None:
    """What `model.save_weights("x.weights.h5")` writes, made in memory; None with a Keras
    that lacks the private pieces (`saving_lib.H5IOStore`, `saving_lib._save_state`).

    Keras writes weights only to a path, through h5py, which takes a failed write (a full disk,
    a file-size limit) badly: an error that names no file, a traceback printed by each of the
    file's objects as it is freed, at times a segfault. Made in memory, the file's bytes go to
    disk through `autosent.runs.atomic`, which names the file it could not write.
    """
    try:
        from keras.src.saving.saving_lib import H5IOStore, _save_state
    except ImportError:
        return None
    buffer = io.BytesIO()
    store = H5IOStore(buffer, mode="w")
    _save_state(model, store, None, "", set())  # what saving_lib.save_weights_only does with a path
    store.close()
    return buffer.getvalue()
