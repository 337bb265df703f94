"""Deterministic, stratified splitting: the same rows are test rows in every run, whatever its seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Seed of the canonical split. Fixed, never `--seed`: changing the model seed must
#: not change which reviews are test reviews.
SPLIT_SEED = 1337


def stratified_split(
    labels: np.ndarray, cuts: Sequence[float] = (0.8, 0.9), seed: int = SPLIT_SEED, groups: np.ndarray | None = None
) -> list[np.ndarray]:
    """Split row indices into `len(cuts) + 1` parts, class by class.

    For each class in ascending order, its row indices (in file order) are permuted by
    one shared `numpy.random.default_rng(seed)` and cut at `int(cut * n)`. With the
    default cuts this is the row-by-row split the project specified for IMDB: 80 % train,
    10 % val, 10 % test (runs before the split rule of `data.leakage` used it as it is).

    `groups` (an id per row) keeps the rows of a group together: after the row-by-row cut,
    every row of a group joins the part that holds the group's first row (in file order).
    Rows of no repeated group stay exactly where the row-by-row split puts them, so the
    canonical split moves only where it leaked.
    """
    parts = _stratified_rows(labels, cuts, seed)
    if groups is None:
        return parts
    part_of_row = np.empty(len(labels), dtype=np.int64)
    for k, part in enumerate(parts):
        part_of_row[part] = k
    first_rows = np.unique(groups, return_index=True)[1]
    part_of_group = dict(zip(groups[first_rows].tolist(), part_of_row[first_rows].tolist()))
    moved = np.array([part_of_group[g] for g in groups.tolist()], dtype=np.int64)
    # each part keeps its order; a row that moves in goes after them, in file order
    return [np.concatenate([part[moved[part] == k], np.flatnonzero((moved == k) & (part_of_row != k))]) for k, part in enumerate(parts)]


def _stratified_rows(labels: np.ndarray, cuts: Sequence[float], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(len(cuts) + 1)]
    for c in np.unique(labels):
        idx = rng.permutation(np.where(labels == c)[0])
        n = len(idx)
        bounds = [0, *(int(cut * n) for cut in cuts), n]
        for part, lo, hi in zip(parts, bounds, bounds[1:]):
            part.append(idx[lo:hi])
    return [np.concatenate(p) if p else np.array([], dtype=np.int64) for p in parts]


def subsample(n: int, limit: int, seed: int) -> np.ndarray:
    """Indices of a seeded random subset of `limit` rows out of `n` (all rows if fewer)."""
    if limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))
