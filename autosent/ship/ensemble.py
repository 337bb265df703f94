"""`autosent export --ensemble K`: ship a weighted average of the leaderboard, not only its winner.

Members are chosen by greedy forward selection with replacement (Caruana et al. 2004) on the
validation split: start from nothing, and K times add the trial (again, if it helps most)
whose probabilities most lower the cross-entropy of the running average. A trial chosen
twice weighs twice. Selection reads each trial's stored val probabilities
(`val_predictions`), so it trains nothing; only the chosen trials are retrained, as
`export` retrains one, and shipped as one end-to-end model: raw strings in, the weighted mean
of the members' probabilities out, into the run's own `export-ensemble/` folder, so that it
never replaces what `export best` wrote.

Whether the ensemble is worth its members is said twice. On test, next to its best member
retrained alone (the trial `export` would retrain; McNemar's exact test on the same texts).
And on val, where selection chose: the mean per-text cross-entropy difference between the
ensemble and its best member, paired on the same val texts, against `selection.NOISE_SE`
(2) of its standard errors, the noise `export best` uses. That comparison favours the
ensemble, since its members were picked to lower exactly this cross-entropy, so passing it
shows no gain on new texts; failing it means that even the texts that chose the members
show none, and the command says so.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from autosent.errors import UsageError
from autosent.models.outputs import per_text_cross_entropy, predicted_classes
from autosent.runs import val_predictions
from autosent.runs.records import TrialRecord, rank
from autosent.runs.rundir import ENSEMBLE_EXPORT_DIR
from autosent.ship import export_folder, model_card
from autosent.ship.export import (
    ExportJob,
    ExportResult,
    Trainer,
    base_metadata,
    check_export,
    end_to_end_model,
    reading_only_its_inputs,
    test_probabilities,
    writing,
)  # fmt: skip
from autosent.ship.export_metadata import Ensemble, EnsembleMember, McNemarComparison, ValComparison
from autosent.ship.metrics import classification_metrics, mcnemar
from autosent.ship.selection import NOISE_SE, family_leaders, paired_difference, retraining

#: The most members an ensemble may have, and how many of the best trials by val cross-entropy
#: are candidates (with the best of each encoder family: `candidates`).
MAX_SIZE = 20
CANDIDATES = 20


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(per_text_cross_entropy(probabilities, labels).mean())


def candidates(records: list[TrialRecord]) -> list[TrialRecord]:
    """The finished trials selection chooses from, best first: the `CANDIDATES` best by val
    cross-entropy, and the best of every encoder family besides.

    One family often fills the top of a leaderboard with near-copies of one model, which err on
    the same texts; a family that errs on others is what an average gains from.
    """
    ranked = [r for r in rank(records) if r.finished]
    chosen = {r.trial_id for r in ranked[:CANDIDATES]} | {r.trial_id for r in family_leaders(records).values()}
    return [r for r in ranked if r.trial_id in chosen]


def select(probabilities: dict[str, np.ndarray], labels: np.ndarray, size: int) -> Counter:
    """Caruana's greedy selection with replacement: trial id -> times chosen (its weight).

    `probabilities` maps candidates, best first, to their (n, K) val probabilities; ties go
    to the earlier (better ranked) candidate.
    """
    chosen: Counter = Counter()
    total = np.zeros_like(next(iter(probabilities.values())), dtype=np.float64)
    for step in range(1, size + 1):
        best = min(probabilities, key=lambda t: cross_entropy((total + probabilities[t]) / step, labels))
        chosen[best] += 1
        total += probabilities[best]
    return chosen


def weighted_mean_model(members: dict[str, Any], weights: Counter):
    """One Keras model over the named inputs its members read: their probabilities, averaged by weight.

    Built from Keras' own layers (`Rescaling`, `Add`), so it saves and serves like any export.
    """
    import keras

    specs = {name: tensor for model in members.values() for name, tensor in model.input.items()}
    inputs = {
        name: keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, sparse=getattr(tensor, "sparse", False), name=name)
        for name, tensor in specs.items()
    }
    total = sum(weights.values())
    parts = [
        keras.layers.Rescaling(weights[t] / total, name=f"weight_{t}")(model({name: inputs[name] for name in model.input}))
        for t, model in members.items()
    ]
    outputs = keras.layers.Add(name="probabilities")(parts) if len(parts) > 1 else parts[0]
    return keras.Model(inputs, outputs, name="autosent_ensemble")


#: A paired val cross-entropy difference smaller than this is float rounding, not evidence: the
#: mean of one trial's float32 probabilities taken three times differs from them by about 1e-8,
#: with a standard error smaller still, on every text alike.
ROUNDING = 1e-6


def against_best_member(ensemble: np.ndarray, member: np.ndarray, labels: np.ndarray) -> ValComparison:
    """The ensemble's val cross-entropy against its best member's, paired per text, and whether it is lower beyond the noise.

    One val text has no spread to measure the noise by: its standard error is None (JSON has no
    infinity), and the ensemble is not beyond it.
    """
    difference, standard_error = paired_difference(ensemble, member, labels)
    measured = None if math.isinf(standard_error) else standard_error
    return ValComparison(
        cross_entropy(ensemble, labels), cross_entropy(member, labels), difference, measured,
        measured is not None and difference < -max(NOISE_SE * measured, ROUNDING),
    )  # fmt: skip


def check_ensemble(results: Path, run: str | None = None, *, size: int = 5, out: Path | None = None) -> ExportJob:
    """Everything an ensemble export can be refused for, checked first and without TensorFlow (as `export.check_trial`)."""
    if not 1 <= size <= MAX_SIZE:
        raise UsageError(f"--ensemble {size}: give 1 to {MAX_SIZE} members")
    job = check_export(results, run, out=out, folder=ENSEMBLE_EXPORT_DIR)  # refuses a run with no finished trial
    val_predictions.check_readable(job.run_dir, candidates(job.records))
    return dataclasses.replace(job, size=size)


def export_ensemble(
    results: Path, run: str | None = None, size: int = 5, out: Path | None = None, full: bool | None = None, verbose: str | int = 0
) -> ExportResult:
    """Select up to `size` members, retrain them, and write one export of their weighted mean (`full`: as `export.export_trial`)."""
    return ship_ensemble(check_ensemble(results, run, size=size, out=out), full, verbose)


def ship_ensemble(job: ExportJob, full: bool | None = None, verbose: str | int = 0) -> ExportResult:
    """The export of a checked job (`check_ensemble`): select up to `job.size` members, retrain them, test, write."""
    if job.size is None:
        raise ValueError("ship_ensemble takes the job check_ensemble returns, which holds the ensemble's size")
    decided = retraining(full, len(job.dataset.val))
    pool = candidates(job.records)
    labels, names = job.dataset.test.labels, list(job.dataset.label_names)
    with writing(job):
        trainer = Trainer.for_run(job)
        val = {r.trial_id: trainer.val_probabilities(job, r) for r in pool}
        weights = select(val, trainer.data.y_val, job.size)
        by_id = {r.trial_id: r for r in pool}
        members = {}
        scored: dict[str, dict[str, Any]] = {}
        for trial_id in weights:
            retrained = trainer.retrain(by_id[trial_id], decided.full, verbose)
            members[trial_id] = reading_only_its_inputs(retrained.model, by_id[trial_id].encoder)
            members[trial_id].name = f"trial_{trial_id}"  # unique among the ensemble's layers
            probabilities = test_probabilities(end_to_end_model(trainer.tokenizer, members[trial_id], names), job.dataset)
            scored[trial_id] = {"probabilities": probabilities, "epochs": retrained.epochs, "record": by_id[trial_id]}
        model = end_to_end_model(trainer.tokenizer, weighted_mean_model(members, weights), names)
        probabilities = test_probabilities(model, job.dataset)
        best = next(t for t in (r.trial_id for r in pool) if t in weights)  # the best-ranked member
        test = mcnemar(predicted_classes(probabilities) == labels, predicted_classes(scored[best]["probabilities"]) == labels)
        val_mean = sum(weights[t] * val[t] for t in weights) / job.size
        ensemble = Ensemble(
            [
                EnsembleMember(
                    t, weights[t], m["epochs"], m["record"].encoder, m["record"].val_cross_entropy,
                    classification_metrics(labels, m["probabilities"], names),
                )
                for t, m in scored.items()
            ],
            best,
            McNemarComparison(test["first_only"], test["second_only"], test["p_value"]),
            against_best_member(val_mean, val[best], trainer.data.y_val),
        )  # fmt: skip
        metadata = base_metadata(
            job, trainer.space, decided, classification_metrics(labels, probabilities, names),
            trial_id="+".join(weights), hyperparameters=by_id[best].hyperparameters, epochs=scored[best]["epochs"],
            search_val_cross_entropy=cross_entropy(val_mean, trainer.data.y_val), ensemble=ensemble,
        )  # fmt: skip
        export_folder.write(job.out, model, metadata, model_card.render(metadata, job.records))
    return ExportResult(job.out, metadata)
