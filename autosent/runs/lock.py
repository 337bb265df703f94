"""One search per run folder, and one export per destination folder, at a time.

An advisory `flock` on `results/<run>/.lock`: the kernel releases it when the holding
process dies, however it dies, so a killed search never blocks the next one. The file
holds the holder's pid and start time, so a refused user learns who is running. An export
locks its destination folder itself the same way (`export_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from autosent.errors import UsageError

LOCK_FILE = ".lock"


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on `fd` if no other process holds it; never wait."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fd: int) -> str:
    """Who holds a run's lock, as its holder wrote it into the lock file."""
    return os.read(fd, 4096).decode("utf-8", errors="replace").strip() or "another process"


def searched_by(run_dir: Path) -> str | None:
    """The process searching `run_dir` now (pid, host, start, command), None if none is; takes nothing and writes nothing."""
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        # A shared lock, which a read-only descriptor may take on NFS too, is refused only while a
        # search holds the exclusive one; won here, it is let go at the close.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    finally:
        os.close(fd)
    return None


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold the run's lock, or raise `UsageError` naming the process that holds it."""
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise UsageError(f"cannot write in {run_dir}: {e.strerror}; pass --results DIR with a writable folder") from None
    try:
        if not _try_lock(fd):
            raise UsageError(
                f"run {run_dir.name!r} is already being searched by {_holder(fd)}; "
                "wait for it to finish, stop it, or use another --run"
            )
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started} ({' '.join(sys.argv)})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def export_busy(out: Path) -> UsageError:
    """The refusal of an export into `out` while another one writes there."""
    return UsageError(f"another autosent export is writing into {out} right now; wait for it to finish")


def _locked_fd(folder: Path) -> int | None:
    """A descriptor of `folder` holding its lock, or None if another process holds it."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    if _try_lock(fd):
        return fd
    os.close(fd)
    return None


def _identity(path: Path | int) -> tuple[int, int] | None:
    """The (device, inode) of what is at `path` now (or of an open descriptor), None if nothing is."""
    try:
        found = os.stat(path, follow_symlinks=False) if isinstance(path, Path) else os.fstat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[bool]:
    """Try the lock of `folder` itself (no lock file in it); yields whether it was free, and holds it if so."""
    fd = _locked_fd(folder)
    try:
        yield fd is not None
    finally:
        if fd is not None:
            os.close(fd)


@contextlib.contextmanager
def export_lock(out: Path) -> Iterator[None]:
    """Hold the lock of the export folder `out` (made, empty, if it is new), or raise `UsageError`.

    Two exports into one folder would rename each other's backups away mid-swap. The lock is
    the folder's own, so exports into sibling folders run side by side, and no lock file is
    left in a folder the user may own; it is apart from the run lock, so a model can be
    exported while its search goes on. An export locks the folder it swaps in at `out` before
    the swap (`export_folder.write`), so a lock won on a folder swapped out meanwhile is let
    go and the folder now at `out` locked instead. A folder made here that is still empty at
    the end (the export failed) is removed again.
    """
    try:
        out.mkdir()
        made = _identity(out)
    except FileExistsError:
        made = None
    except OSError as e:
        raise UsageError(f"cannot create {out}: {e.strerror}; pass --out DIR in a writable folder") from None
    try:
        while True:
            try:
                fd = _locked_fd(out)
            except FileNotFoundError:  # an export is between the two renames of its swap
                fd = None
            if fd is None:
                raise export_busy(out)
            if _identity(out) == _identity(fd):
                break
            os.close(fd)  # swapped out since it was opened: lock the folder at `out` now
        try:
            yield
        finally:
            os.close(fd)
    finally:
        if made is not None and _identity(out) == made:
            with contextlib.suppress(OSError):  # not empty: then it holds more than what was made here
                os.rmdir(out)
