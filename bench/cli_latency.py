"""How fast `autosent export` refuses bad input, and what it prints, on this machine.

    python bench/cli_latency.py [--repeat 5]

Runs each refusal below as a user would (`python -m autosent ...`, in an empty temporary
folder, so there is no run) and prints its median wall time, its exit code and the number of
lines it wrote to stderr, next to two baselines measured the same way: the bare interpreter
(`python -c pass`) and `import tensorflow`, which a refusal must not wait for. Goal:
`autosent export 99 --run nope` prints one line, nothing else, in under 2 s on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

GOAL_SECONDS = 2.0

BASELINES = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import tensorflow'": ["-c", "import tensorflow"],
}
REFUSALS = {
    f"autosent {args}": ["-m", "autosent", *args.split()]
    for args in ("export 99 --run nope", "export 1 --ensemble 2", "export --ensemble 99", "export --out . best")
}


def _run(argv: list[str], folder: str, repeat: int) -> tuple[float, int, int]:
    """Median seconds of `repeat` runs of `python ARGV` in `folder`, and the last run's exit code and stderr line count."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, *argv], cwd=folder, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result.returncode, len(result.stderr.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command; the median is shown (default: 5)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; median of {args.repeat} runs each")
    print(f"{'command':<44} {'seconds':>8} {'exit':>5} {'stderr lines':>13}")
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in {**BASELINES, **REFUSALS}.items():
            seconds, code, lines = _run(argv, folder, args.repeat)
            verdict = ""
            if name in REFUSALS:
                verdict = "ok" if seconds < GOAL_SECONDS and code == 2 and lines == 1 else f"MISSES the goal (< {GOAL_SECONDS:g} s, exit 2, one line)"
            print(f"{name:<44} {seconds:>8.2f} {code:>5} {lines:>13}  {verdict}")


if __name__ == "__main__":
    main()
