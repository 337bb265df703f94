"""The data profile: what a search is about to learn from, shown before it starts.

A search can fail silently when its texts are not what its encoders expect: a Chinese
review, written without spaces, was one "word" seen once to every word encoder before
`standardize.UNICODE`, and every trial sat at the majority class. The profile says, before
any training, which scripts the texts are in, how long they are in the words the encoders
will read and in characters, how many are too short to have word pairs, how many are exact
duplicates (within a split, and across splits, where they inflate val and test scores), and
how balanced the classes are; and it warns when word encoders would see next to nothing.

It is computed once per search from the loaded data (no TensorFlow), shown by the views and
`--dry-run`, and recorded in `run.json` and in an export's model card.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import regex

from autosent.data.leakage import SPLIT_PAIRS, text_key
from autosent.models.encoders.registry import families
from autosent.search.space import SearchSpace
from autosent.text.inputs import CHARS
from autosent.text.standardize import NO_SPACE_SCRIPTS, UNICODE, words

#: The scripts the profile names; letters of any other script count as "other".
SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Hangul", *NO_SPACE_SCRIPTS)
if TYPE_CHECKING:  # run.json's reader (rundir) needs the record, not the data sources
    from autosent.data import Dataset

_SCRIPT_PATTERNS = [(name, regex.compile(rf"\p{{Script={name}}}")) for name in SCRIPTS]
_LETTER = regex.compile(r"\p{L}")
#: A script that holds more than this share of the letters is the texts' main script.
MAIN_SHARE = 0.5
#: Scripts with a smaller share of the letters are not named.
SHOWN_SHARE = 0.01
#: A text of fewer words than this has no word pair; when half the texts have fewer, word encoders see next to nothing.
FEW_WORDS = 2
#: A training text this many times the median's characters is an outlier: the n-gram encoders
#: count every n-gram of it, so in their sums one such text weighs like a crowd of ordinary ones.
LONG_TEXT_FACTOR = 100


@dataclass(frozen=True)
class Spread:
    """The median and 90th percentile of a count per text."""

    median: float
    p90: float

    @classmethod
    def of(cls, counts: list[int]) -> Spread:
        return cls(float(np.median(counts)), float(np.percentile(counts, 90))) if counts else cls(0.0, 0.0)


@dataclass(frozen=True)
class DataProfile:
    """What the profile found; `warnings` are the lines a user must not miss."""

    scripts: dict[str, float]  # share of the training texts' letters per script, largest first
    words: Spread  # per training text, in the words the word encoders read
    characters: Spread  # per training text
    short_texts: int  # training texts of fewer than two words
    duplicates_within: dict[str, int]  # per split: texts that repeat an earlier text of the same split
    duplicates_across: dict[str, int]  # "train/val" etc.: texts of the second split found in the first
    class_counts: dict[str, int]  # per class name, in the training split
    warnings: list[str] = field(default_factory=list)
    long_texts: int = 0  # training texts over LONG_TEXT_FACTOR x the median's characters (0 in runs made before it)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataProfile:
        """The profile `to_json` wrote; TypeError or KeyError if it is not one."""
        return cls(**{**data, "words": Spread(**data["words"]), "characters": Spread(**data["characters"])})

    def facts(self) -> list[str]:
        """What was found, a line each (the warnings apart), for the views, `--dry-run` and the model card."""
        shown = {name: share for name, share in self.scripts.items() if share >= SHOWN_SHARE}
        scripts = ", ".join(f"{name} {share:.0%}" for name, share in shown.items()) or "no letters"
        within = ", ".join(f"{split} {n:,}" for split, n in self.duplicates_within.items())
        across = ", ".join(f"{pair} {n:,}" for pair, n in self.duplicates_across.items())
        total = sum(self.class_counts.values()) or 1
        balance = ", ".join(f"{name} {n / total:.0%}" for name, n in self.class_counts.items())
        return [
            f"scripts: {scripts}",
            (
                f"words per text: median {self.words.median:,.0f}, p90 {self.words.p90:,.0f} · characters: median "
                f"{self.characters.median:,.0f}, p90 {self.characters.p90:,.0f} · texts under two words: {self.short_texts:,}"
            ),
            f"duplicates (the same words): within {within} · across {across}",
            f"classes (train): {balance}",
        ]

    def lines(self) -> list[str]:
        """The profile as printed when a search starts: a `profile:` line per fact, then a `warning:` line per warning."""
        return [*(f"profile: {fact}" for fact in self.facts()), *(f"warning: {w}" for w in self.warnings)]


def _script_shares(texts: list[str]) -> dict[str, float]:
    """Each named script's share of the letters of `texts` (others as "other"), largest first."""
    per_script: Counter = Counter()
    for character, n in Counter("".join(texts)).items():
        if _LETTER.match(character):
            per_script[next((name for name, pattern in _SCRIPT_PATTERNS if pattern.match(character)), "other")] += n
    total = sum(per_script.values())
    return {name: n / total for name, n in per_script.most_common()} if total else {}


def _duplicates(keys: dict[str, list[str]]) -> tuple[dict[str, int], dict[str, int]]:
    """Exact duplicates among each split's texts (`keys`): within each split, and of each later split in an earlier one.

    Texts without words are not duplicates of each other, as the split rule (`data.leakage`) has them.
    """
    keys = {name: [t for t in texts if t] for name, texts in keys.items()}
    within = {name: len(texts) - len(set(texts)) for name, texts in keys.items()}
    seen = {name: set(texts) for name, texts in keys.items()}
    across = {
        f"{first}/{second}": sum(1 for t in keys[second] if t in seen[first])
        for first, second in SPLIT_PAIRS
    }
    return within, across


def _warnings(scripts: dict[str, float], median_words: float, space: SearchSpace) -> list[str]:
    """What would make word encoders see next to nothing, and what autosent does about it."""
    found = []
    no_space = {name: share for name, share in scripts.items() if name in NO_SPACE_SCRIPTS and share >= SHOWN_SHARE}
    readers = [f.name for f in families() if CHARS in f.inputs]
    chars = [e for e in space.encoders if e in readers]
    answer = (
        f"the character encoders ({', '.join(chars)}) read the character n-grams of each text"
        if chars
        else f"this space has no character encoder ({', '.join(readers)}): add one to its encoder choice"
    )
    if sum(no_space.values()) > MAIN_SHARE:
        names = " and ".join(no_space)
        reads = (
            "word encoders read each of its characters as a word"
            if space.standardize == UNICODE
            else f'vectorizer.standardize = "{space.standardize}" reads a whole clause as one word: use "{UNICODE}"'
        )
        found.append(f"{sum(no_space.values()):.0%} of the letters are {names}, written without spaces: {reads}; {answer}")
    elif median_words < FEW_WORDS:
        found.append(f"half the texts have fewer than {FEW_WORDS} words, so word encoders see next to nothing; {answer}")
    return found


def profile(dataset: Dataset, space: SearchSpace) -> DataProfile:
    """The profile of `dataset` as the encoders of `space` will read it (in its standardisation's words).

    Duplicates are texts whose words are the same: what the models see as one text.
    """
    tokens = {
        name: [words(t, space.standardize) for t in split.texts]
        for name, split in (("train", dataset.train), ("val", dataset.val), ("test", dataset.test))
    }
    word_counts = [len(t) for t in tokens["train"]]
    scripts = _script_shares(dataset.train.texts)
    within, across = _duplicates({name: [text_key(t) for t in texts] for name, texts in tokens.items()})
    counts = np.bincount(dataset.train.labels, minlength=dataset.num_classes)
    words_spread = Spread.of(word_counts)
    lengths = [len(t) for t in dataset.train.texts]
    characters = Spread.of(lengths)
    long_texts = [n for n in lengths if characters.median and n > LONG_TEXT_FACTOR * characters.median]
    return DataProfile(
        scripts=scripts,
        words=words_spread,
        characters=characters,
        short_texts=sum(1 for n in word_counts if n < FEW_WORDS),
        duplicates_within=within,
        duplicates_across=across,
        class_counts={name: int(n) for name, n in zip(dataset.label_names, counts)},
        warnings=_warnings(scripts, words_spread.median, space) + _leaks(across) + _outliers(long_texts, characters.median),
        long_texts=len(long_texts),
    )


def _outliers(long_texts: list[int], median: float) -> list[str]:
    """A warning for training texts far longer than the rest (a whole file pasted into one cell):
    the n-gram and character encoders count every n-gram of a text, so one of them can outweigh
    hundreds of ordinary texts and skew what the linear models learn."""
    if not long_texts:
        return []
    return [(
        f"{len(long_texts):,} training text(s) over {LONG_TEXT_FACTOR}x the median length ({median:,.0f} characters), the "
        f"longest {max(long_texts):,}: the n-gram encoders count every n-gram of a text, so each weighs like hundreds of "
        "others; check them, or cut them before searching"
    )]


def _leaks(across: dict[str, int]) -> list[str]:
    """A warning when texts are in two splits: val and test scores then overstate the model.

    A search refuses such user files unless `--allow-overlap`; a source's own splits (tfds,
    an aclImdb-like folder) can hold them too.
    """
    found = [f"{n:,} {pair.split('/')[1]} also in {pair.split('/')[0]}" for pair, n in across.items() if n]
    if not found:
        return []
    return [f"texts in two splits ({', '.join(found)}): val and test scores are partly measured on texts the model saw or was chosen on"]
