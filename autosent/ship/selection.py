"""Which trial `export best` ships, the rule that chose it, and what it is retrained on.

On a validation split of thousands of texts, the trial with the lowest val cross-entropy is
the best estimate of the best model. On a few hundred, it often is not: the leaders differ
by less than the split's noise, and the lowest is the luckiest, more often an expensive
model that fit those few texts than a better one (a BiGRU chosen on a few hundred Dutch
reviews tested below tf-idf + logistic regression). So on a small val split, `export best` prefers the cheapest family
with a trial within the noise of the lowest val cross-entropy: of models the data cannot
tell apart, the simplest. "Within the noise" is paired, text by text on the same val split:
the mean per-text cross-entropy difference is under two of its standard errors. Each
family's cost is its measured seconds per epoch (`allocation.family_stats`). Where several
of that family's trials are within the noise, the val split cannot rank them either, so they
are ranked by their cross-entropy on held-out folds of the training split
(`cross_validation`), each retrained as the export retrains it: many times the val split's
texts, and the cheapest family's trials are the cheapest to retrain. The rule that chose is
recorded in `metadata.json` and said in the model card.

A small val split also decides what the shipped model trains on (`retraining`): where it is
small, the data is scarce, its texts are worth more as training data than as an early-stopping
guard, and the search has already said how many epochs to train; keras-tuner's own guide
retrains the best hyperparameters on train + val the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from autosent.models.outputs import per_text_cross_entropy
from autosent.runs.records import TrialRecord, rank
from autosent.search.allocation import family_stats
from autosent.ship.cross_validation import FOLDS

#: A val split of fewer texts than this is small: the lowest val cross-entropy is not trusted alone.
SMALL_VAL = 2000
#: Standard errors of the paired difference within which two trials count as tied.
NOISE_SE = 2.0


@dataclass(frozen=True)
class Selection:
    """The trial an export ships, the rule that chose it, the trial with the lowest val cross-entropy,
    and, where tied trials were ranked on held-out folds, each one's held-out cross-entropy by trial id."""

    trial_id: str
    rule: str
    lowest_val_cross_entropy_trial: str
    held_out_cross_entropy: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """`Trial 21 was chosen by this rule: ...`: the model card's and report.md's."""
        return f"Trial {self.trial_id} was chosen by this rule: {self.rule}."


def paired_difference(candidate: np.ndarray, best: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """`candidate`'s mean per-text cross-entropy minus `best`'s on the same texts, and that mean's standard error.

    Paired, text by text: most of what makes one text hard makes it hard for both models, so
    the difference varies far less than either's cross-entropy. One text has no spread: its
    standard error is infinite (no evidence either way).
    """
    difference = per_text_cross_entropy(candidate, labels) - per_text_cross_entropy(best, labels)
    if len(difference) < 2:
        return float(np.mean(difference)) if len(difference) else 0.0, math.inf
    return float(np.mean(difference)), float(np.std(difference, ddof=1)) / math.sqrt(len(difference))


@dataclass(frozen=True)
class Retraining:
    """What an export retrains on, and the rule that decided: train + val (`full`), or train with early stopping on val."""

    full: bool
    rule: str

    def line(self) -> str:
        """`trained on train + val: the val split is small (...)`: what `export` prints (`sentence`: the model card's and report.md's)."""
        return f"trained on {'train + val' if self.full else 'train, early stopping on val'}: {self.rule}"

    def sentence(self) -> str:
        """`line` as a sentence of its own: the model card's and report.md's."""
        line = self.line()
        return f"{line[:1].upper()}{line[1:]}."


def retraining(full: bool | None, val_size: int) -> Retraining:
    """What an export of a run with `val_size` val texts retrains on: as asked (`full`, from
    `--full` / `--no-full`), else, with None, train + val where the val split is small (under SMALL_VAL texts)."""
    if full is not None:
        return Retraining(full, f"as asked ({'--full' if full else '--no-full'})")
    if val_size < SMALL_VAL:
        return Retraining(True, f"the val split is small ({val_size:,} texts, under {SMALL_VAL:,}), so its texts are worth more as training data; --no-full keeps them out")
    return Retraining(False, f"the val split holds {val_size:,} texts, enough to guard the retrain; --full trains on them too")


def within_noise(candidate: np.ndarray, best: np.ndarray, labels: np.ndarray) -> bool:
    """Whether `candidate`'s val probabilities are no worse than `best`'s beyond the noise (paired, per text)."""
    mean, standard_error = paired_difference(candidate, best, labels)
    return mean <= NOISE_SE * standard_error


def family_leaders(records: list[TrialRecord]) -> dict[str, TrialRecord]:
    """Each encoder family's finished trial of lowest val cross-entropy, best first."""
    leaders: dict[str, TrialRecord] = {}
    for record in rank(records):
        if record.finished:
            leaders.setdefault(record.encoder, record)
    return leaders


def reads(records: list[TrialRecord], val_size: int) -> list[TrialRecord]:
    """The trials whose val predictions `select_best` reads on a val split of `val_size` texts (checked before any work)."""
    return [] if val_size >= SMALL_VAL else [r for r in records if r.finished]


#: The held-out cross-entropy of each given trial's configuration, retrained as the export retrains the one it ships,
#: by trial id (`cross_validation`); None where the training split cannot be cut into FOLDS folds (`cross_validation.fold_plan`).
CrossValidated = Callable[[list[TrialRecord]], dict[str, float] | None]


def select_best(
    records: list[TrialRecord],
    val_labels: np.ndarray,
    val_probabilities: Callable[[TrialRecord], np.ndarray],
    cross_validated: CrossValidated,
) -> tuple[TrialRecord, Selection]:
    """`export best`'s trial among finished `records`; `val_probabilities(record)` reads a trial's stored val predictions.

    Only a small val split (under SMALL_VAL texts) reads predictions: then every trial is
    compared with the overall best, and `cross_validated` is called, only where the cheapest
    tied family has more than one tied trial, to rank those.
    """
    finished = [r for r in rank(records) if r.finished]
    best = finished[0]
    if len(val_labels) >= SMALL_VAL:
        return best, Selection(best.trial_id, f"the lowest val cross-entropy of {len(finished)} finished trials", best.trial_id)
    reference = val_probabilities(best)
    tied = [r for r in finished if r is best or within_noise(val_probabilities(r), reference, val_labels)]
    tied_leaders = family_leaders(tied)
    cost = family_stats(family_leaders(records), records)
    family = min(tied_leaders.values(), key=lambda r: (cost[r.encoder].seconds_per_epoch, r is not best)).encoder
    rule = (
        f"the val split is small ({len(val_labels):,} texts, under {SMALL_VAL:,}), so of the families with a trial "
        f"within the noise of the lowest val cross-entropy (trial {best.trial_id}, {best.encoder}; paired per-text "
        f"difference under {NOISE_SE:g} standard errors: {', '.join(tied_leaders)}), the cheapest per epoch"
    )
    candidates = [r for r in tied if r.encoder == family]
    if len(candidates) == 1:
        return candidates[0], Selection(candidates[0].trial_id, rule, best.trial_id)
    held_out = cross_validated(candidates)
    if held_out is None:
        rule += (
            f"; of its {len(candidates)} trials within that noise, the lowest val cross-entropy: the training split cannot be "
            f"cut into {FOLDS} folds that each train on every class (a class has fewer than {FOLDS} distinct texts)"
        )
        return candidates[0], Selection(candidates[0].trial_id, rule, best.trial_id)
    ranked = sorted(candidates, key=lambda r: held_out[r.trial_id])
    rule += (
        f"; of its {len(candidates)} trials within that noise, the lowest cross-entropy on {FOLDS} held-out folds of the "
        f"training split, each retrained as this export was ({', '.join(f'trial {r.trial_id}: {held_out[r.trial_id]:.4f}' for r in ranked)})"
    )
    return ranked[0], Selection(ranked[0].trial_id, rule, best.trial_id, {r.trial_id: held_out[r.trial_id] for r in ranked})
