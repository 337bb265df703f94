"""Data: every source (bundled IMDB, tensorflow-datasets, user files) becomes one `Dataset`.

A `Dataset` holds fixed train / val / test splits of raw texts and class indices. The
fingerprint of its contents is what ties a run folder to its data: resuming a run on
different data is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosent.data.bundled import IMDB_LABEL_NAMES, load_imdb
from autosent.data.files import load_path
from autosent.data.labels import encode_labels
from autosent.data.split import stratified_split, subsample
from autosent.data.tfds_source import load_tfds
from autosent.errors import UsageError

__all__ = ["Dataset", "Split", "load_dataset", "stratified_split"]


@dataclass(frozen=True)
class Split:
    """Texts with their class indices, aligned."""

    texts: list[str]
    labels: np.ndarray

    def take(self, indices: np.ndarray) -> Split:
        return Split([self.texts[i] for i in indices], self.labels[indices])

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Dataset:
    """The three splits of one data source, plus what is needed to interpret them."""

    source: str
    label_names: tuple[str, ...]
    train: Split
    val: Split
    test: Split
    dropped_empty: int = 0

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    def fingerprint(self) -> str:
        """SHA-256 over every split's texts and labels, in order, and the class names."""
        h = hashlib.sha256()
        h.update("\x1f".join(self.label_names).encode())
        for name, split in (("train", self.train), ("val", self.val), ("test", self.test)):
            h.update(f"\x1e{name}\x1e".encode())
            for text, label in zip(split.texts, split.labels.tolist()):
                h.update(f"{label}\x1f{text}\x1e".encode("utf-8", errors="replace"))
        return h.hexdigest()


def _drop_empty(texts: list[str], labels: np.ndarray) -> tuple[Split, int]:
    keep = np.array([bool(t.strip()) for t in texts], dtype=bool)
    split = Split(texts, labels).take(np.flatnonzero(keep))
    return split, int((~keep).sum())


def _split_three_ways(texts: list[str], labels: np.ndarray) -> tuple[Split, Split, Split]:
    every = Split(texts, labels)
    train, val, test = (every.take(i) for i in stratified_split(labels))
    return train, val, test


def _from_tfds(name: str) -> tuple[Split, Split, Split, tuple[str, ...]]:
    splits, names = load_tfds(name)
    train = Split(*splits["train"])
    if "validation" in splits:
        val = Split(*splits["validation"])
    else:
        train_idx, val_idx = stratified_split(train.labels, cuts=(0.9,))
        train, val = train.take(train_idx), train.take(val_idx)
    if "test" in splits:
        test = Split(*splits["test"])
    else:
        train_idx, test_idx = stratified_split(train.labels, cuts=(0.9,))
        train, test = train.take(train_idx), train.take(test_idx)
    return train, val, test, names


def load_dataset(
    source: str = "imdb",
    *,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str = "utf-8",
    limit: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Load `source` (`imdb`, `tfds:NAME` or a path) and split it.

    Empty and whitespace-only texts are dropped and counted. `encoding` applies to user
    files, which are refused (not silently mangled) if they do not decode. `limit` subsamples the
    training split only (seeded), so val and test stay comparable across runs.
    """
    dropped = 0
    if source == "imdb":
        texts, labels = load_imdb()
        train, val, test = _split_three_ways(texts, labels)
        names = IMDB_LABEL_NAMES
    elif source.startswith("tfds:"):
        name = source.removeprefix("tfds:")
        if not name.strip():
            raise UsageError("--data tfds: needs a data set name after the colon, e.g. --data tfds:imdb_reviews")
        train, val, test, names = _from_tfds(name)
    else:
        texts, raw = load_path(Path(source), text_column, label_column, encoding)
        if not texts:
            raise UsageError(f"{source}: no data rows found (the file is empty or has only a header)")
        labels, names = encode_labels(raw, source)
        every, dropped = _drop_empty(texts, labels)
        if not len(every):
            raise UsageError(f"{source}: every text is empty or whitespace")
        train, val, test = _split_three_ways(every.texts, every.labels)
    if min(len(train), len(val), len(test)) == 0:
        raise UsageError(f"{source}: too few rows to make train, val and test splits ({len(train)}/{len(val)}/{len(test)})")
    if limit is not None:
        train = train.take(subsample(len(train), limit, seed))
    _check_every_class_in_every_split(source, names, {"train": train, "val": val, "test": test}, limit)
    return Dataset(source, tuple(names), train, val, test, dropped)


def _check_every_class_in_every_split(source: str, names: tuple[str, ...], splits: dict[str, Split], limit: int | None) -> None:
    """Refuse data a model cannot learn or be judged on: a class missing from one split.

    A class absent from train is never predicted, from val it cannot steer early stopping,
    from test it is never measured; a search would still "finish", at a meaningless accuracy.
    """
    counts = {name: np.bincount(split.labels, minlength=len(names)) for name, split in splits.items()}
    for k, label in enumerate(names):
        missing = [name for name, c in counts.items() if c[k] == 0]
        if missing:
            shown = ", ".join(f"{name} {int(c[k])}" for name, c in counts.items())
            fix = f"raise --limit {limit} or " if limit is not None and "train" in missing else ""
            raise UsageError(
                f"{source}: class {label!r} has no text in {' and '.join(missing)} ({shown}); "
                f"{fix}give it more rows (about 10 per class make one in each of train/val/test)"
            )
