"""The search's output where no one watches a terminal (a log file, a pipe, CI): plain lines, flushed.

A rich live view draws nothing into a file until the search ends; this listener prints one
line when the data is ready and one per finished trial (id, encoder, telling hyperparameters,
val cross-entropy and accuracy, seconds, best so far) as it happens.
"""

from __future__ import annotations

import sys
from typing import TextIO

from autosent.events import SearchListener, vectorizer_line
from autosent.live import describe
from autosent.profile import DataProfile
from autosent.records import TrialRecord


class PlainSearchView(SearchListener):
    def __init__(self, run_name: str, stream: TextIO | None = None):
        self.run_name = run_name
        self.stream = stream
        self.best: TrialRecord | None = None

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
        for record in finished:
            self._note_best(record)
        resumed = f", {len(finished)} already done" if finished else ""
        self._print(f"search: budget {budget} trials{resumed}")

    def on_trial_end(self, record: TrialRecord) -> None:
        self._note_best(record)
        if record.finished:
            result = f"val_ce {record.val_cross_entropy:.4f} val_acc {record.val_accuracy:.4f}"
        else:
            result = f"FAILED: {record.message}"
        best = f"best {self.best.val_cross_entropy:.4f} (trial {self.best.trial_id})" if self.best else "best –"
        self._print(f"trial {record.trial_id} {describe(record.hyperparameters)} | {result} | {record.seconds:.0f}s | {best}")

    def on_message(self, text: str) -> None:
        self._print(text)

    def on_warning(self, text: str) -> None:
        self._print(f"warning: {text}")  # in order among the lines a log reads

    def _note_best(self, record: TrialRecord) -> None:
        if record.finished and (self.best is None or record.val_cross_entropy < self.best.val_cross_entropy):
            self.best = record

    def summary(self) -> str:
        """The closing line: the best trial, or that there is none."""
        if self.best is None:
            return "no trial finished"
        hps = describe(self.best.hyperparameters)
        return f"best: trial {self.best.trial_id} {hps} | val_ce {self.best.val_cross_entropy:.4f} val_acc {self.best.val_accuracy:.4f}"
