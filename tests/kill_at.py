"""Run `autosent` and SIGKILL it at chosen moments: `python kill_at.py ARGS...`.

Each line read on stdin names one moment; for each, a forked child runs `autosent ARGS` and is
killed there, and the child's exit status (`-9` when the kill happened) is written back as a line.
Forking after TensorFlow is imported spares each kill an interpreter start-up and a TensorFlow
import, which cost more than the search it kills; the kill itself is a real SIGKILL of a real
process: no handler, no cleanup, as after `kill -9`. The child's output goes to stderr, so stdout
carries only the statuses.

A moment is `write:PATTERN[#K]`, to die inside the first (or Kth) atomic write of a file whose name
matches PATTERN (its temp file written and synced, the rename not done), or `batch:N`, to die
after the Nth training batch of the first trial the child runs.
"""

import fnmatch
import os
import signal
import sys

import tensorflow  # noqa: F401  (imported once here, before the forks, so that no child pays for it)

from autosent.cli import main
from autosent.runs import atomic
from autosent.search.tuner import RecordingHyperband


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


def run_killed_at(when: str, args: list[str]) -> int:
    """In a forked child: arm the kill at `when`, run the search; returns the child's exit status."""
    pid = os.fork()
    if pid:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    os.dup2(2, 1)
    kind, _, target = when.partition(":")
    if kind == "write":
        pattern, _, k = target.partition("#")
        kill_inside_write(pattern, int(k or 1))
    else:
        kill_after_batch(int(target))
    os._exit(main(args))  # no interpreter shutdown in a forked child: it would run the parent's handlers too


if __name__ == "__main__":
    for line in sys.stdin:
        print(run_killed_at(line.strip(), sys.argv[1:]), flush=True)
