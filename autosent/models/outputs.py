"""How a model's output is read, whatever its head: (n, K) class probabilities and the predicted classes.

One reading for the hypermodel's metric, the exported model's labels, val predictions and every test metric,
and one cross-entropy for every loss autosent computes outside Keras.
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


def per_text_cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each text's cross-entropy: minus the log of its class's (n, K) probability, clipped at 1e-7 as Keras clips."""
    return -np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0))
