"""The one rule for deleting anything: only what autosent can prove is its own, never through a link.

A folder is autosent's when it is a real folder (not a symbolic link) and either empty or
proven autosent's by the module that owns its layout: a run folder by its `run.json` and
entries (`rundir`), an export folder by the marker in its `metadata.json` and entries
(`export_folder`). A file's name alone proves nothing: a user's own `metadata.json` is common.
Callers check everything they will delete first, then delete; the deletion itself removes a
symbolic link, never what it points to.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from autosent.errors import UsageError

#: Why a non-empty, real folder is not autosent's (a whole refusal, naming it), or None when it is.
Refusal = Callable[[Path], str | None]


def is_owned(folder: Path, refusal: Refusal) -> bool:
    """Whether `folder` is a real folder that is empty or that `refusal` finds nothing against."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return not any(folder.iterdir()) or refusal(folder) is None


def check_owned(folder: Path, refusal: Refusal) -> None:
    """Refuse, naming the folder, to replace `folder` unless it is new, empty, or autosent's (see `is_owned`)."""
    if folder.is_symlink():
        raise UsageError(f"{folder} is a symbolic link; autosent replaces only folders it made, never through a link")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        reason = refusal(folder)
        if reason is not None:
            raise UsageError(reason)


def remove(path: Path) -> None:
    """Delete a file, a symbolic link (not its target) or a folder tree (whose links are unlinked, not followed)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
