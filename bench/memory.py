"""Memory across trials: does a long search leak?

    python bench/memory.py [--budget 30] [--limit 1000]

Runs a small search (the bundled IMDB data, `--limit` training texts, a small space with
all three encoders) in this process and prints the resident set size after every trial.
keras-tuner clears the Keras session before each trial is built; if anything else kept a
reference per trial (models, graphs, datasets), RSS would climb trial after trial.
Goal: RSS after trial 30 within 10% of RSS after trial 5.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autosent.runs.records import TrialRecord
from autosent.search.pipeline import SearchConfig, run_search
from autosent.views.events import SearchListener

SPACE = Path(__file__).with_name("small_space.toml")


def rss_mib() -> float:
    """Current (not peak) resident set size of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class RssAfterEachTrial(SearchListener):
    def __init__(self) -> None:
        self.samples: list[tuple[int, float]] = []
        self.by_encoder: dict[str, list[float]] = {}

    def on_search_begin(self, budget: int, finished: list[TrialRecord]) -> None:
        print(f"before the first trial: {rss_mib():7.1f} MiB", flush=True)

    def on_trial_end(self, record: TrialRecord) -> None:
        self.samples.append((len(self.samples) + 1, rss_mib()))
        encoder = record.hyperparameters.get("encoder")
        self.by_encoder.setdefault(encoder, []).append(self.samples[-1][1])
        print(f"after trial {len(self.samples):>3} ({encoder:<6} {record.status.lower()}): {self.samples[-1][1]:7.1f} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    listener = RssAfterEachTrial()
    with tempfile.TemporaryDirectory() as results:
        config = SearchConfig(space=str(SPACE), budget=args.budget, limit=args.limit, results=Path(results))
        run_search(config, listener)
    rss = dict(listener.samples)
    early, last = rss[min(5, len(rss))], rss[len(rss)]
    print(
        f"RSS after trial {min(5, len(rss))}: {early:.1f} MiB; after trial {len(rss)}: {last:.1f} MiB; "
        f"growth {last - early:+.1f} MiB ({(last / early - 1) * 100:+.1f}%, goal within 10%)"
    )
    # Encoders differ in working set; comparing like with like separates a leak from a mix.
    for encoder, values in sorted(listener.by_encoder.items()):
        print(f"  {encoder:<6} {len(values):>2} trials: after its first {values[0]:.1f} MiB, after its last {values[-1]:.1f} MiB")


if __name__ == "__main__":
    main()
