"""k-fold cross-validation: every training text predicted by a model that never saw it.

A val split of a few hundred texts cannot rank near-identical configurations: their val
cross-entropies differ by less than its noise, and the lowest is often the configuration that fit
those few texts by chance, not the best. Cut the training split into K folds and train K models,
each on K-1 folds: every training text gets one held-out prediction, many times the val split's
texts, paired text by text across configurations. `export best` ranks the configurations its
val split cannot tell apart this way (`selection.select_best`).

No text of a held-out fold reaches what predicts it: each fold adapts its own text layers
(vocabularies, idf, Naive Bayes ratios) on its own training texts, in a scratch folder of its own,
and texts that are one under the run's split rule (the same words) stay in one fold, as they stay
in one split.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autosent.data import Dataset
from autosent.data.leakage import group_ids
from autosent.data.split import stratified_split
from autosent.models.outputs import per_text_cross_entropy

#: Folds `export best` cross-validates on: each model trains on four fifths of the training split.
FOLDS = 5

#: What is trained on each fold: given the fold (its held-out rows as its test split) and an
#: empty scratch folder of its own, each model's (n, K) probabilities of the fold's test split, by name.
FoldPredictions = Callable[[Dataset, Path], dict[str, np.ndarray]]


def held_out_folds(texts: list[str], labels: np.ndarray, k: int, same_text: Callable[[str], str] | None) -> list[np.ndarray]:
    """The training rows of each of `k` stratified folds; rows with one `same_text` key share a fold (None: rows apart).

    Cut as the canonical split is (`split.stratified_split`, its fixed seed), into `k` equal parts.
    """
    groups = group_ids([same_text(t) for t in texts]) if same_text is not None else None
    return stratified_split(labels, cuts=tuple(i / k for i in range(1, k)), groups=groups)


def fold_plan(dataset: Dataset, k: int, same_text: Callable[[str], str] | None) -> list[np.ndarray] | None:
    """`held_out_folds` of `dataset`'s training split, or None where they cannot all be trained and scored: a fold
    that holds out nothing, or whose other folds lack a class (a class of fewer than `k` texts, or of one text copied)."""
    folds = held_out_folds(dataset.train.texts, dataset.train.labels, k, same_text)
    classes = set(range(dataset.num_classes))
    for held_out in folds:
        if not len(held_out) or set(dataset.train.labels[_trained_on(dataset, held_out)].tolist()) != classes:
            return None
    return folds


def _trained_on(dataset: Dataset, held_out: np.ndarray) -> np.ndarray:
    """The training rows a fold's models train on: all but those it holds out."""
    return np.setdiff1d(np.arange(len(dataset.train)), held_out)


def fold_dataset(dataset: Dataset, held_out: np.ndarray) -> Dataset:
    """`dataset` with the held-out training rows as its test split and the other training rows as its train split."""
    return dataclasses.replace(dataset, train=dataset.train.take(_trained_on(dataset, held_out)), test=dataset.train.take(held_out))


def held_out_probabilities(
    dataset: Dataset, folds: list[np.ndarray], predict: FoldPredictions, on_fold: Callable[[int], None] | None = None
) -> dict[str, np.ndarray]:
    """Each model's (n, K) probabilities of every training text of `dataset`, by the fold's model that held it out.

    `folds` partition the training rows (`fold_plan`); `predict` trains the models on each fold
    (see `FoldPredictions`); `on_fold(done)` is told after each. The scratch folders are removed after.
    """
    probabilities: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="autosent-folds-") as scratch:
        for number, held_out in enumerate(folds):
            folder = Path(scratch) / f"fold-{number}"
            folder.mkdir()
            for name, fold_probabilities in predict(fold_dataset(dataset, held_out), folder).items():
                probabilities.setdefault(name, np.empty((len(dataset.train), dataset.num_classes), dtype=np.float64))[held_out] = fold_probabilities
            if on_fold is not None:
                on_fold(number + 1)
    return probabilities


def held_out_cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The mean per-text cross-entropy of held-out `probabilities`; infinite, ranking last, where a model gave no number (it diverged)."""
    mean = float(per_text_cross_entropy(probabilities, labels).mean())
    return math.inf if math.isnan(mean) else mean
