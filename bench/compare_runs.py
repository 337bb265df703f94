"""Do two runs hold the same trials? Trial by trial: configuration, epochs trained, val cross-entropy.

    python bench/compare_runs.py results/a/bench-quality-imdb results/b/bench-quality-imdb

For checking that a change left the search's behaviour alone: the same seed on the same data
gives the same configurations and the same val cross-entropy to the last digit, up to the first
trial whose cost-aware allocation (`search.allocation`: encoder draws and epochs from measured
seconds) read a different time. Prints one line per trial and a count.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from autosent.runs.records import TrialRecord, read_records


@dataclass(frozen=True)
class Trial:
    """What must match between two runs for a trial to be the same one."""

    encoder: str
    configuration: str  # its hyperparameters as sorted JSON (records hold no keras-tuner bookkeeping)
    epochs: int
    val_cross_entropy: float | None
    seconds: float

    @classmethod
    def of(cls, record: TrialRecord) -> Trial:
        configuration = json.dumps(record.hyperparameters, sort_keys=True)
        return cls(record.encoder, configuration, len(record.history), record.val_cross_entropy, record.seconds)


def compare(first: Path, second: Path) -> list[str]:
    """One line per trial id of either run, then the count of trials that match."""
    a = {r.trial_id: Trial.of(r) for r in read_records(first)}
    b = {r.trial_id: Trial.of(r) for r in read_records(second)}
    lines, same = [], 0
    for trial_id in sorted(set(a) | set(b), key=int):
        x, y = a.get(trial_id), b.get(trial_id)
        if x is None or y is None:
            verdict = "in one run only"
        elif (x.configuration, x.epochs) != (y.configuration, y.epochs):
            verdict = "DIFFERENT"
        else:
            same += 1
            verdict = "same" if x.val_cross_entropy == y.val_cross_entropy else "same configuration, other val_ce"
        left = f"{x.encoder} {x.epochs} ep {x.seconds:5.1f} s" if x else "-"
        right = f"{y.encoder} {y.epochs} ep {y.seconds:5.1f} s" if y else "-"
        lines.append(f"{trial_id:>3}  {left:<26} {right:<26} {verdict}")
    lines.append(f"{same} of {len(set(a) | set(b))} trials: the same configuration and epochs")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("first", type=Path, help="a run folder (results/<run>)")
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    print("\n".join(compare(args.first, args.second)))


if __name__ == "__main__":
    main()
