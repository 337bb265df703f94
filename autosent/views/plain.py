"""The search's output where no one watches a terminal (a log file, a pipe, CI): plain lines, flushed.

A rich live view draws nothing into a file until the search ends; this listener prints one
line when the data is ready and one per finished trial (how many of the budget, id, the trial
a Hyperband continuation resumed, encoder, telling hyperparameters, val cross-entropy and
accuracy, seconds, best so far, time left) as it happens. Lines are never wrapped: one
trial, one line, whatever its length, so that a log can be grepped.
"""

from __future__ import annotations

import sys
from typing import TextIO

from autosent.runs.records import TrialRecord, leader
from autosent.search.profile import DataProfile
from autosent.views.events import SearchListener, describe, vectorizer_line
from autosent.views.pace import TrialPace, short_duration


class PlainSearchView(SearchListener):
    """`pace` counts the trials and estimates the time left (a test gives one with a fake clock)."""

    def __init__(self, run_name: str, stream: TextIO | None = None, pace: TrialPace | None = None):
        self.run_name = run_name
        self.stream = stream
        self.pace = pace or TrialPace()
        self.seen: list[TrialRecord] = []  # the run's records so far, for the best among them

    def _print(self, line: str) -> None:
        print(line, file=self.stream or sys.stdout, flush=True)

    def on_data_ready(self, sizes: dict[str, int], dropped_empty: int, vectorizer: dict[str, int | str]) -> None:
        dropped = f", {dropped_empty} empty text(s) dropped" if dropped_empty else ""
        self._print(f"run {self.run_name}: data " + " / ".join(f"{n} {s:,}" for n, s in sizes.items()) + dropped)
        self._print(f"vectorizer: {vectorizer_line(vectorizer)}")

    def on_profile(self, profile: DataProfile) -> None:
        for fact in profile.facts():
            self._print(f"profile: {fact}")

    def on_search_begin(self, budget: int, finished: list[TrialRecord]) -> None:
        self.seen.extend(finished)
        self.pace.begin(budget, len(finished))
        resumed = f", {len(finished)} already done" if finished else ""
        self._print(f"search: budget {budget} trials{resumed}")

    def on_trial_end(self, record: TrialRecord) -> None:
        self.seen.append(record)
        self.pace.trial_ended()
        if record.finished:
            result = f"val_ce {record.val_cross_entropy:.4f} val_acc {record.val_accuracy:.4f}"
        else:
            result = f"FAILED: {record.message}"
        leading = leader(self.seen)
        best = f"best {leading.val_cross_entropy:.4f} (trial {leading.trial_id})" if leading else "best –"
        left = self.pace.remaining_seconds()
        eta = f" | eta {short_duration(left)}" if left else ""  # none after the last trial
        self._print(f"[{self.pace.done}/{self.pace.budget}] {trial_name(record)} {describe(record.hyperparameters)} | "
                    f"{result} | {record.seconds:.0f}s | {best}{eta}")  # fmt: skip

    def on_message(self, text: str) -> None:
        self._print(text)

    def on_warning(self, text: str) -> None:
        self._print(f"warning: {text}")  # in order among the lines a log reads


def trial_name(record: TrialRecord) -> str:
    """`trial 05`, or `trial 05 (continues trial 03 at epoch 3)` for a Hyperband continuation, which
    has its parent's hyperparameters and would otherwise read as a duplicate of it."""
    parent = record.parent_id
    if parent is None:
        return f"trial {record.trial_id}"
    return f"trial {record.trial_id} (continues trial {parent} at epoch {int(record.hyperband.get('initial_epoch', 0)) + 1})"


def best_line(records: list[TrialRecord]) -> str | None:
    """The search's closing line in every mode: the leaderboard's first trial, or None if no trial finished."""
    best = leader(records)
    if best is None:
        return None
    return (f"best: {trial_name(best)} {describe(best.hyperparameters)} | "
            f"val_ce {best.val_cross_entropy:.4f} val_acc {best.val_accuracy:.4f}")  # fmt: skip
