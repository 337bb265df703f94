"""The one rule for deleting anything: only what autosent recognises as its own, never through a link.

A folder is autosent's when it is a real folder (not a symbolic link) that holds the file
autosent marks it with (a run's `run.json`, an export's `metadata.json`), or when it is
empty, so that nothing of the user's can be lost. Callers check everything they will delete
first, then delete; the deletion itself removes a symbolic link, never what it points to.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autosent.errors import UsageError


def is_owned(folder: Path, marker: str) -> bool:
    """Whether `folder` is a real folder holding `marker`, or an empty one."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return (folder / marker).is_file() or not any(folder.iterdir())


def check_owned(folder: Path, marker: str, what: str) -> None:
    """Refuse, naming the folder, to replace `folder` unless autosent made it (see `is_owned`)."""
    if folder.is_symlink():
        raise UsageError(f"{folder} is a symbolic link; autosent replaces only folders it made, never through a link")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    if folder.exists() and not is_owned(folder, marker):
        raise UsageError(
            f"{folder} is not {what} (no {marker}) and is not empty; autosent replaces only folders it made: "
            "choose a new or empty folder"
        )


def remove(path: Path) -> None:
    """Delete a file, a symbolic link (not its target) or a folder tree (whose links are unlinked, not followed)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
