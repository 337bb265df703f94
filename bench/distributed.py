"""Wall time of one search run by one process, then by a chief and N workers on this machine.

    python bench/distributed.py [--budget 12] [--limit 2000] [--workers 2]

Both runs are real `autosent search` processes on the bundled IMDB data (`--limit` training
texts) and the benches' small space, in fresh results folders. Prints each wall time, which
worker ran how many trials, and the ratio. On one machine the workers share its cores, so
the ratio says how much of a single search leaves the cores idle, not how a cluster scales.
"""

from __future__ import annotations

import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autosent.runs.records import read_records

SPACE = Path(__file__).with_name("small_space.toml")


def _search(results: Path, budget: int, limit: int, *extra: str) -> subprocess.Popen:
    args = ["search", "--space", str(SPACE), "--budget", str(budget), "--limit", str(limit), "--results", str(results), "--run", "b"]
    return subprocess.Popen([sys.executable, "-m", "autosent", *args, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"a search process failed ({p.returncode}): {err.strip()[-2000:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=12)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        local, distributed = Path(folder) / "local", Path(folder) / "distributed"
        started = time.monotonic()
        _finish([_search(local, args.budget, args.limit)])
        local_s = time.monotonic() - started

        chief = ["--chief", f"127.0.0.1:{_free_port()}"]
        started = time.monotonic()
        processes = [_search(distributed, args.budget, args.limit, *chief, "--role", "chief")]
        processes += [
            _search(distributed, args.budget, args.limit, *chief, "--role", "worker", "--worker-id", f"w{i + 1}")
            for i in range(args.workers)
        ]
        _finish(processes)
        distributed_s = time.monotonic() - started

        by_worker = collections.Counter(r.worker for r in read_records(distributed / "b"))
        train_s = {name: sum(r.seconds for r in read_records(d / "b")) for name, d in (("local", local), ("distributed", distributed))}

    print(f"machine: {os.cpu_count()} CPU cores; budget {args.budget}, --limit {args.limit}")
    print(f"1 process:                  wall {local_s:6.1f} s   (sum of trial times {train_s['local']:6.1f} s)")
    print(f"chief + {args.workers} workers:          wall {distributed_s:6.1f} s   (sum of trial times {train_s['distributed']:6.1f} s)")
    print(f"trials per worker: {dict(sorted(by_worker.items()))}")
    print(f"speed-up (1 process / distributed): {local_s / distributed_s:.2f}x")


if __name__ == "__main__":
    main()
