"""The one exception type that means "the user gave us something we cannot use".

Library code raises `UsageError` at the boundary where it validates input (data
loaders, space files, run folders, CLI arguments). The CLI turns it into a single
line on stderr and exit code 2; anything else is a bug and keeps its traceback.
"""


class UsageError(Exception):
    """Bad input from the user: the message names the value and how to fix it."""
