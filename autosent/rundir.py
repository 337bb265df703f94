"""The run folder `results/<run>/`: its layout, its `run.json`, and finding runs later.

`run.json` records what a run was made from (data source and fingerprint, split sizes,
space, seed, versions). Its `identity` part decides whether re-running a command may
resume the folder: the same data, space and Hyperband settings resume; anything else is
refused unless the user asks to overwrite.
"""

from __future__ import annotations

import contextlib
import json
import platform
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from autosent import atomic
from autosent.errors import UsageError
from autosent.lock import LOCK_FILE, run_lock

RUN_FILE = "run.json"
TUNER_DIR = "tuner"
TENSORBOARD_DIR = "tb"


def versions() -> dict[str, str]:
    """Versions of what shaped the results, for reproducing them."""
    found = {"python": platform.python_version()}
    for package in ("autosent", "tensorflow", "keras", "keras-tuner", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def default_run_name(data: str, space: str) -> str:
    """`imdb-default`, `reviews-seed`, ...: the same command always names the same run."""
    data_name = Path(data.removeprefix("tfds:")).stem or "data"
    return f"{data_name}-{Path(space).stem}"


def read_run(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))


def _first_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    for key in new:
        if old.get(key) != new[key]:
            return key
    return next(iter(old))


@contextlib.contextmanager
def open_run(
    results: Path, name: str, identity: dict[str, Any], details: dict[str, Any], overwrite: bool
) -> Iterator[Path]:
    """Create or resume `results/<name>` and hold its lock while the caller works in it.

    A run made from a different identity is refused before anything is written, unless
    `overwrite`, which clears it (under the lock) and starts afresh.
    """
    if results.exists() and not results.is_dir():
        raise UsageError(f"--results {results} is a file, not a folder")
    run_dir = results / name
    old = read_run(run_dir) if (run_dir / RUN_FILE).exists() else None
    differs = old is not None and old.get("identity") != identity
    if differs and not overwrite:
        key = _first_difference(old.get("identity", {}), identity)
        raise UsageError(
            f"run {name!r} in {results} was made with a different {key} "
            f"({old.get('identity', {}).get(key)!r}); use another --run NAME or pass --overwrite"
        )
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {run_dir}: {e.strerror}; pass --results DIR with a writable folder") from None
    with run_lock(run_dir):
        atomic.remove_stale_temp_files(run_dir)
        if differs:
            for entry in run_dir.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.name != LOCK_FILE:
                    entry.unlink()
        if old is None or differs:
            atomic.write_json(
                run_dir / RUN_FILE,
                {
                    "run": name,
                    "identity": identity,
                    **details,
                    "versions": versions(),
                    "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                },
            )
        yield run_dir


def join_run(results: Path, name: str, identity: dict[str, Any]) -> Path:
    """The run folder a distributed search's chief created, if this worker's data and space match it."""
    run_dir = results / name
    if not (run_dir / RUN_FILE).exists():
        raise UsageError(
            f"no run {name!r} in {results}: the chief creates it; give the chief and every worker "
            "the same --results (a shared folder across machines), --run, --data and --space"
        )
    chief = read_run(run_dir).get("identity", {})
    if chief != identity:
        key = _first_difference(chief, identity)
        raise UsageError(
            f"this worker's {key} differs from the chief's run {name!r} ({chief.get(key)!r}); "
            "start the worker with the chief's --data, --space, --max-epochs, --seed and --limit"
        )
    return run_dir


def find_run(results: Path, name: str | None) -> Path:
    """The named run, or the most recently active one when no name is given."""
    if name is not None:
        run_dir = results / name
        if not (run_dir / RUN_FILE).exists():
            raise UsageError(f"no run {name!r} in {results} (runs: {', '.join(list_runs(results)) or 'none'})")
        return run_dir
    runs = [results / r for r in list_runs(results)]
    if not runs:
        raise UsageError(f"no runs in {results}; start one with: autosent search")
    return max(runs, key=lambda r: max(p.stat().st_mtime for p in [r, *r.glob("trials/*.json")]))


def list_runs(results: Path) -> list[str]:
    if not results.is_dir():
        return []
    return sorted(p.parent.name for p in results.glob(f"*/{RUN_FILE}"))
