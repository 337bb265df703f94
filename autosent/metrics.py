"""Test-set metrics of a classifier from its predicted probabilities, in plain numpy.

Kept here rather than taken from scikit-learn so the runtime stays TensorFlow + Keras; the
formulas are the textbook ones (ROC-AUC as the Mann-Whitney rank statistic).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _per_class(matrix: np.ndarray, k: int) -> dict[str, float | None]:
    """Class k's figures; those a class without texts does not have (its recall, F1) are None, not 0."""
    tp = matrix[k, k]
    predicted, actual = matrix[:, k].sum(), matrix[k, :].sum()
    if not actual:
        return {"precision": 0.0 if predicted else None, "recall": None, "f1": None, "support": 0}
    precision = float(tp / predicted) if predicted else 0.0
    recall = float(tp / actual)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": int(actual)}


#: Classes are imbalanced when the smallest has under this share of the largest's texts.
IMBALANCE_RATIO = 0.5


def needs_macro_f1(class_counts) -> bool:
    """Whether accuracy alone misleads: more than two classes, or imbalanced ones.

    Then a model that ignores a small class still scores a high accuracy; macro-F1 (each
    class's F1, averaged) does not let it.
    """
    counts = np.asarray(class_counts)
    return len(counts) > 2 or counts.min() < IMBALANCE_RATIO * counts.max()


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


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, label_names: list[str]) -> dict[str, Any]:
    """Accuracy, log loss, precision/recall/F1, ROC-AUC and the confusion matrix.

    Binary problems report precision, recall, F1 and AUC of the second class (the
    positive one); every problem also gets per-class figures and macro averages. Macro-F1
    averages the classes the labels hold; `absent_classes` names the others.
    """
    p = class_probabilities(probabilities)
    y = np.asarray(labels, dtype=np.int64)
    k = p.shape[1]
    predicted = predicted_classes(p)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (y, predicted), 1)
    per_class = {name: _per_class(matrix, i) for i, name in enumerate(label_names)}
    aucs = {name: _auc(p[:, i], y == i) for i, name in enumerate(label_names)}
    for name, auc in aucs.items():
        per_class[name]["roc_auc"] = auc
    eps = 1e-7
    # A class with no text cannot be recalled: its F1 of 0 would halve a perfect model's macro-F1.
    present = [name for name, c in per_class.items() if c["support"]]
    result: dict[str, Any] = {
        "n": len(y),
        "accuracy": float((predicted == y).mean()),
        "loss": float(-np.log(np.clip(p[np.arange(len(y)), y], eps, 1.0)).mean()),
        "macro_f1": float(np.mean([per_class[name]["f1"] for name in present])),
        "absent_classes": [name for name in label_names if name not in present],
        "confusion_matrix": matrix.tolist(),
        "per_class": per_class,
    }
    if k == 2:
        positive = per_class[label_names[1]]
        result.update(precision=positive["precision"], recall=positive["recall"], f1=positive["f1"], roc_auc=aucs[label_names[1]])
    else:
        valid = [a for a in aucs.values() if a is not None]
        result["roc_auc"] = float(np.mean(valid)) if valid else None
    return result


def mcnemar(first_correct: np.ndarray, second_correct: np.ndarray) -> dict[str, Any]:
    """McNemar's exact test of two classifiers on the same texts: do they err on different ones by chance?

    Only the discordant texts count: `first_only` that the first gets right and the second
    wrong, `second_only` the reverse. The two-sided p-value is the exact binomial one (half
    the discordant texts each way under the null), so it holds for few discordant texts too.
    """
    from math import comb

    first_only = int(np.sum(first_correct & ~second_correct))
    second_only = int(np.sum(~first_correct & second_correct))
    n, k = first_only + second_only, min(first_only, second_only)
    p = min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n) if n else 1.0
    return {"first_only": first_only, "second_only": second_only, "p_value": p}
