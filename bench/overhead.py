"""What a trial costs beyond its training: autosent's trial path against a plain `model.fit`.

    python bench/overhead.py [--limit 20000] [--space seed]

In one process, on the bundled IMDB data (vectorised once, as a search does):
1. baseline: build the space's (first) model and `model.fit` it for one epoch on pre-made
   NumPy arrays, with validation, as one would by hand;
2. autosent: one search trial of the same model for one epoch, through keras-tuner's
   Hyperband, our record keeping, live-view hooks, early stopping, TensorBoard logging and
   checkpointing, timed as the trial record's `seconds`;
3. the same trial with the heap left unfrozen (`autosent.search.heap`): keras-tuner's two full
   garbage collections before it then walk every object TensorFlow made.
All include building the model and tracing its functions. Each is run twice, the two trials
in one order and then the other; the faster of each pair counts. Goal: baseline / autosent >= 0.95. On small data (`--limit 500`)
a trial is short, and what the frozen heap saves shows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

from autosent.data import load_dataset
from autosent.models.hypermodel import SentimentHyperModel
from autosent.search import pipeline
from autosent.search.pipeline import SearchConfig, run_search
from autosent.search.space import load_space
from autosent.text.vectorize import fitted_tokenizer, vectorize


def plain_fit_seconds(space_name: str, limit: int) -> float:
    """Build and fit the space's model for one epoch on arrays; seconds."""
    space = load_space(space_name)
    dataset = load_dataset("imdb", limit=limit)
    with tempfile.TemporaryDirectory() as folder:
        tokenizer = fitted_tokenizer(dataset.train.texts, space, Path(folder))
    data = vectorize(dataset, tokenizer)
    hypermodel = SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, data=data)
    hp = hypermodel.hyperparameters_for({})
    keras.utils.set_random_seed(0)
    keras.backend.clear_session()
    started = time.perf_counter()
    model = hypermodel.build(hp)
    model.fit(
        data.x_train, data.y_train, batch_size=hp.get("batch_size"), epochs=1, shuffle=True,
        validation_data=(data.x_val, data.y_val), verbose=0,
    )  # fmt: skip
    return time.perf_counter() - started


def trial_seconds(space_name: str, limit: int, frozen: bool = True) -> float:
    """One autosent trial of the same model for one epoch; the seconds its record gives. `frozen=False`: the heap left unfrozen."""
    freeze = pipeline.frozen
    pipeline.frozen = freeze if frozen else contextlib.nullcontext
    try:
        with tempfile.TemporaryDirectory() as results:
            config = SearchConfig(space=space_name, budget=1, max_epochs=1, limit=limit, results=Path(results))
            (record,) = run_search(config).records
    finally:
        pipeline.frozen = freeze
    return record.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=20000, help="training texts (default: the whole split)")
    parser.add_argument("--space", default="seed", help="space whose first model is trained (default: seed)")
    args = parser.parse_args()

    plain, trial, unfrozen = [], [], []
    for turn in range(2):
        plain.append(plain_fit_seconds(args.space, args.limit))
        for frozen in (True, False) if turn == 0 else (False, True):  # the later of two runs has the larger heap: each goes first once
            (trial if frozen else unfrozen).append(trial_seconds(args.space, args.limit, frozen))
    print(f"one epoch of the {args.space} model on {args.limit} texts, 2 CPU runs each:")
    print(f"  plain model.fit on arrays:           {', '.join(f'{s:.2f}' for s in plain)} s")
    print(f"  autosent trial:                      {', '.join(f'{s:.2f}' for s in trial)} s")
    print(f"  autosent trial, heap left unfrozen:  {', '.join(f'{s:.2f}' for s in unfrozen)} s")
    print(f"ratio (plain / trial, best of each): {min(plain) / min(trial):.3f}  (goal >= 0.95)")
    print(f"ratio (unfrozen / frozen trial, best of each): {min(unfrozen) / min(trial):.3f}")


if __name__ == "__main__":
    main()
