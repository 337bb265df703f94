"""The live search view: progress over the budget, the current trial's epoch, the top trials.

A `SearchListener` that redraws a rich `Live` display; the table itself comes from
`leaderboard.table`, so what you watch is what `autosent leaderboard` prints later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from autosent.models.objective import OBJECTIVE
from autosent.runs.records import TrialRecord
from autosent.search.profile import DataProfile
from autosent.views.events import SearchListener, describe, vectorizer_line
from autosent.views.leaderboard import table
from autosent.views.pace import TrialPace


class _RemainingColumn(TimeRemainingColumn):
    """rich's time-remaining column, except for a task with a `pace` field (the trials), whose
    estimate is the `TrialPace`'s: rich's own needs a step within its last 30 s, and a trial is longer."""

    def render(self, task: Task) -> Text:
        pace: TrialPace | None = task.fields.get("pace")
        if pace is None:
            return super().render(task)
        seconds = pace.remaining_seconds()
        shown = "-:--:--" if seconds is None else str(timedelta(seconds=round(seconds)))
        return Text(shown, style="progress.remaining")


class LiveSearchView(SearchListener):
    """Use as a context manager around `run_search(config, listener=view)`.

    `clock` times the bars and the estimate: monotonic seconds, or a test's fake clock.
    """

    def __init__(self, console: Console, run_name: str, top: int = 5, clock: Callable[[], float] = time.monotonic):
        self.run_name = run_name
        self.top = top
        self.records: list[TrialRecord] = []
        self.current = Text("preparing data…", style="dim")
        self.data = Text("")
        self._trial = ""
        self._epochs = 0
        self.pace = TrialPace(clock)
        self.progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            _RemainingColumn(),
            get_time=clock,
        )
        self.trials = self.progress.add_task("trials", total=None, pace=self.pace)
        self.epoch = self.progress.add_task("epoch", total=None, visible=False)
        self.vectorizing = self.progress.add_task("vectorise", total=None, visible=False)
        self.live = Live(self, console=console, refresh_per_second=4)

    def __rich__(self) -> RenderableType:
        return Group(
            Text(f"autosent search · run {self.run_name}", style="bold"),
            self.data,
            self.progress,
            self.current,
            table(self.records, self.top, title=f"top {self.top} by val cross-entropy (val_ce)"),
        )

    def __enter__(self) -> LiveSearchView:  # noqa: PYI034 (typing.Self is Python 3.11+; autosent runs on 3.10)
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def on_data_ready(self, sizes: dict[str, int], dropped_empty: int, vectorizer: dict[str, int | str]) -> None:
        line = "data: " + " · ".join(f"{name} {size:,}" for name, size in sizes.items())
        if dropped_empty:
            line += f" ({dropped_empty:,} empty or whitespace-only texts dropped)"
        line += "\nvectorizer: " + vectorizer_line(vectorizer)
        self.data = Text(line, style="dim")
        self.current = Text("vectorising…", style="dim")

    def on_profile(self, profile: DataProfile) -> None:
        block = Text("\n".join(f"profile: {fact}" for fact in profile.facts()), style="dim")
        self.data = Text.assemble(self.data, "\n", block)

    def on_vectorize_progress(self, done: int, total: int) -> None:
        self.progress.update(self.vectorizing, completed=done, total=total, visible=done < total)

    def on_search_begin(self, budget: int, finished: list[TrialRecord]) -> None:
        self.records = list(finished)
        self.pace.begin(budget, len(finished))
        self.progress.update(self.trials, total=budget, completed=len(finished))

    def on_trial_begin(self, trial_id: str, hyperparameters: dict[str, Any], epochs: int) -> None:
        self._trial = f"trial {trial_id}: {describe(hyperparameters)}"
        self._epochs = epochs
        self.current = Text(self._trial)
        # The epoch bar's clock restarts with each trial: its "elapsed" is this trial's time.
        self.progress.reset(self.epoch, total=None, visible=False)

    def on_epoch_begin(self, epoch: int, steps: int | None) -> None:
        self.progress.update(self.epoch, description="epoch", total=steps, completed=0, visible=True)
        self.current = Text(f"{self._trial} · epoch {epoch}/{self._epochs}")

    def on_batch_end(self, batch: int) -> None:
        self.progress.update(self.epoch, completed=batch)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        val = logs.get(OBJECTIVE)
        if val is not None:
            self.current = Text(f"{self._trial} · epoch {epoch}/{self._epochs} · val_ce {val:.4f}")

    def on_message(self, text: str) -> None:
        self.live.console.print(Text(text, style="yellow"))  # above the live display, and kept

    def on_warning(self, text: str) -> None:
        self.live.console.print(Text(f"warning: {text}", style="bold yellow"))

    def on_trial_end(self, record: TrialRecord) -> None:
        self.records.append(record)
        self.pace.trial_ended()
        self.progress.update(self.trials, advance=1)
        self.progress.update(self.epoch, visible=False)
        self.current = Text(f"trial {record.trial_id} {record.status.lower()}", style="dim")
