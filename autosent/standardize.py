"""How a text becomes words: one definition for the text layers and for the Python that counts words.

A space's `vectorizer.standardize` names one of `STANDARDIZERS`:
- `strip_punctuation`, Keras' own default: lower case, ASCII punctuation deleted. It glues
  what punctuation separates: "http://bbc.in/1x" becomes the one word "httpbbcin1x", which no
  other text shares, so a URL's domain, a hyphenated or slashed pair of words, or "end.Next"
  teach the model nothing.
- `split_at_punctuation`: lower case, apostrophes deleted (so "don't" stays one word, as
  Keras reads it), every other ASCII punctuation mark a word break, as scikit-learn's
  `CountVectorizer` splits. `bench/quality.py` on a headline data set full of URLs showed
  the difference.

The text layers run the TensorFlow form (`layers.split_at_punctuation`, a registered Keras
function, so that a saved model that holds it loads once `autosent.layers` is imported);
`sizes` (vocabulary and length rules) and `explain` (occlusion) run `words`, its Python twin.
This module imports no TensorFlow: bad input is refused before TensorFlow loads.
"""

from __future__ import annotations

import re
import string

STRIP = "strip_punctuation"
SPLIT = "split_at_punctuation"
STANDARDIZERS = (STRIP, SPLIT)

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


def words(text: str, name: str) -> list[str]:
    """A text's words as the text layers of standardisation `name` see them (split at ASCII whitespace)."""
    return [w for w in _ASCII_WHITESPACE.split(text.translate(_PYTHON[name])) if w]


def recorded_standardize(vectorizer: dict) -> str:
    """The standardisation an export's recorded vectorizer settings name; Keras' own for exports made before the setting."""
    return vectorizer.get("standardize", STRIP)
