"""Naive Bayes log-count ratios of n-grams: the fixed feature scaling of the `nbsvm` encoder.

Wang & Manning (2012) scale each n-gram by how much more often it occurs in one class than
in the others, then fit a linear classifier: on long reviews this beats both Naive Bayes and
the plain linear model (NBSVM-bi, 91.2% on IMDB). The ratios are counted on the training
split only, like the vocabularies, and ship inside the exported model as frozen weights.
"""

from __future__ import annotations

import numpy as np


def log_count_ratios(ids: np.ndarray, labels: np.ndarray, vocabulary_size: int, num_classes: int, alpha: float = 1.0) -> np.ndarray:
    """Per n-gram id, log(its smoothed share of class c's n-grams / its share of the other classes').

    `ids` are the texts' n-gram ids, 0 for padding; `alpha` is the Laplace smoothing count.
    Returns float32 of shape (vocabulary_size, outputs): one column, for class 1, when there
    are two classes (the model has one sigmoid output), else one column per class. Padding
    gets 0, so padded positions add nothing to a text's score.
    """
    counts = np.stack(
        [np.bincount(ids[labels == c].ravel(), minlength=vocabulary_size) for c in range(num_classes)], axis=1
    )[1:].astype(np.float64)  # row 0 counts padding, which is no n-gram
    in_class = counts + alpha
    in_others = counts.sum(axis=1, keepdims=True) - counts + alpha
    ratios = np.log(in_class / in_class.sum(axis=0)) - np.log(in_others / in_others.sum(axis=0))
    ratios = np.vstack([np.zeros((1, num_classes)), ratios])
    return (ratios[:, 1:] if num_classes == 2 else ratios).astype(np.float32)
