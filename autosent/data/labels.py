"""Turning raw label values (ints or strings, any number of classes) into class indices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autosent.errors import UsageError


def _as_number(value: str) -> float | None:
    """The label as a finite number, or None if it is not one ("pos", "nan", "")."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _canonical_numbers(values: list[str]) -> list[str] | None:
    """Numeric labels by value, so `1`, `1.0` and `01` are one class named `1`; None unless all are numbers."""
    numbers = [_as_number(v) for v in values]
    if any(n is None for n in numbers):
        return None
    return [str(int(n)) if n.is_integer() else repr(n) for n in numbers]


def encode_labels(raw: Sequence[object], source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map raw labels to indices 0..K-1 and return them with the class names.

    Labels that are all numbers are compared as numbers (`1` and `1.0` are one class) and
    sort numerically ("2" < "10"); other labels are compared and sorted as strings. The
    order depends on the values alone, never on hashing, so the same file gives the same
    classes (and data fingerprint) in every process. Fewer than two classes is refused.
    """
    values = [str(v).strip() for v in raw]
    numeric = _canonical_numbers(values)
    if numeric is not None:
        values = numeric
        names = sorted(set(values), key=float)
    else:
        names = sorted(set(values))
    if len(names) < 2:
        found = names[0] if names else "none"
        raise UsageError(
            f"{source}: found only one class ({found!r}); a classifier needs at least two labels"
        )
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int32), tuple(names)


def encode_as(raw: Sequence[object], names: tuple[str, ...], source: str) -> np.ndarray:
    """Map raw labels onto given class `names` (a bundled or tfds set's): by name, or by index.

    A file given as the val or test split of such a set may say `positive` or `1`; a value
    that is neither a class name nor a class index is refused, naming it. Classes that are
    numbers themselves are matched by value only.
    """
    index = {name: i for i, name in enumerate(names)}
    if _canonical_numbers(list(names)) is None:  # named classes: a number is a class index
        index |= {str(i): i for i in range(len(names))}
    # Numbers by value: `1.0` is `1` (for numbered classes, such as star ratings, class `1`).
    values = [(_canonical_numbers([v]) or [v])[0] for v in (str(x).strip() for x in raw)]
    unknown = sorted({v for v in values if v not in index})
    if unknown:
        indices = f", or their indices 0-{len(names) - 1}" if len(index) > len(names) else ""
        raise UsageError(
            f"{source}: label {unknown[0]!r} is not a class of the training data "
            f"(classes: {', '.join(names)}{indices})"
        )
    return np.array([index[v] for v in values], dtype=np.int32)
