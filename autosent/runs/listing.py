"""`autosent runs`: the runs under `--results`, what each holds and takes on disk, and deleting one.

A search keeps every trial's keras-tuner checkpoints, so runs grow large: a user needs to see
which runs are worth keeping and to delete the others without `rm -rf` inside `results/`.
Deleting follows the one rule (`removal`): only a real folder that holds `run.json` and
nothing autosent did not make (`rundir.refusal`), and never while a search or an export is
working in it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from autosent.errors import UsageError
from autosent.runs import removal
from autosent.runs.lock import export_busy, folder_lock, run_lock, searched_by
from autosent.runs.records import leader, read_records
from autosent.runs.rundir import (
    EXPORT_DIRS,
    RunRecord,
    check_run_name,
    find_run,
    list_runs,
    refusal,
    remove_run,
)
from autosent.search.memory import readable
from autosent.ship.export_folder import is_export
from autosent.ship.export_metadata import read_metadata


@dataclass(frozen=True)
class RunSummary:
    """One run as `autosent runs` lists it (and `--json` prints it)."""

    run: str
    data: str | None  # the --data it was searched on, as given; None when run.json is unreadable
    space: str | None  # the --space, as given
    finished: int  # trials that completed
    failed: int
    budget: int | None  # of its latest search; runs made before autosent recorded it have none
    best_trial: str | None
    best_val_cross_entropy: float | None
    exports: dict[str, str]  # the trial (`18`, `18+01+05` for an ensemble) of each export folder the run has, by folder name
    bytes: int  # every file in the run folder, export included
    searched_by: str | None  # the search holding the run's lock now: who, since when, which command
    problem: str | None = None  # why run.json or a trial record could not be read

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def summarise(run_dir: Path) -> RunSummary:
    """What `run_dir` holds; a damaged run.json or trial record is reported in `problem`, not raised,
    so one damaged run does not hide the others (and can still be deleted)."""
    data = space = budget = best = best_ce = None
    finished = failed = 0
    problems: list[str] = []
    try:
        record = RunRecord.read(run_dir)
        data, space, budget = record.identity.data, record.space_file, record.budget
    except UsageError as e:
        problems.append(str(e))
    try:  # the trials are counted whatever run.json holds: they are what a restored run.json gets back
        records = read_records(run_dir)
    except UsageError as e:
        problems.append(str(e))
    else:
        finished, failed = sum(r.finished for r in records), sum(r.failed for r in records)
        leading = leader(records)
        best, best_ce = (leading.trial_id, leading.val_cross_entropy) if leading else (None, None)
    problem = "; ".join(problems) or None
    return RunSummary(
        run_dir.name, data, space, finished, failed, budget, best, best_ce, _exports(run_dir),
        folder_bytes(run_dir), searched_by(run_dir), problem,
    )  # fmt: skip


def _exports(run_dir: Path) -> dict[str, str]:
    """The trial of each export the run has, by its folder's name."""
    trials = {name: _exported_trial(run_dir / name) for name in EXPORT_DIRS}
    return {name: trial for name, trial in trials.items() if trial is not None}


def _exported_trial(folder: Path) -> str | None:
    """The trial (or `18+01+05` for an ensemble) of the export in `folder`, None if there is none; `?` if unreadable."""
    if not is_export(folder):
        return None
    try:
        return read_metadata(folder).trial_id or "?"
    except UsageError:
        return "?"


def folder_bytes(folder: Path) -> int:
    """The size of every file under `folder`, links counted as links (never followed); safe while a search writes."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # a temp file renamed away since it was listed
                total += os.lstat(os.path.join(parent, name)).st_size
    return total


def summaries(results: Path) -> list[RunSummary]:
    """Every run under `results`, by name; `UsageError` if `results` is a file."""
    if results.exists() and not results.is_dir():
        raise UsageError(f"--results {results} is a file, not a folder")
    return [summarise(results / name) for name in list_runs(results)]


def delete_run(results: Path, name: str) -> RunSummary:
    """Delete run `name` under `results`, export included, and return what it was.

    Refused, before anything is deleted, unless it is a real run folder with nothing in it that
    autosent did not make, no search holds it and no export is writing into one of its export folders.
    It is deleted with its lock held, `run.json` last: a deletion cut short leaves a run that is
    still listed, and that the same command deletes.
    """
    run_dir = find_run(results, check_run_name(name, "--delete"))  # one plain folder name, holding a run.json
    removal.check_owned(run_dir, lambda folder: refusal(folder, "then delete the run again"))
    holder = searched_by(run_dir)
    if holder is not None:
        raise UsageError(f"run {name!r} is being searched by {holder}; stop that search first, then delete the run")
    summary = summarise(run_dir)
    with contextlib.ExitStack() as held:  # the exports first: refused, nothing is written
        for export in EXPORT_DIRS:
            held.enter_context(_export_idle(run_dir / export))
        held.enter_context(run_lock(run_dir))
        remove_run(run_dir)
    return summary


@contextlib.contextmanager
def _export_idle(export: Path) -> Iterator[None]:
    """Hold the lock of the run's export folder, if it has one, or refuse: an export is writing there."""
    if export.is_symlink() or not export.is_dir():
        yield
        return
    with folder_lock(export) as free:
        if not free:
            raise export_busy(export)
        yield


def trials_cell(summary: RunSummary) -> str:
    """`12/50`: the trials finished of the latest search's budget (just `12` for a run made before it was recorded)."""
    return f"{summary.finished}/{summary.budget}" if summary.budget is not None else str(summary.finished)


def table(runs: list[RunSummary], results: Path) -> RenderableType:
    """The runs as a table (what each was made from, how far it got, its best trial, its size), then
    a line for each run a search holds or that could not be read.

    The run name, which `--delete` takes, is never cut; in a narrow terminal the data and space
    names are, first.
    """
    grid = Table(title=f"{len(runs)} run(s) in {results}", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                 pad_edge=False, collapse_padding=True, padding=(0, 1, 0, 0))  # fmt: skip
    grid.add_column("run", no_wrap=True)
    grid.add_column("data", overflow="ellipsis")
    grid.add_column("space", overflow="ellipsis")
    for header in ("trials", "best", "val_ce", "export", "size"):
        grid.add_column(header, justify="left" if header in ("best", "export") else "right", no_wrap=True)
    for r in runs:
        data = Path(r.data).name if r.data is not None else "?"
        space = Path(r.space).stem if r.space is not None else "?"
        best = (r.best_trial, f"{r.best_val_cross_entropy:.4f}") if r.best_trial is not None else ("–", "–")
        grid.add_row(r.run, data, space, trials_cell(r), *best, ", ".join(r.exports.values()) or "–", readable(r.bytes))
    notes = [f"{r.run}: being searched by {r.searched_by}" for r in runs if r.searched_by is not None]
    notes += [f"{r.run}: {r.problem}" for r in runs if r.problem is not None]
    return Group(grid, *(Text(note) for note in notes))
