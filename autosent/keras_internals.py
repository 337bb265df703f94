"""Every use of Keras' private API, in one place (keras-tuner's is in `keras_tuner_internals`).

Keras 3 on TensorFlow creates a model's optimizer slots and compiled-metric variables while it
first traces the train step, unless a distribution strategy is set (it "defers building ... to
maximize backwards compatibility", keras/src/backend/tensorflow/trainer.py). A `tf.function`
that creates variables on its first trace is traced a second time, so every trial and every
export paid for two traces of its train step, a large share of a small trial's `fit`.
Building them from one batch first, as Keras itself does under a strategy, leaves one trace.
Without the private method (another Keras), `fit` builds them as before, only slower.
"""

from __future__ import annotations

from typing import Any


def build_before_fit(model: Any, batch: Any) -> None:
    """Create `model`'s optimizer and metric variables from `batch` (x, y), so that `fit` traces its step once."""
    if getattr(model, "_distribute_strategy", None) is not None:
        return  # Keras builds them itself, inside the strategy's scope
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None:
        symbolic_build(data_batch=batch)
