"""A raw-text-in model run on a list of texts, fast for one text as for many."""

from __future__ import annotations

import numpy as np


def predict_in_batches(model, texts: list[str], batch_size: int = 256) -> np.ndarray:
    """The model's outputs for `texts`, `batch_size` texts per call of `predict_on_batch`.

    `model.predict` builds a tf.data pipeline and a progress loop on every call, which costs a
    single review many times what the model itself does; `bench/predict_latency.py` measures it.
    """
    import tensorflow as tf

    return np.concatenate(
        [np.asarray(model.predict_on_batch(tf.constant(texts[i : i + batch_size]))) for i in range(0, len(texts), batch_size)]
    )
