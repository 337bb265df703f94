"""Ctrl-C that cannot be lost.

Python raises `KeyboardInterrupt` wherever the main thread happens to be when SIGINT comes.
When that is a finalizer or a garbage-collector callback (Keras' `clear_session` collects
garbage before every trial, and TensorFlow objects have many finalizers), Python only prints
"Exception ignored in ..." with a traceback, and carries on: the search went on as if no
Ctrl-C had come. The handler here also remembers the signal, the search's safe points
(`raise_if_interrupted`, between batches and trials) raise it again, and the dropped one's
traceback is not printed.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

_requested = False


def _remember_and_raise(signum: int, frame: FrameType | None) -> None:
    global _requested
    _requested = True
    raise KeyboardInterrupt


@contextlib.contextmanager
def remembered() -> Iterator[None]:
    """Remember every Ctrl-C that comes inside this block; the previous handler is back after it.

    Only the main thread may install signal handlers, and a SIGINT its parent told it to
    ignore (a job started in the background) stays ignored.
    """
    global _requested
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    previous_handler = signal.signal(signal.SIGINT, _remember_and_raise)
    previous_hook = sys.unraisablehook

    def quiet_about_ctrl_c(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous_hook(unraisable)

    sys.unraisablehook = quiet_about_ctrl_c
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        sys.unraisablehook = previous_hook
        _requested = False


def raise_if_interrupted() -> None:
    """Raise the Ctrl-C that came earlier, in case Python swallowed it where it first landed."""
    if _requested:
        raise KeyboardInterrupt
