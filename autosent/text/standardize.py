"""How a text becomes words: one definition for the text layers and for the Python that counts words.

A space's `vectorizer.standardize` names one of `STANDARDIZERS`:
- `strip_punctuation`, Keras' own default: lower case, ASCII punctuation deleted. It glues
  what punctuation separates: "http://bbc.in/1x" becomes the one word "httpbbcin1x", which no
  other text shares, so a URL's domain, a hyphenated or slashed pair of words, or "end.Next"
  teach the model nothing.
- `split_at_punctuation`: lower case, apostrophes deleted (so "don't" stays one word, as
  Keras reads it), every other ASCII punctuation mark a word break, as scikit-learn's
  `CountVectorizer` splits. `bench/quality.py` on a headline data set full of URLs showed
  the difference. Both read ASCII only: "É" stays upper case, and a Chinese clause, written
  without spaces, is one word seen once.
- `unicode_words`, the default space's: the same idea in every script. Lower case beyond
  ASCII; Unicode punctuation, whitespace and control characters separate words; apostrophes
  (' and ’) are deleted; each character of a script written without spaces (`NO_SPACE_SCRIPTS`:
  Han, kana, Thai, ...) and each symbol or emoji is a word of its own, so a Chinese review
  becomes its characters, and the word n-gram encoders read their pairs.

The text layers run the TensorFlow form (`layers.split_at_punctuation`, `layers.unicode_words`:
registered Keras functions made of TensorFlow string ops and RE2 patterns, so that a saved
model that holds one loads once `autosent.layers` is imported, and its SavedModel serves with
no autosent code); `sizes` (vocabulary and length rules) and `explain` (occlusion) run `words`,
its Python twin, on the same patterns (the `regex` module reads RE2's Unicode classes).
Runs and exports keep the standardisation they were made with. This module imports no
TensorFlow: bad input is refused before TensorFlow loads.
"""

from __future__ import annotations

import re
import string

import regex

STRIP = "strip_punctuation"
SPLIT = "split_at_punctuation"
UNICODE = "unicode_words"
STANDARDIZERS = (STRIP, SPLIT, UNICODE)

APOSTROPHE = "'"
_BREAKS = "".join(c for c in string.punctuation if c != APOSTROPHE)
#: The word breaks of `SPLIT` as a regular-expression class, every character escaped.
BREAKS_PATTERN = "[" + "".join("\\" + c for c in _BREAKS) + "]"

#: What TensorFlow splits words at: Python's own `str.split()` also splits at U+0085, U+2003 and the like.
_ASCII_WHITESPACE = re.compile("[ \t\n\v\f\r]+")
#: Both lower-case ASCII letters only, as `tf.strings.lower` does.
_LOWER = dict(zip(map(ord, string.ascii_uppercase), string.ascii_lowercase))
_PYTHON = {
    STRIP: {**_LOWER, **str.maketrans("", "", string.punctuation)},
    SPLIT: {**_LOWER, **str.maketrans(_BREAKS, " " * len(_BREAKS), APOSTROPHE)},
}


#: Scripts written without spaces between words: each of their characters is a word.
NO_SPACE_SCRIPTS = ("Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar")
#: `UNICODE`'s three steps after lower-casing, each (pattern, rewrite) read alike by RE2 (TensorFlow)
#: and `regex` (each ships its own Unicode tables: a character newer than the older of them, say
#: a brand-new emoji, may be classed differently; the text layers decide what a model reads): apostrophes deleted; a character of a no-space script, or a symbol (emoji,
#: currency, math), set apart as a word of its own; punctuation, separators and control
#: characters (U+0085 among them) made spaces.
UNICODE_STEPS = (
    ("['\u2019]", ""),
    ("([" + "".join(f"\\p{{{script}}}" for script in NO_SPACE_SCRIPTS) + "\\p{S}])", " \\1 "),
    ("[\\p{P}\\p{Z}\\p{Cc}]", " "),
)
_UNICODE_STEPS = [(regex.compile(pattern), rewrite) for pattern, rewrite in UNICODE_STEPS]


class _Table(dict):
    """`str.translate`'s table for (pattern, rewrite) steps that each replace single characters, worked out per character on first sight.

    Applying such steps to each character alone is applying them to the text, at a dictionary
    look-up per character instead of a regex pass per step (several times faster on long reviews).
    """

    def __init__(self, steps: list[tuple[regex.Pattern, str]]):
        super().__init__()
        self.steps = steps

    def __missing__(self, code: int) -> str:
        replaced = chr(code)
        for pattern, rewrite in self.steps:
            replaced = pattern.sub(rewrite, replaced)
        self[code] = replaced
        return replaced


_UNICODE_TABLE = _Table(_UNICODE_STEPS)


def _unicode_standardized(text: str) -> str:
    # full Unicode case mapping first, as tf.strings.lower(encoding="utf-8") does
    return text.lower().translate(_UNICODE_TABLE)


def words(text: str, name: str) -> list[str]:
    """A text's words as the text layers of standardisation `name` see them (split at ASCII whitespace)."""
    standardized = _unicode_standardized(text) if name == UNICODE else text.translate(_PYTHON[name])
    return [w for w in _ASCII_WHITESPACE.split(standardized) if w]


#: Where the character encoders' words end: Unicode separators and control characters (then ASCII whitespace).
CHAR_WORD_BREAKS = "[\\p{Z}\\p{Cc}]"
_CHAR_WORD_BREAKS = _Table([(regex.compile(CHAR_WORD_BREAKS), " ")])


def char_words(text: str) -> list[str]:
    """The words the character text layer cuts a text into: lower-cased, split at Unicode whitespace only.

    Punctuation, emoticons and a clause of a script without spaces stay inside their word.
    """
    # Every whitespace character Python's split() knows is a separator or control character, made a space
    return text.lower().translate(_CHAR_WORD_BREAKS).split()


def word_char_ngrams(word: str, width: int) -> list[str]:
    """A word's character 1- to `width`-grams, the word padded with a space on both sides so that a
    gram can say "starts a word" (scikit-learn's `char_wb`)."""
    padded = f" {word} "
    return [padded[i : i + n] for n in range(1, width + 1) for i in range(len(padded) - n + 1)]


def char_ngrams(text: str, width: int) -> list[str]:
    """A text's character 1- to `width`-grams inside its words, as the character text layer counts them."""
    return [gram for word in char_words(text) for gram in word_char_ngrams(word, width)]


def recorded_standardize(vectorizer: dict) -> str:
    """The standardisation an export's recorded vectorizer settings name; Keras' own for exports made before the setting."""
    return vectorizer.get("standardize", STRIP)
