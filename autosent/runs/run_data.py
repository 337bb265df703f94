"""A run's data, read again: export re-reads the very rows a search trained and tested on.

`run.json` names each data source as the command gave it (that is part of the run's
identity, so the same command resumes the run) and, for a source that is a path, also that
path made absolute, so the data is found from any folder. Runs made before that recorded only
the path as given: relative to the folder the search ran in.
"""

from __future__ import annotations

from pathlib import Path

from autosent.data import Dataset
from autosent.data.bundled import BUNDLED
from autosent.errors import UsageError
from autosent.runs.rundir import RunRecord

#: The `identity` keys of a run's data sources, and the flag each came from.
SOURCE_FLAGS = {"data": "--data", "val_data": "--val-data", "test_data": "--test-data"}

#: Why a relative path of an older run is not found here, and the fix.
RELATIVE = "run.json gives that path relative to the folder the search ran in; run this command from that folder"


def is_path(source: str) -> bool:
    """Whether a data source names a file or folder (not a bundled set or `tfds:NAME`)."""
    return source not in BUNDLED and not source.startswith("tfds:")


def recorded_paths(sources: dict[str, str | None]) -> dict[str, str]:
    """The absolute path of each given source that is a path, by its `identity` key."""
    return {key: str(Path(source).resolve()) for key, source in sources.items() if source is not None and is_path(source)}


def load_run_data(run_dir: Path, info: RunRecord) -> Dataset:
    """The dataset of run `info`, read as its search read it; `UsageError` if it is gone or changed.

    A relative path in a run without recorded paths is relative to the folder its search ran
    in; from any other folder it is missing or another file, which is said as such, not as
    "the data changed".
    """
    given = info.data_spec().sources
    recorded = info.data_paths or {}
    sources = {key: recorded.get(key, source) for key, source in given.items()}
    for key, source in sources.items():
        if is_path(source) and not Path(source).exists():
            gone = f"is not at {source} any more; put it back there" if key in recorded or Path(source).is_absolute() else f"is not found: {RELATIVE}"
            raise UsageError(f"run {run_dir.name!r} was searched on {SOURCE_FLAGS[key]} {given[key]}, which {gone}")
    dataset = info.data_spec(sources).load()
    if dataset.fingerprint() != info.identity.fingerprint:
        relative = [key for key, source in sources.items() if is_path(source) and not Path(source).is_absolute()]
        if relative:
            key = relative[0]
            raise UsageError(f"{given[key]} here is not the data run {run_dir.name!r} was searched on: {RELATIVE}")
        # With a limit, run.json's limit and seed pick the rows too: a hand edit of either reads as changed data.
        edited = " (or run.json's limit or seed, which pick its rows, was edited)" if info.limit is not None else ""
        raise UsageError(f"the data of {given['data']!r} changed since run {run_dir.name!r} was searched{edited}; re-run the search")
    return dataset
