"""`autosent search --dry-run`: what a search will do and roughly how long it will take, before it starts.

The plan is keras-tuner's own Hyperband geometry (`keras_tuner_internals.hyperband_rounds`)
laid out over the budget: which bracket and round each trial belongs to and how many epochs
Hyperband gives it. The estimate times one training batch and one validation batch of each
encoder on this machine, on the run's real data, and applies the allocator's rules
(`allocation`) to the plan. Nothing is written under results/.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autosent.errors import UsageError
from autosent.search.allocation import FamilyStats, encoder_weights, epochs_for
from autosent.search.space import SearchSpace

#: Batches timed per encoder after one untimed batch (which traces the model's graph).
TIMED_BATCHES = 3
VALIDATION_BATCH = 512


@dataclass(frozen=True)
class PlannedTrial:
    """One trial of the plan, by Hyperband's bookkeeping (`tuner/bracket`, `tuner/round`, ...)."""

    bracket: int
    round: int
    epochs: int
    initial_epoch: int


@dataclass(frozen=True)
class Plan:
    trials: list[PlannedTrial]
    max_epochs: int
    factor: int
    seconds_per_epoch: dict[str, float]  # each encoder's estimate on this machine
    minutes: dict[str, float]  # each encoder's expected share of the search, in minutes
    batch_sizes: dict[str, int]  # the batch each encoder was timed at (`_default_batch`)

    def lines(self) -> list[str]:
        """The plan as text: brackets and rounds, then the estimate per encoder."""
        out = [f"plan: {len(self.trials)} trials of Hyperband (max_epochs {self.max_epochs}, factor {self.factor})"]
        for bracket, rounds in _grouped(self.trials):
            parts = [f"round {r}: {len(ts)} x {_epochs(ts[0])}" for r, ts in rounds]
            out.append(f"  bracket {bracket}: " + ", ".join(parts))
        out.append(f"estimate, from {TIMED_BATCHES} timed batches per encoder after an untimed one, at the encoder's default batch (early stopping can only shorten it):")
        for encoder, seconds in sorted(self.seconds_per_epoch.items(), key=lambda kv: kv[1]):
            out.append(f"  {encoder:<10} {seconds:8.2f} s per epoch at batch {self.batch_sizes[encoder]:<4} ~{self.minutes[encoder]:5.1f} min")
        out.append(f"  {'total':<10} ~{sum(self.minutes.values()):.1f} min")
        return out


def _epochs(trial: PlannedTrial) -> str:
    if not trial.initial_epoch:
        return f"{trial.epochs} epoch(s)"
    first = trial.initial_epoch + 1
    return f"epoch {first} (continued)" if first == trial.epochs else f"epochs {first}-{trial.epochs} (continued)"


def _grouped(trials: list[PlannedTrial]):
    """Consecutive trials grouped by bracket, then round."""
    groups: list[tuple[int, list[tuple[int, list[PlannedTrial]]]]] = []
    for trial in trials:
        if not groups or groups[-1][0] != trial.bracket or trial.round < groups[-1][1][-1][0]:
            groups.append((trial.bracket, []))
        rounds = groups[-1][1]
        if not rounds or rounds[-1][0] != trial.round:
            rounds.append((trial.round, []))
        rounds[-1][1].append(trial)
    return groups


def hyperband_trials(max_epochs: int, factor: int, budget: int) -> list[PlannedTrial]:
    """The trials a sequential search of `budget` runs, bracket by bracket and round by round, when none fails."""
    from autosent.search.keras_tuner_internals import hyperband_rounds

    geometry = hyperband_rounds(max_epochs, factor)
    trials: list[PlannedTrial] = []
    while len(trials) < budget:
        for bracket, rounds in geometry:
            for number, (size, epochs) in enumerate(rounds):
                initial = rounds[number - 1][1] if number else 0
                trials += [PlannedTrial(bracket, number, epochs, initial)] * size
    return trials[:budget]


def estimate_minutes(trials: list[PlannedTrial], seconds_per_epoch: dict[str, float]) -> dict[str, float]:
    """Each encoder's expected minutes: untried families first, then the allocator's initial shares."""
    encoders = sorted(seconds_per_epoch)
    minutes = dict.fromkeys(encoders, 0.0)
    stats = {e: FamilyStats(seconds_per_epoch[e], None, True) for e in encoders}
    shares = encoder_weights(stats)
    for number, trial in enumerate(trials):
        chance = {e: float(e == encoders[number]) for e in encoders} if number < len(encoders) else shares
        for encoder, p in chance.items():
            epochs = epochs_for(encoder, trial.epochs, trial.initial_epoch, stats) - trial.initial_epoch
            minutes[encoder] += p * epochs * seconds_per_epoch[encoder] / 60
    return minutes


def time_encoders(hypermodel, space, data, batch_sizes: dict[str, int]) -> dict[str, float]:
    """Seconds per epoch of each encoder of the space at its batch (`batch_sizes`), from a few timed batches on the run's data."""
    import tensorflow as tf

    estimates = {}
    for encoder in space.encoders:
        hp = hypermodel.hyperparameters_for({"encoder": encoder})
        batch_size = batch_sizes[encoder]
        try:
            model = hypermodel.build(hp)
            train = _seconds_per_batch(model.train_on_batch, data.x_train, data.y_train, batch_size)
            val = _seconds_per_batch(model.test_on_batch, data.x_val, data.y_val, VALIDATION_BATCH)
        except (MemoryError, tf.errors.ResourceExhaustedError) as e:  # memory.check_fits passed it; other programs hold memory
            raise UsageError(
                f"--dry-run: a {encoder} model of space {space.name} ran out of memory on this machine ({type(e).__name__}); "
                "lower its sizes in the space file"
            ) from None
        estimates[encoder] = (
            train * math.ceil(len(data.y_train) / batch_size) + val * math.ceil(len(data.y_val) / VALIDATION_BATCH)
        )
    return estimates


def _default_batch(hypermodel, space: SearchSpace, encoder: str) -> int:
    """The batch a trial of `encoder` with the space's defaults trains at (`hypermodel.fit`): its
    [encoders] override, else the common one, a rule's as resolved on the training split."""
    return space.model_values(hypermodel.hyperparameters_for({"encoder": encoder}).values)["batch_size"]


def _seconds_per_batch(step, x: dict, y, batch_size: int) -> float:
    from autosent.text.vectorize import take_rows

    batch = take_rows(x, batch_size), y[:batch_size]
    step(*batch)  # traces the graph: not what an epoch's batches cost
    started = time.perf_counter()
    for _ in range(TIMED_BATCHES):
        step(*batch)
    return (time.perf_counter() - started) / TIMED_BATCHES


def make_plan(prepared) -> Plan:
    """The plan of a prepared search (`pipeline.PreparedSearch`), timing its encoders on its data.

    The text layers are adapted in a temporary folder: a dry run writes nothing under results/.
    """
    from autosent.models.hypermodel import SentimentHyperModel
    from autosent.text.vectorize import fitted_tokenizer, vectorize

    config, space, dataset = prepared.config, prepared.space, prepared.dataset
    with tempfile.TemporaryDirectory(prefix="autosent-plan-") as scratch:
        tokenizer = fitted_tokenizer(dataset.train.texts, space, Path(scratch))
    data = vectorize(dataset, tokenizer)
    hypermodel = SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, config.seed, data)
    batches = {e: _default_batch(hypermodel, space, e) for e in space.encoders}
    seconds = time_encoders(hypermodel, space, data, batches)
    trials = hyperband_trials(prepared.max_epochs, space.factor, config.budget)
    return Plan(trials, prepared.max_epochs, space.factor, seconds, estimate_minutes(trials, seconds), batches)
