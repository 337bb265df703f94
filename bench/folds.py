"""Held-out folds of the training split: the exported configuration against the baselines on K times more texts than a small test split.

A test split of a few hundred texts decides a one-point difference by chance (Rotten
Tomatoes' 853 test sentences: about +-2.8 points at 95%). Here the training split is cut into K
stratified folds; for each, the exported trial's configuration (its hyperparameters and epochs,
trained as `export` trains it) and each baseline (C chosen on val) are trained on the other K-1
folds (and on val, where the export was) and predict the held-out one. Every training text is then predicted once by a
model that never saw it, and the two are compared text by text on all of them.

The folds are `export best`'s own (`autosent.ship.cross_validation`), where no text of a held-out
fold reaches what predicts it. They are cut by autosent's stratified split, not scikit-learn's
shuffled one as before: `--folds` numbers from before that change were measured on other folds. What stays the run's: its sizes (vocabulary caps, batch) and the trial's
configuration and epochs, which the search chose with every training text; so this measures the
configuration the search found, not the search.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autosent.data import Dataset
from autosent.models.outputs import predicted_classes
from autosent.ship.cross_validation import fold_plan, held_out_probabilities

#: A baseline: the test predictions (class indices) of a model trained on a dataset's train split.
Baseline = Callable[[Dataset], np.ndarray]


def predictions_on_folds(
    results: Path, run: str, trial_id: str, full: bool, baselines: dict[str, Baseline], k: int
) -> tuple[Dataset, dict[str, np.ndarray]]:
    """The run's data, and each model's predicted class for every training text, by the model of the fold that held it out: "autosent"
    (trial `trial_id`, on train + val with `full`, as its export) and `baselines`."""
    from autosent.ship.export import check_export, fold_predictions

    with tempfile.TemporaryDirectory(prefix="autosent-folds-") as scratch:
        job = check_export(results, run, out=Path(scratch) / "unused")  # the run, its records and data; nothing is exported
    autosent = fold_predictions(job, [trial_id], full)

    def predict(fold: Dataset, folder: Path) -> dict[str, np.ndarray]:
        one_hot = np.eye(fold.num_classes)
        return {"autosent": autosent(fold, folder)[trial_id], **{name: one_hot[baseline(fold)] for name, baseline in baselines.items()}}

    folds = fold_plan(job.dataset, k, job.info.identity.split.same_text())
    if folds is None:
        raise SystemExit(f"--folds {k}: the training split cannot be cut into {k} folds that each train on every class")
    probabilities = held_out_probabilities(job.dataset, folds, predict)
    return job.dataset, {name: predicted_classes(p) for name, p in probabilities.items()}
