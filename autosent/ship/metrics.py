"""Test-set metrics of a classifier from its predicted probabilities, in plain numpy.

Kept here rather than taken from scikit-learn so the runtime stays TensorFlow + Keras; the
formulas are the textbook ones (ROC-AUC as the Mann-Whitney rank statistic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autosent.models.outputs import class_probabilities, per_text_cross_entropy, predicted_classes


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


@dataclass(frozen=True)
class ClassMetrics:
    """One class's test figures; those a class without texts does not have (its recall, F1) are None, not 0."""

    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int
    roc_auc: float | None = None  # one class against the rest; None without texts of both kinds

    def to_json(self) -> dict[str, Any]:
        """The class's entry of `per_class` in metadata.json (keyed by its label there, so the label is left out)."""
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support, "roc_auc": self.roc_auc}

    @classmethod
    def from_json(cls, label: str, data: dict[str, Any]) -> ClassMetrics:
        return cls(label, data.get("precision"), data.get("recall"), data.get("f1"), int(data.get("support", 0)), data.get("roc_auc"))


def _per_class(matrix: np.ndarray, k: int, label: str, roc_auc: float | None) -> ClassMetrics:
    tp = matrix[k, k]
    predicted, actual = matrix[:, k].sum(), matrix[k, :].sum()
    if not actual:
        return ClassMetrics(label, 0.0 if predicted else None, None, None, 0, roc_auc)
    precision = float(tp / predicted) if predicted else 0.0
    recall = float(tp / actual)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassMetrics(label, precision, recall, f1, int(actual), roc_auc)


@dataclass(frozen=True)
class Metrics:
    """A classifier's test figures, of one shape for any number of classes: `per_class` holds one
    `ClassMetrics` per label, in label order; `roc_auc` is the positive class's for two classes,
    the mean over classes for more.

    `to_json` writes the dict metadata.json has always held (`per_class` keyed by label, and for
    two classes the positive class's precision, recall and F1 at the top too), so exports made
    before read back with `from_json` and older readers read new exports.
    """

    n: int
    accuracy: float
    loss: float
    macro_f1: float
    roc_auc: float | None
    confusion_matrix: list[list[int]]
    per_class: list[ClassMetrics]
    absent_classes: list[str]  # labels without a text: left out of macro-F1

    @property
    def positive(self) -> ClassMetrics | None:
        """The second class of a binary problem, whose precision, recall and F1 a binary result names; None for more classes."""
        return self.per_class[1] if len(self.per_class) == 2 else None

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "n": self.n, "accuracy": self.accuracy, "loss": self.loss, "macro_f1": self.macro_f1,
            "absent_classes": self.absent_classes, "confusion_matrix": self.confusion_matrix,
            "per_class": {c.label: c.to_json() for c in self.per_class},
        }  # fmt: skip
        if self.positive is not None:
            result.update(precision=self.positive.precision, recall=self.positive.recall, f1=self.positive.f1)
        result["roc_auc"] = self.roc_auc
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metrics:
        """Metrics as any autosent wrote them (exports made before `absent_classes` have none), checked by their reader
        (`export_metadata`)."""
        per_class = data.get("per_class", {})
        return cls(
            n=data.get("n", 0), accuracy=data.get("accuracy"), loss=data.get("loss"), macro_f1=data.get("macro_f1"),
            roc_auc=data.get("roc_auc"), confusion_matrix=data.get("confusion_matrix", []),
            per_class=[ClassMetrics.from_json(label, c) for label, c in per_class.items()],
            absent_classes=data.get("absent_classes", []),
        )  # fmt: skip

    def headline(self) -> str:
        """`test accuracy 0.8125, loss 0.4210, ROC-AUC 0.9001`: the result a command prints."""
        return f"test accuracy {self.accuracy:.4f}, loss {self.loss:.4f}, ROC-AUC {self.roc_auc:.4f}"


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, label_names: list[str]) -> Metrics:
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
    aucs = [_auc(p[:, i], y == i) for i in range(k)]
    per_class = [_per_class(matrix, i, name, aucs[i]) for i, name in enumerate(label_names)]
    # A class with no text cannot be recalled: its F1 of 0 would halve a perfect model's macro-F1.
    present = [c for c in per_class if c.support]
    valid = [a for a in aucs if a is not None]
    return Metrics(
        n=len(y),
        accuracy=float((predicted == y).mean()),
        loss=float(per_text_cross_entropy(p, y).mean()),
        macro_f1=float(np.mean([c.f1 for c in present])),
        roc_auc=aucs[1] if k == 2 else (float(np.mean(valid)) if valid else None),
        confusion_matrix=matrix.tolist(),
        per_class=per_class,
        absent_classes=[c.label for c in per_class if not c.support],
    )


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
