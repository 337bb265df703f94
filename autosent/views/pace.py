"""How far a search has got and how long it has left, as both views (live and piped) show it."""

from __future__ import annotations

import time
from collections.abc import Callable


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
