"""What a running search reports, and to whom: the listener interface, and the words both views use
for a trial (`describe`) and for the text layers (`vectorizer_line`).

Kept apart from the tuner so that views (the live leaderboard) depend on this small
interface, not on keras-tuner or TensorFlow.
"""

from __future__ import annotations

import sys
from typing import Any

from autosent.runs.records import TrialRecord
from autosent.search.profile import DataProfile


class SearchListener:
    """Receives progress events from a search. Every method is optional, and the base ignores
    every event but one: a warning, what a user must not miss, reaches stderr even through a
    listener that shows nothing (`--quiet`). A view that shows warnings its own way overrides
    `on_warning`."""

    # `vectorizer`: the run's text-layer settings, sizes as resolved on the training split
    def on_data_ready(self, sizes: dict[str, int], dropped_empty: int, vectorizer: dict[str, int | str]) -> None: ...

    def on_profile(self, profile: DataProfile) -> None: ...  # its facts; each of its warnings comes as `on_warning`

    def on_vectorize_progress(self, done: int, total: int) -> None: ...

    def on_search_begin(self, budget: int, finished: list[TrialRecord]) -> None: ...

    def on_trial_begin(self, trial_id: str, hyperparameters: dict[str, Any], epochs: int) -> None: ...

    def on_epoch_begin(self, epoch: int, steps: int | None) -> None: ...

    def on_batch_end(self, batch: int) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None: ...  # logs: the row the trial records

    def on_trial_end(self, record: TrialRecord) -> None: ...

    def on_message(self, text: str) -> None: ...

    def on_warning(self, text: str) -> None:
        print(f"warning: {text}", file=sys.stderr, flush=True)


def vectorizer_line(vectorizer: dict[str, int | str]) -> str:
    """The run's text-layer settings in one line, for the views."""
    return " · ".join(f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}" for name, value in vectorizer.items())


SHOWN_HYPERPARAMETERS = ("encoder", "units", "embedding_dim", "dropout", "l2", "learning_rate")


def describe(hyperparameters: dict[str, Any]) -> str:
    """A one-line summary of a trial's most telling hyperparameters."""
    parts = []
    for name in SHOWN_HYPERPARAMETERS:
        if name in hyperparameters:
            value = hyperparameters[name]
            parts.append(f"{name}={value:.2g}" if isinstance(value, float) else f"{name}={value}")
    return " ".join(parts)
