"""How a model's output is read, whatever its head: (n, K) class probabilities and the predicted classes.

One reading for the hypermodel's metric, the exported model's labels, val predictions and every test metric.
"""

import numpy as np


def class_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """(n, K) probabilities from a sigmoid head's (n, 1) output or a softmax head's (n, K)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return p


def predicted_classes(p: np.ndarray) -> np.ndarray:
    """Argmax, except that a binary probability of exactly 0.5 counts as the positive class."""
    return (p[:, 1] >= 0.5).astype(np.int64) if p.shape[1] == 2 else p.argmax(axis=1)
