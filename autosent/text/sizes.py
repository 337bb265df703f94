"""Sizes the data decides: how many words a text keeps, how large the vocabularies are, and batches.

A space may pin `sequence_length` and the vocabulary sizes (`max_tokens`, `ngram_max_tokens`,
`char_max_tokens`), or give each a rule (`space.SIZE_RULES`), which is what the default space
does: tweets then get short sequences and small vocabularies, long reviews long ones up to
the caps. The rules are read off the training split only (val and test must not shape the
model), in the words and character n-grams the text layers will see (`standardize.words`,
`standardize.char_ngrams`), and resolved once, before the run is written: the resolved space
is what `run.json` records. A family's `batch_size` may be a rule too (`space.BATCH_RULE`):
the batch that gives an epoch at least a given number of steps, whatever the data's size.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from autosent.search.space import SearchSpace
from autosent.text.standardize import char_words, word_char_ngrams, words

#: Ids a vocabulary holds before any token: padding and out-of-vocabulary for word ids,
#: out-of-vocabulary alone for n-gram counts.
RESERVED = {"max_tokens": 2, "ngram_max_tokens": 1, "char_max_tokens": 1}
#: Up to this many occurrences, a word's character n-grams are counted as a repeated list.
REPEATED_LIST = 8


def _ngrams(tokens: list[str], n: int) -> Iterable[str]:
    for size in range(1, n + 1):
        for start in range(len(tokens) - size + 1):
            yield " ".join(tokens[start : start + size])


def resolve_sizes(space: SearchSpace, train_texts: list[str]) -> SearchSpace:
    """`space` with each size rule (its batch rules too) replaced by its value on `train_texts`; a pinned space as it is.

    A vocabulary the run never builds (word or character n-grams, when no encoder that reads
    them can be picked) takes its cap.
    """
    space = resolve_batch_sizes(space, len(train_texts))
    rules = space.size_rules
    if not rules:
        return space
    tokens = [words(t, space.standardize) for t in train_texts]
    sizes = {key: rule["max"] for key, rule in rules.items()}
    if "sequence_length" in rules:
        length = math.ceil(np.percentile([len(t) for t in tokens], rules["sequence_length"]["percentile"]))
        # at least one full window of the widest convolution, so that every conv1d trial builds
        sizes["sequence_length"] = min(max(length, space.largest_kernel, 1), sizes["sequence_length"])
    if "max_tokens" in rules:
        sizes["max_tokens"] = _vocabulary_size("max_tokens", rules["max_tokens"], tokens, lambda t: t)
    if "ngram_max_tokens" in rules and space.uses_ngrams:
        n = space.settings["vectorizer"]["ngrams"]
        sizes["ngram_max_tokens"] = _vocabulary_size("ngram_max_tokens", rules["ngram_max_tokens"], tokens, lambda t: _ngrams(t, n))
    if "char_ngrams" in rules:
        characters = float(np.median([len(t) for t in train_texts])) if train_texts else 0.0
        fits = int(rules["char_ngrams"]["grams_per_text"] // max(characters, 1.0))
        sizes["char_ngrams"] = min(max(fits, 1), rules["char_ngrams"]["max"])
    if "char_max_tokens" in rules and space.uses_chars:
        counts = char_counts(train_texts, sizes.get("char_ngrams", space.settings["vectorizer"]["char_ngrams"]))
        seen = sum(1 for count in counts.values() if count >= rules["char_max_tokens"]["min_count"])
        sizes["char_max_tokens"] = min(max(seen, 1) + RESERVED["char_max_tokens"], rules["char_max_tokens"]["max"])
    return space.with_sizes(sizes)


def batch_for(rule: dict[str, int], train_size: int) -> int:
    """The batch of a `space.BATCH_RULE`: `train_size` over `steps_per_epoch`, rounded down (an epoch of at least that many steps), within [min, max]."""
    return min(max(train_size // rule["steps_per_epoch"], rule["min"]), rule["max"])


def resolve_batch_sizes(space: SearchSpace, train_size: int) -> SearchSpace:
    """`space` with each `batch_size` rule replaced by its batch for `train_size` training texts."""
    return space.with_batch_sizes({encoder: batch_for(rule, train_size) for encoder, rule in space.batch_rules.items()})


def char_counts(texts: list[str], width: int) -> Counter:
    """How often each character 1- to `width`-gram occurs inside the words of `texts` (`standardize.char_ngrams`).

    Counted once per distinct word, times its count: a word's n-grams are the same wherever it
    stands, and texts repeat their words, so this is many times faster than text by text.
    """
    grams: Counter = Counter()
    for word, n in Counter(w for t in texts for w in char_words(t)).items():
        if n <= REPEATED_LIST:  # most words are rare: Counter counts a short list in C
            grams.update(word_char_ngrams(word, width) * n)
        else:
            for gram in word_char_ngrams(word, width):
                grams[gram] += n
    return grams


def _vocabulary_size(key: str, rule: dict[str, int], tokens: list[list[str]], grams: Callable[[list[str]], Iterable[str]]) -> int:
    """The grams seen at least `min_count` times, plus the reserved ids, up to the cap.

    Counted over growing prefixes of the texts: a count only grows with more texts, so once a
    prefix reaches the cap the rest need no counting (on IMDB's bigrams, most of the work).
    """
    counts: Counter = Counter()
    seen, done, chunk = 0, 0, 1000
    while done < len(tokens):
        counts.update(g for t in tokens[done : done + chunk] for g in grams(t))
        done, chunk = done + chunk, chunk * 2
        seen = sum(1 for count in counts.values() if count >= rule["min_count"])
        if seen + RESERVED[key] >= rule["max"]:
            break
    return min(max(seen, 1) + RESERVED[key], rule["max"])
