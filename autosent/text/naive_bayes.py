"""Naive Bayes log-count ratios of n-grams: the fixed feature scaling of the `nbsvm` encoder.

Wang & Manning (2012) scale each n-gram by how much more often it occurs in one class than
in the others, then fit a linear classifier: on long reviews this beats both Naive Bayes and
the plain linear model (NBSVM-bi, 91.2% on IMDB). The ratios are counted on the training
split only, like the vocabularies, and ship inside the exported model as frozen weights.
"""

from __future__ import annotations

import numpy as np


def log_count_ratios(counts, labels: np.ndarray, num_classes: int, alpha: float = 1.0) -> np.ndarray:
    """Per n-gram id, log(its smoothed share of class c's n-grams / its share of the other classes').

    `counts` is the texts' (texts x n-gram vocabulary) count matrix, a tf.SparseTensor as the
    vectorizer makes it; `alpha` is the Laplace smoothing count. Returns float32 of shape
    (vocabulary, outputs): one column, for class 1, when there are two classes (the model
    has one sigmoid output), else one column per class.
    """
    rows, ids = np.asarray(counts.indices).T
    values = np.asarray(counts.values, dtype=np.float64)
    vocabulary_size = int(counts.dense_shape[1])
    text_class = labels[rows]
    per_class = np.stack(
        [np.bincount(ids[text_class == c], weights=values[text_class == c], minlength=vocabulary_size) for c in range(num_classes)],
        axis=1,
    )
    in_class = per_class + alpha
    in_others = per_class.sum(axis=1, keepdims=True) - per_class + alpha
    ratios = np.log(in_class / in_class.sum(axis=0)) - np.log(in_others / in_others.sum(axis=0))
    return (ratios[:, 1:] if num_classes == 2 else ratios).astype(np.float32)
