"""Run `autosent` and SIGKILL it at a chosen moment: `python kill_at.py WHEN ARGS...`.

WHEN is `write:PATTERN[#K]`, to die inside the first (or Kth) atomic write of a file
whose name matches PATTERN (its temp file written and synced, the rename not done), or
`batch:N`, to die after the Nth training batch of the first trial this process runs.
The kill is a real SIGKILL of this process: no handler, no cleanup, as after `kill -9`.
"""

import fnmatch
import os
import signal
import sys

from autosent import atomic
from autosent.cli import main
from autosent.tuner import RecordingHyperband


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_inside_write(pattern: str, k: int) -> None:
    real_replace = atomic.os.replace
    seen = 0

    def replace(src, dst, *args, **kwargs):
        nonlocal seen
        if fnmatch.fnmatch(os.path.basename(dst), pattern):
            seen += 1
            if seen == k:
                die()
        return real_replace(src, dst, *args, **kwargs)

    atomic.os.replace = replace


def kill_after_batch(n: int) -> None:
    real_on_batch_end = RecordingHyperband.on_batch_end

    def on_batch_end(self, trial, model, batch, logs=None):
        real_on_batch_end(self, trial, model, batch, logs)
        if batch + 1 == n:
            die()

    RecordingHyperband.on_batch_end = on_batch_end


if __name__ == "__main__":
    when, *args = sys.argv[1:]
    kind, _, target = when.partition(":")
    if kind == "write":
        pattern, _, k = target.partition("#")
        kill_inside_write(pattern, int(k or 1))
    else:
        kill_after_batch(int(target))
    sys.exit(main(args))
