"""Cost-aware allocation: which encoder a new configuration gets, and how many epochs a trial trains.

Hyperband counts its budget in epochs, as if an epoch cost the same for every configuration;
on a CPU a recurrent encoder's epoch costs tens of times an `nbsvm` epoch. autosent keeps
keras-tuner's Hyperband (brackets, rounds, promotions, its state file, its distributed
serving: see `tuner.CostAwareHyperbandOracle`) and changes two decisions, both pure functions
of what the run has measured:

1. **Which encoder a new configuration uses.** Each family is tried once first (these land
   in the first bracket's cheapest rung), so its cost and promise are measured. After that,
   encoders are drawn in proportion to how cheap an epoch of theirs is (the cheapest family's
   seconds per epoch over theirs) among the families still *competitive*: with a best
   validation cross-entropy within `MARGIN` of the best family's. Every family keeps a
   `FLOOR` share however dear or behind it is, so none is ever dropped: a family the user put
   in the space keeps receiving trials and can come back.
2. **How many epochs a trial trains.** A rung's epochs become a budget of time: a family
   whose epoch costs more than the median family's trains proportionally fewer of the rung's
   epochs (never fewer than one), so of two configurations with the same promise the cheaper
   one gets more epochs.

Seconds per epoch come from the records of the family's trials (their seconds over the
epochs they ran). A family without one yet counts as the median of the measured ones, or as
its estimate where one is given (`--dry-run` times one batch per encoder).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from autosent.runs.records import TrialRecord

#: A family is competitive while its best val cross-entropy is within this of the best family's:
#: about one point of accuracy, the noise of a validation split of a few thousand texts.
MARGIN = 0.02
#: Every family's least share of new configurations, so that none starves.
FLOOR = 0.05


@dataclass(frozen=True)
class FamilyStats:
    """What the run knows of one encoder family."""

    seconds_per_epoch: float
    best: float | None = None  # best val cross-entropy of its finished trials; None before one finishes
    tried: bool = False  # whether any trial of it has a record (finished or failed)


def family_stats(
    encoders: Iterable[str], records: list[TrialRecord], estimates: dict[str, float] | None = None
) -> dict[str, FamilyStats]:
    """Each family's seconds per epoch (the median over its trials; else its estimate; else the
    median of the measured families; else 1) and its best val cross-entropy."""
    measured, best, tried = {}, {}, set()
    for encoder in encoders:
        mine = [r for r in records if r.hyperparameters.get("encoder") == encoder]
        if mine:
            tried.add(encoder)
        costs = [r.seconds / len(r.history) for r in mine if r.history and r.seconds > 0]
        if costs:
            measured[encoder] = statistics.median(costs)
        finished = [r.val_cross_entropy for r in mine if r.finished]
        best[encoder] = min(finished) if finished else None
    fallback = statistics.median(measured.values()) if measured else 1.0
    return {
        encoder: FamilyStats(
            max(measured.get(encoder, (estimates or {}).get(encoder, fallback)), 1e-3), best[encoder], encoder in tried
        )
        for encoder in best
    }


def encoder_weights(stats: dict[str, FamilyStats], margin: float = MARGIN, floor: float = FLOOR) -> dict[str, float]:
    """Each family's share of new configurations (summing to 1).

    While some family is untried, the untried ones share everything. Then: cost-weighted among
    the competitive families, and `floor` at least for every family.
    """
    untried = [encoder for encoder, s in stats.items() if not s.tried]
    if untried:
        return {encoder: (1 / len(untried) if encoder in untried else 0.0) for encoder in stats}
    scores = [s.best for s in stats.values() if s.best is not None]
    best = min(scores) if scores else None
    cheapest = min(s.seconds_per_epoch for s in stats.values())
    raw = {
        encoder: cheapest / s.seconds_per_epoch if best is None or (s.best is not None and s.best <= best + margin) else 0.0
        for encoder, s in stats.items()
    }
    total = sum(raw.values())
    floor = min(floor, 1 / len(stats))
    return {encoder: floor + (1 - floor * len(stats)) * value / total for encoder, value in raw.items()}


def draw_encoder(weights: dict[str, float], seed: int, trial_number: int) -> str:
    """One encoder by `weights`, the same for the same run `seed` and `trial_number`, so a resumed run draws alike."""
    names = sorted(weights)
    return random.Random(f"{seed}:{trial_number}").choices(names, weights=[weights[n] for n in names])[0]


def epochs_for(encoder: str, epochs: int, initial_epoch: int, stats: dict[str, FamilyStats]) -> int:
    """The epoch a trial of `encoder` trains to, when Hyperband's rung says `initial_epoch` -> `epochs`."""
    median = statistics.median(s.seconds_per_epoch for s in stats.values())
    scale = min(1.0, median / stats[encoder].seconds_per_epoch)
    return initial_epoch + max(1, round((epochs - initial_epoch) * scale))
