"""One search per run folder, and one export per destination folder, at a time.

An advisory `flock` on `results/<run>/.lock`: the kernel releases it when the holding
process dies, however it dies, so a killed search never blocks the next one. The file
holds the holder's pid and start time, so a refused user learns who is running.
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


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold the run's lock, or raise `UsageError` naming the process that holds it."""
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise UsageError(f"cannot write in {run_dir}: {e.strerror}; pass --results DIR with a writable folder") from None
    try:
        if not _try_lock(fd):
            holder = os.read(fd, 4096).decode("utf-8", errors="replace").strip() or "another process"
            raise UsageError(
                f"run {run_dir.name!r} is already being searched by {holder}; "
                "wait for it to finish, stop it, or use another --run"
            )
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started} ({' '.join(sys.argv)})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def export_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of the folder an export is swapped into, or raise `UsageError`.

    Two exports into one folder would rename each other's backups away mid-swap. The lock is
    taken on the folder itself, so no lock file is left in a folder the user may own; it is
    apart from the run lock, so a model can be exported while its search goes on.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        if not _try_lock(fd):
            raise UsageError(f"another autosent export is writing into {folder} right now; wait for it to finish")
        yield
    finally:
        os.close(fd)
