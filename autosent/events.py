"""What a running search reports, and to whom: the listener interface, and the pace the views show.

Kept apart from the tuner so that views (the live leaderboard) depend on this small
interface, not on keras-tuner or TensorFlow.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from autosent.profile import DataProfile
from autosent.records import TrialRecord


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


class TrialPace:
    """How far a search has got, `k/N`, and how long it has left, for the live view and the piped lines alike.

    The estimate is the trials still to run times the mean wall-clock time of a trial that
    ended in this process: the time from the search's start (`begin`) to the last trial's
    end, over the trials ended since. So it exists from the first ended trial on, counts
    what a trial costs around its training too (checkpoints, scoring), and, where several
    workers train at once, their combined pace. The trial under way has used part of its
    share already: its own remaining share counts down, never below the trials after it.
    Hyperband's later rounds train longer than its first, so an early estimate runs low.
    (rich's own estimate averages progress over its last 30 s, shorter than most trials,
    so it has none for most of a search.)
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock  # a test's fake clock; a search's monotonic seconds
        self.budget = 0
        self.done = 0  # trials with a record, those of earlier sessions of the run included
        self._started = 0.0
        self._ended_here = 0
        self._last_end = 0.0

    def begin(self, budget: int, done: int) -> None:
        self.budget, self.done = budget, done
        self._started = self._last_end = self.clock()

    def trial_ended(self) -> None:
        self.done += 1
        self._ended_here += 1
        self._last_end = self.clock()

    @property
    def left(self) -> int:
        return max(self.budget - self.done, 0)

    def remaining_seconds(self) -> float | None:
        """Seconds until the budget is spent, or None before a trial of this process has ended."""
        if self.left == 0:
            return 0.0
        if self._ended_here == 0:
            return None
        mean = (self._last_end - self._started) / self._ended_here
        current = max(mean - (self.clock() - self._last_end), 0.0)
        return (self.left - 1) * mean + current


def short_duration(seconds: float) -> str:
    """`45s`, `3m`, `1h05m`: a duration as a log line wants it, to the unit that matters."""
    if round(seconds) < 60:
        return f"{seconds:.0f}s"
    minutes = round(seconds / 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
