"""Held-out folds of the training split: the exported configuration against the baselines on K times more texts than a small test split.

A test split of a few hundred texts decides a one-point difference by chance (Rotten
Tomatoes' 853 test sentences: about +-2.8 points at 95%). Here the training split is cut into K
stratified folds; for each, the exported trial's configuration (its hyperparameters and epochs,
trained as `export` trains it) and each baseline (C chosen on val) are trained on the other K-1
folds (and on val, where the export was) and predict the held-out one. Every training text is then predicted once by a
model that never saw it, and the two are compared text by text on all of them.

No text of a held-out fold reaches what predicts it: each fold adapts its own text layers
(vocabularies, idf, Naive Bayes ratios) on its own training texts, in a scratch folder, not the
run's, and texts that are one under the run's split rule (the same words) stay in one fold, as
they stay in one split. What stays the run's: its sizes (vocabulary caps, batch) and the trial's
configuration and epochs, which the search chose with every training text; so this measures the
configuration the search found, not the search.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autosent.data import Dataset
from autosent.data.leakage import group_ids
from autosent.models.outputs import predicted_classes

#: A baseline: the test predictions (class indices) of a model trained on a dataset's train split.
Baseline = Callable[[Dataset], np.ndarray]


def held_out_folds(texts: list[str], labels: np.ndarray, k: int, same_text: Callable[[str], str] | None, seed: int = 0) -> list[np.ndarray]:
    """The training rows of each of `k` stratified folds; rows with one `same_text` key share a fold (None: rows apart)."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = group_ids([same_text(t) for t in texts]) if same_text is not None else np.arange(len(texts))
    cut = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
    return [held_out for _, held_out in cut.split(np.zeros(len(labels)), labels, groups)]


def fold_dataset(dataset: Dataset, held_out: np.ndarray) -> Dataset:
    """`dataset` with the held-out training rows as its test split and the other training rows as its train split."""
    rest = np.setdiff1d(np.arange(len(dataset.train)), held_out)
    return dataclasses.replace(dataset, train=dataset.train.take(rest), test=dataset.train.take(held_out))


def trial_on_fold(job, trial_id: str, fold: Dataset, scratch: Path, full: bool) -> np.ndarray:
    """Predicted classes of `fold`'s test split by trial `trial_id`'s configuration, retrained as `export` did on `fold`'s train split (and its val, with `full`).

    `job` is the run's (`export.check_export`); its text layers are adapted anew in `scratch`.
    """
    from autosent.ship.export import Trainer, end_to_end_model, reading_only_its_inputs, test_probabilities

    scratch.mkdir(parents=True, exist_ok=True)
    trainer = Trainer.for_run(dataclasses.replace(job, dataset=fold, run_dir=scratch))
    record = trainer.records[trial_id]
    retrained = trainer.retrain(record, full)
    model = end_to_end_model(trainer.tokenizer, reading_only_its_inputs(retrained.model, record.encoder), list(fold.label_names))
    return predicted_classes(test_probabilities(model, fold))


def predictions_on_folds(
    results: Path, run: str, trial_id: str, full: bool, baselines: dict[str, Baseline], k: int
) -> tuple[Dataset, dict[str, np.ndarray]]:
    """The run's data, and each model's predicted class for every training text, by the model of the fold that held it out: "autosent"
    (trial `trial_id`, on train + val with `full`, as its export) and `baselines`."""
    from autosent.ship.export import check_export

    with tempfile.TemporaryDirectory(prefix="autosent-folds-") as scratch:
        job = check_export(results, run, out=Path(scratch) / "unused")  # the run, its records and data; nothing is exported
        dataset = job.dataset
        predicted = {name: np.empty(len(dataset.train), dtype=np.int64) for name in ("autosent", *baselines)}
        folds = held_out_folds(dataset.train.texts, dataset.train.labels, k, job.info.identity.split.same_text())
        for number, held_out in enumerate(folds):
            fold = fold_dataset(dataset, held_out)
            predicted["autosent"][held_out] = trial_on_fold(job, trial_id, fold, Path(scratch) / f"fold-{number}", full)
            for name, baseline in baselines.items():
                predicted[name][held_out] = baseline(fold)
    return dataset, predicted
