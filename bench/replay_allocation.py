"""Replay a finished run's cost-aware decisions from its own trial records, with this checkout's code.

    python bench/replay_allocation.py results/bench-quality-imdb

The allocation (`search.allocation`) decides two things per trial: the encoder of a new
configuration (a draw seeded by the run's seed and the trial's number, weighted by the families'
measured cost and promise) and how many epochs the trial trains. Both are pure functions of the
records before the trial. Two searches with the same seed can still hold different trials,
because measured seconds differ from run to run; this script tells that apart from a change of
code: if the code decides as the run did from the run's own records, every difference between
two runs comes from the seconds they measured. For a sequential search (no workers), whose trials
each start after the one before ends. Prints one line per trial and the count replayed exactly.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autosent.runs.records import read_records
from autosent.runs.rundir import TUNER_DIR, RunRecord
from autosent.search.allocation import draw_encoder, encoder_weights, epochs_for, family_stats
from autosent.search.keras_tuner_internals import oracle_seed
from autosent.search.plan import hyperband_trials


def replay(run_dir: Path) -> list[str]:
    """One line per trial: its recorded encoder and epochs against the replayed ones."""
    run = RunRecord.read(run_dir)
    space = run.space()
    seed = oracle_seed(run_dir / TUNER_DIR)
    records = sorted(read_records(run_dir), key=lambda r: int(r.trial_id))
    plan = hyperband_trials(run.identity.max_epochs, space.factor, len(records))
    lines, exact = [], 0
    for number, (record, planned) in enumerate(zip(records, plan, strict=True)):
        stats = family_stats(space.encoders, records[:number])
        # A continuation keeps its configuration: only a new one (round 0) draws its encoder.
        drawn = draw_encoder(encoder_weights(stats), seed, number) if planned.round == 0 else record.encoder
        epochs = epochs_for(record.encoder, planned.epochs, planned.initial_epoch, stats)
        same = (drawn, epochs) == (record.encoder, record.hyperband["epochs"])
        exact += same
        lines.append(
            f"{record.trial_id:>3}  recorded {record.encoder:<11} to epoch {record.hyperband['epochs']}  "
            f"replayed {drawn:<11} to epoch {epochs}  {'same' if same else 'DIFFERENT'}"
        )
    lines.append(f"{exact} of {len(records)} trials: the same encoder and epochs as the run decided")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a run folder (results/<run>)")
    print("\n".join(replay(parser.parse_args().run)))


if __name__ == "__main__":
    main()
