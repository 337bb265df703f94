"""Turning raw label values (ints or strings, any number of classes) into class indices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autosent.errors import UsageError


def encode_labels(raw: Sequence[object], source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map raw labels to indices 0..K-1 and return them with the class names.

    Integer-like labels sort numerically ("2" < "10"); other labels sort as strings, so
    the same file always gives the same class order. Fewer than two classes is refused:
    there is nothing to classify.
    """
    values = [str(v).strip() for v in raw]
    try:
        names = sorted(set(values), key=int)
    except ValueError:
        names = sorted(set(values))
    if len(names) < 2:
        found = names[0] if names else "none"
        raise UsageError(
            f"{source}: found only one class ({found!r}); a classifier needs at least two labels"
        )
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int32), tuple(names)
