"""Leakage between splits: a text that is in train and also in val or test makes their scores lie.

Two rows are the same text when the run's standardisation gives them the same words: that is
what every model sees of them. `SplitRule` says how a run's rows were compared and split, and
is recorded with the run, so that export and evaluate make exactly the same split again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from autosent.errors import UsageError
from autosent.text.standardize import STANDARDIZERS, words


@dataclass(frozen=True)
class SplitRule:
    """How a run's rows became train / val / test.

    `grouped_by` names the standardisation in which rows with the same words are one text:
    such rows are kept on one side of every cut, and a given val or test source that shares
    texts with the training data is refused unless `allow_overlap`. None is the rule of runs
    made before it: rows were cut one by one and nothing was compared.
    """

    grouped_by: str | None = None
    allow_overlap: bool = False

    def to_json(self) -> dict[str, Any] | None:
        return asdict(self) if self.grouped_by is not None else None

    @classmethod
    def from_json(cls, data: Any) -> SplitRule:
        """The rule `to_json` wrote; a run or export made before it has none and was split row by row.

        Anything else is a damaged record: `ValueError`, for its reader to name the file.
        """
        if data is None:
            return cls()
        if (
            not isinstance(data, dict) or set(data) != {"grouped_by", "allow_overlap"}
            or data["grouped_by"] not in STANDARDIZERS or not isinstance(data["allow_overlap"], bool)
        ):  # fmt: skip
            raise ValueError(f"its split rule {data!r} is not one autosent writes")
        return cls(**data)

    def same_text(self) -> Callable[[str], str] | None:
        """The key by which two texts are one, or None when rows are not compared."""
        if self.grouped_by is None:
            return None
        standardize = self.grouped_by
        return lambda text: text_key(words(text, standardize))


#: The pairs of splits a text must not be in both of: the first is the earlier (training comes first).
SPLIT_PAIRS = (("train", "val"), ("train", "test"), ("val", "test"))


def text_key(words_of_text: list[str]) -> str:
    """What identifies a text: its words, joined. Texts with one key are one text to every model."""
    return " ".join(words_of_text)


def group_ids(keys: list[str]) -> np.ndarray:
    """A group id per row: rows with one key share it, numbered by first appearance.

    A text without words (key "") is a group of its own: texts with nothing in common but
    their emptiness are no leak.
    """
    ids: dict[str, int] = {}
    groups = np.empty(len(keys), dtype=np.int64)
    count = 0
    for row, key in enumerate(keys):
        if key not in ids or not key:
            ids[key], count = count, count + 1
        groups[row] = ids[key]
    return groups


def check_no_overlap(keys: dict[str, list[str]], texts: dict[str, list[str]], origin: dict[str, str]) -> None:
    """Refuse a given val or test source that shares texts with the training data, or with each other.

    `keys` holds, per split (`train`, and the given `val`/`test`), each row's key; `origin`
    names the flag and source each came from.
    """
    for first, second in SPLIT_PAIRS:
        if first not in keys or second not in keys:
            continue
        seen = {key for key in keys[first] if key}
        shared = [row for row, key in enumerate(keys[second]) if key in seen]
        if shared:
            example = " ".join(texts[second][shared[0]].split())
            example = example if len(example) <= 60 else example[:59] + "…"
            raise UsageError(
                f"{origin[second]}: {len(shared):,} of its {len(keys[second]):,} texts are also in {origin[first]} "
                f"(e.g. {example!r}), so its scores would be measured on texts the model {'saw' if first == 'train' else 'was chosen on'}; "
                "drop them from one file, or pass --allow-overlap if you mean it"
            )
