"""Turning raw label values (strings, numbers, JSON booleans; any number of classes) into class indices.

A class is named by one of the user's own labels, as written: labels that are all numbers are
one class per exact value (`1`, `1.0` and `01` are one class, named `1`; 9007199254740993 and
9007199254740992 are two, which a float cannot tell apart), anything else one class per
spelling. A JSON `true` is written `true`; it is one class with the string "true", and
refused beside any other string, since which of them the user meant is a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import numpy as np

from autosent.errors import UsageError


def _spelling(value: object) -> str:
    """The label as the user wrote it: JSON's `true`/`false` for booleans, else its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _as_number(spelling: str) -> Decimal | None:
    """The label's exact value if it is a finite number, else None ("pos", "nan", "")."""
    try:
        number = Decimal(spelling)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_one_kind(raw: Sequence[object], source: str) -> None:
    """Refuse JSON booleans beside labels that do not print as one: mixing the two is a data error, not a class."""
    booleans = {_spelling(v) for v in raw if isinstance(v, bool)}
    if not booleans:
        return
    other = next((v for v in raw if not isinstance(v, bool) and _spelling(v) not in ("true", "false")), None)
    if other is not None:
        raise UsageError(
            f"{source}: mixed label types: the JSON boolean {min(booleans)} and the {type(other).__name__} "
            f"{_spelling(other)!r}; give every label in one form (e.g. all strings)"
        )


def _classes(spellings: list[str]) -> tuple[list[str], list[str]]:
    """Each label's class name, and the class names in order.

    Numbers (when every label is one) sort and group by exact value; a class is named by the
    shortest of its spellings (the first in string order among equals), so the name does not
    depend on which row came first. Other labels group and sort as strings.
    """
    numbers = [_as_number(s) for s in spellings]
    if any(n is None for n in numbers) or not numbers:
        return spellings, sorted(set(spellings))
    name_of: dict[Decimal, str] = {}
    for spelling, number in zip(spellings, numbers):
        known = name_of.get(number)
        if known is None or (len(spelling), spelling) < (len(known), known):
            name_of[number] = spelling
    return [name_of[n] for n in numbers], [name_of[n] for n in sorted(name_of)]


def encode_labels(raw: Sequence[object], source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map raw labels to indices 0..K-1 and return them with the class names.

    The order depends on the values alone, never on hashing or row order, so the same file
    gives the same classes (and data fingerprint) in every process. Fewer than two classes is
    refused.
    """
    _check_one_kind(raw, source)
    values, names = _classes([_spelling(v) for v in raw])
    if len(names) < 2:
        found = names[0] if names else "none"
        raise UsageError(f"{source}: found only one class ({found!r}); a classifier needs at least two labels")
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int32), tuple(names)


def encode_as(raw: Sequence[object], names: tuple[str, ...], source: str) -> np.ndarray:
    """Map raw labels onto given class `names` (a trained model's, a bundled or tfds set's): by name, or by index.

    A file given as the val or test split of such a set may say `positive` or `1`; a value
    that is neither a class name nor a class index is refused, naming it. Classes that are
    numbers themselves are matched by exact value only (`1.0` is class `1`).
    """
    _check_one_kind(raw, source)
    by_name = {name: i for i, name in enumerate(names)}
    numbered = all(_as_number(name) is not None for name in names)
    # Numbered classes (star ratings) by their value; named ones also by their index, as a number.
    by_number = {_as_number(name): i for i, name in enumerate(names)} if numbered else {Decimal(i): i for i in range(len(names))}
    spellings = [_spelling(x) for x in raw]
    found = [by_number.get(_as_number(s)) if numbered or s not in by_name else by_name[s] for s in spellings]
    unknown = sorted({s for s, i in zip(spellings, found) if i is None})
    if unknown:
        indices = "" if numbered else f", or their indices 0-{len(names) - 1}"
        raise UsageError(
            f"{source}: label {unknown[0]!r} is not a class of the training data "
            f"(classes: {', '.join(names)}{indices})"
        )
    return np.array(found, dtype=np.int32)
