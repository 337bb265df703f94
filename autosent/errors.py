"""The errors a user gets in one line: bad input (`UsageError`) and a failing disk (`io_error_line`).

Library code raises `UsageError` at the boundary where it validates input (data
loaders, space files, run folders, CLI arguments). The CLI turns it into a single
line on stderr and exit code 2; an `OSError` that reaches the CLI is a failure of the disk
under it (`io_error_line`: one line and exit code 1); anything else is a bug and keeps its
traceback.
"""

import errno
import os

#: Errors of the disk under results/, not of autosent nor of a trial's configuration, and what
#: to do about each before running the command again.
DISK_ERRORS = {
    errno.ENOSPC: "free space",
    errno.EDQUOT: "free space or raise the disk quota",
    errno.EFBIG: "raise the file-size limit (ulimit -f)",
    errno.EROFS: "fix permissions",
    errno.EACCES: "fix permissions",
    errno.EPERM: "fix permissions",
    errno.EIO: "check the disk",
}
_WRITE_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}  # no read fails with these
_ADVICE = {**DISK_ERRORS, errno.ENAMETOOLONG: "choose a shorter name"}


class UsageError(Exception):
    """Bad input from the user: the message names the value and how to fix it."""


def whole_number_problem(value: object, least: int, most: int | None = None) -> str | None:
    """Why `value` is no whole number from `least` to `most` (`must be at least 1`), None if it is one:
    the one wording of a count's range, for a flag and for the run.json field it is recorded in."""
    if isinstance(value, bool) or not isinstance(value, int):  # JSON's true is no count
        return "must be a whole number"
    if value < least or (most is not None and value > most):
        return f"must be at least {least:,}" + (f" and at most {most:,}" if most is not None else "")
    return None


def first_line(error: BaseException) -> str:
    """Why `error` happened, in one line for a `UsageError`: an OS error's reason, else the first
    line of its message (library messages run for pages), else its type's name."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def io_error_line(error: OSError) -> str:
    """An I/O failure in one line: the file, the reason, and what to do before running the command again.

    The reason comes from the error number where there is one: the libraries that write
    checkpoints (h5py) put pages of their own details in the message.
    """
    reason = os.strerror(error.errno) if error.errno else first_line(error)
    name = error.filename if error.filename is not None else "a file"
    where = f"cannot write {name}" if error.errno in _WRITE_ONLY else str(name)
    advice = _ADVICE.get(error.errno)
    return f"{where}: {reason}; " + (f"{advice}, then re-run the same command" if advice else "re-run the same command once that is fixed")
