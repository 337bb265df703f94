"""Crash-safe file writes: a reader sees the old file or the new one, never half of one.

Everything autosent writes under `results/` goes through here, so a search killed at
any moment (SIGKILL, power loss) leaves every file either intact or absent.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
TEMP_SUFFIX = ".tmp"


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` as UTF-8 to `path` via a temp file in the same folder, fsync, then rename."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same folder, fsync, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as e:
        raise _naming(e, path) from None
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are meant to be shared
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _naming(e, path) from None
        raise
    _fsync_dir(path.parent)


def _naming(error: OSError, path: Path) -> OSError:
    """`error` naming the file the user knows, `path`, instead of the temp file it happened on (or none)."""
    return type(error)(error.errno, error.strerror, str(path)) if error.errno is not None else error


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temp files of writes a crash cut short; call only while holding the folder's lock.

    They hold nothing of value (their target is intact, old or new) and only litter the run.
    """
    stale = sorted(folder.rglob(f".*{TEMP_SUFFIX}"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomically write `obj` as indented, human-readable JSON."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself; without this a crash can undo it on some filesystems."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
