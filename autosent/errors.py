"""The one exception type that means "the user gave us something we cannot use".

Library code raises `UsageError` at the boundary where it validates input (data
loaders, space files, run folders, CLI arguments). The CLI turns it into a single
line on stderr and exit code 2; anything else is a bug and keeps its traceback.
"""


class UsageError(Exception):
    """Bad input from the user: the message names the value and how to fix it."""


def first_line(error: BaseException) -> str:
    """Why `error` happened, in one line for a `UsageError`: an OS error's reason, else the first
    line of its message (library messages run for pages), else its type's name."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
