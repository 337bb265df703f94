"""Held-out folds of the training split: the exported configuration against the baselines on K times more texts than a small test split.

A test split of a few hundred texts decides a one-point difference by chance (Rotten
Tomatoes' 853 test sentences: about +-2.8 points at 95%). Here the training split is cut into K
stratified folds; for each, the exported trial's configuration (its hyperparameters and epochs,
early stopping on val as `export` does) and each baseline (C chosen on val) are trained on the
other K-1 folds and predict the held-out one. Every training text is then predicted once by a
model that never saw it, and the two are compared text by text on all of them.

Nothing of a held-out fold reaches what predicts it: each fold fits its own text layers
(vocabularies, idf, Naive Bayes ratios) on its own training texts, in a temporary folder, not
the run's. What stays the run's: its sizes (vocabulary caps, batch), resolved on the whole
training split.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autosent.data import Dataset
from autosent.models.outputs import predicted_classes

#: A baseline: the test predictions (class indices) of a model trained on a dataset's train split.
Baseline = Callable[[Dataset], np.ndarray]


def held_out_folds(labels: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """The training rows of each of `k` stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    return [held_out for _, held_out in StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels)]


def fold_dataset(dataset: Dataset, held_out: np.ndarray) -> Dataset:
    """`dataset` with the held-out training rows as its test split and the other training rows as its train split."""
    rest = np.setdiff1d(np.arange(len(dataset.train)), held_out)
    return dataclasses.replace(dataset, train=dataset.train.take(rest), test=dataset.train.take(held_out))


def trial_on_fold(results: Path, run: str, trial_id: str, fold: Dataset, scratch: Path) -> np.ndarray:
    """Predicted classes of `fold`'s test split by trial `trial_id`'s configuration, retrained as `export` would on `fold`'s train split."""
    from autosent.ship.export import Trainer, check_export, end_to_end_model, reading_only_its_inputs, test_probabilities

    job = check_export(results, run, out=scratch / "unused")
    scratch.mkdir(parents=True, exist_ok=True)
    job = dataclasses.replace(job, dataset=fold, run_dir=scratch)  # its own text layers, adapted on the fold's train split
    trainer = Trainer.for_run(job)
    record = trainer.records[trial_id]
    retrained = trainer.retrain(record, full=False)
    model = end_to_end_model(trainer.tokenizer, reading_only_its_inputs(retrained.model, record.encoder), list(fold.label_names))
    return predicted_classes(test_probabilities(model, fold))


def predictions_on_folds(
    results: Path, run: str, trial_id: str, dataset: Dataset, baselines: dict[str, Baseline], k: int
) -> dict[str, np.ndarray]:
    """Each model's predicted class for every training text, by the model of the fold that held it out: "autosent" and `baselines`."""
    predicted = {name: np.empty(len(dataset.train), dtype=np.int64) for name in ("autosent", *baselines)}
    with tempfile.TemporaryDirectory(prefix="autosent-folds-") as scratch:
        for number, held_out in enumerate(held_out_folds(dataset.train.labels, k)):
            fold = fold_dataset(dataset, held_out)
            predicted["autosent"][held_out] = trial_on_fold(results, run, trial_id, fold, Path(scratch) / f"fold-{number}")
            for name, baseline in baselines.items():
                predicted[name][held_out] = baseline(fold)
    return predicted
