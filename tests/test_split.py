"""The canonical IMDB split and the split function behind it."""

import numpy as np

from autosent.data import SplitRule, load_dataset
from autosent.data.bundled import load_bundled
from autosent.data.leakage import group_ids
from autosent.data.split import stratified_split, subsample
from autosent.text.standardize import UNICODE


def test_imdb_row_by_row_split_is_20000_2500_2500_of_disjoint_rows():
    texts, labels = load_bundled("imdb")
    assert len(texts) == 25_000
    train, val, test = stratified_split(labels)
    assert (len(train), len(val), len(test)) == (20_000, 2_500, 2_500)
    assert len(np.intersect1d(train, val)) == len(np.intersect1d(train, test)) == len(np.intersect1d(val, test)) == 0
    assert len(np.union1d(np.union1d(train, val), test)) == 25_000
    for part in (train, val, test):
        assert labels[part].mean() == 0.5  # stratified: both classes in equal shares


def test_split_follows_the_specified_recipe():
    """Re-derive the split by hand, exactly as the issue spells it out, and compare."""
    _, y = load_bundled("imdb")
    rng = np.random.default_rng(1337)
    expected = {"train": [], "val": [], "test": []}
    for c in (0, 1):
        idx = rng.permutation(np.where(y == c)[0])
        n = len(idx)
        expected["train"] += list(idx[: int(0.8 * n)])
        expected["val"] += list(idx[int(0.8 * n) : int(0.9 * n)])
        expected["test"] += list(idx[int(0.9 * n) :])
    train, val, test = stratified_split(y)
    assert list(train) == expected["train"] and list(val) == expected["val"] and list(test) == expected["test"]


def test_dataset_splits_hold_the_texts_of_those_indices():
    texts, labels = load_bundled("imdb")
    _, _, test_idx = stratified_split(labels)
    dataset = load_dataset("imdb", rule=SplitRule())  # row by row, as runs made before the split rule
    assert dataset.test.texts[:3] == [texts[i] for i in test_idx[:3]]
    assert dataset.sizes() == {"train": 20_000, "val": 2_500, "test": 2_500}
    assert dataset.label_names == ("negative", "positive")


def test_the_imdb_split_moves_only_the_reviews_that_leaked():
    """IMDB repeats some reviews: each joins its first copy's split; every other review stays where it was."""
    texts, labels = load_bundled("imdb")
    key = SplitRule(UNICODE).same_text()
    groups = group_ids([key(t) for t in texts])
    single = np.bincount(groups)[groups] == 1
    rows, grouped = stratified_split(labels), stratified_split(labels, groups=groups)
    for before, after in zip(rows, grouped):
        assert list(before[single[before]]) == list(after[single[after]])  # same rows, same order
    part = {g: k for k, p in enumerate(grouped) for g in groups[p].tolist()}
    assert all(part[g] == k for k, p in enumerate(grouped) for g in groups[p].tolist())  # no text in two parts
    in_rows = [set(groups[p].tolist()) for p in rows]
    assert any(sum(g in found for found in in_rows) > 1 for g in set(groups[~single].tolist()))  # the row-by-row split leaked


def test_limit_subsamples_train_only_and_is_seeded():
    a, b, c = (load_dataset("imdb", limit=500, seed=seed, rule=SplitRule()) for seed in (3, 3, 4))  # row by row: quicker
    assert a.sizes() == {"train": 500, "val": 2_500, "test": 2_500}
    assert a.train.texts == b.train.texts and a.train.texts != c.train.texts
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_subsample_keeps_everything_when_limit_exceeds_rows():
    assert list(subsample(5, 10, seed=0)) == [0, 1, 2, 3, 4]
