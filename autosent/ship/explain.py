"""`autosent predict --explain`: the words or n-grams that pushed a prediction, and by how much.

Two methods, chosen by the model's encoder family (`autosent.models.encoders`):
- A family with `exact_explanation` (`nbsvm` and `char_nbsvm`) is linear in its n-gram counts,
  so its explanation is exact: each word or character n-gram of the text adds count x learnt
  weight x Naive Bayes ratio to the score of the predicted class.
- Any other model (a sequence or `bag` encoder, `tfidf`, whose tf-idf rows are scaled to unit
  length so that no n-gram's share is its own, an ensemble) is explained by occlusion: each
  distinct word is deleted from the text in turn and the drop in the predicted class's
  probability is its contribution. It needs one forward pass per distinct word, so it looks
  at the first MAX_OCCLUDED distinct words of a text, at a cost `bench/predict_latency.py`
  measures. For an ensemble this is the weighted combination of its members' occlusions, as
  its output is their weighted mean.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from autosent.models.outputs import class_probabilities, predicted_classes
from autosent.ship.inference import predict_in_batches
from autosent.text.standardize import words

#: Distinct words occlusion tries per text: one forward pass each, so the cost stays bounded.
MAX_OCCLUDED = 256


def _invisible(character: str) -> bool:
    """Whether a character prints as nothing: a format character (a zero-width joiner inside an
    emoji sequence), a control character, or a variation selector (`❤️` is `❤` and U+FE0F)."""
    return unicodedata.category(character) in ("Cf", "Cc") or unicodedata.name(character, "").startswith("VARIATION SELECTOR")


@dataclass(frozen=True)
class Contribution:
    term: str  # a word, or for nbsvm a word n-gram, for char_nbsvm a character n-gram
    contribution: float  # towards the predicted label (negative: against it)

    def shown(self) -> str:
        """The term as a terminal shows it: each character that prints as nothing by its code point
        (`❤<U+FE0F>`), so that two terms never look alike, and a character n-gram that starts or
        ends a word (a space there) in quotes, so the space shows."""
        term = "".join(f"<U+{ord(c):04X}>" if _invisible(c) else c for c in self.term)
        return f"'{term}'" if term != term.strip() else term


@dataclass(frozen=True)
class Explanation:
    method: str  # "exact" (nbsvm, char_nbsvm) or "occlusion"
    towards: list[Contribution]  # strongest first
    against: list[Contribution]

    def to_json(self) -> dict:
        return {"method": self.method, "towards": [vars(c) for c in self.towards], "against": [vars(c) for c in self.against]}


def _ranked(method: str, terms: list[str], scores: np.ndarray, top: int) -> Explanation:
    order = np.argsort(-scores, kind="stable")
    towards = [Contribution(terms[i], float(scores[i])) for i in order[:top] if scores[i] > 0]
    against = [Contribution(terms[i], float(scores[i])) for i in order[::-1][:top] if scores[i] < 0]
    return Explanation(method, towards, against)


def _exact_family(inner) -> bool:
    """Whether the trial model `inner` (named `autosent_FAMILY` by the hypermodel) is of a family explained exactly."""
    from autosent.models.encoders import families

    return any(inner.name == f"autosent_{f.name}" and f.exact_explanation for f in families())


def _linear_parts(model):
    """The n-gram counting layer, the NaiveBayesScores layer and the n-gram vocabulary of an exported NBSVM model, else None.

    The counting layer is the one named after the input the scores read (`vectorize`); exports
    made before the character inputs had one unnamed counting layer.
    """
    from autosent.models.layers import NaiveBayesScores

    inner = [layer for layer in model.layers if hasattr(layer, "layers")]
    if len(inner) != 1 or not _exact_family(inner[0]):
        return None
    scores = next((layer for layer in inner[0].layers if isinstance(layer, NaiveBayesScores)), None)
    if scores is None:
        return None  # a family that says it is exact without the layer that makes it so: occlusion explains it
    counters = [layer for layer in model.layers if layer.get_config().get("output_mode") == "count"]
    named = [c for c in counters if c.name == f"{scores.input.name}_vectorizer"]
    counter = named[0] if named else counters[0] if len(counters) == 1 else None
    if counter is None:
        return None  # no counting layer known to feed the scores: occlusion explains it instead
    return counter, scores, counter.get_vocabulary()  # read once: it lists every known n-gram


def _exact(parts, text: str, predicted: int, binary: bool, top: int) -> Explanation:
    """NBSVM: each n-gram's count x weight x ratio, for the predicted class's score."""
    import tensorflow as tf

    counter, scores, vocabulary = parts
    counts = counter(tf.constant([text]))
    ids = counts.indices.numpy()[:, 1]
    known = ids != 0  # column 0 counts unknown n-grams, which the model skips
    ids, values = ids[known], counts.values.numpy()[known]
    column = 0 if binary else predicted
    per_ngram = values * scores.ngram_weights.numpy()[ids, column] * scores.ratios.numpy()[ids, column]
    if binary and predicted == 0:
        per_ngram = -per_ngram  # the single score pushes towards class 1
    return _ranked("exact", [vocabulary[i] for i in ids], per_ngram, top)


def _occlusion(model, text: str, predicted: int, top: int, standardize: str) -> Explanation:
    """Any model: the drop in the predicted class's probability when each distinct word is deleted.

    The text is compared as the model reads it (in the words of its standardisation), whole
    and less one word, in one batch.
    """
    tokens = words(text, standardize)
    distinct = list(dict.fromkeys(tokens))[:MAX_OCCLUDED]
    if not distinct:
        return Explanation("occlusion", [], [])
    variants = [" ".join(tokens), *(" ".join(t for t in tokens if t != word) for word in distinct)]
    p = class_probabilities(predict_in_batches(model, variants))[:, predicted]
    return _ranked("occlusion", distinct, p[0] - p[1:], top)


class Explainer:
    """Explanations for one loaded model; what they need of it (nbsvm's vocabulary, long) is read once."""

    def __init__(self, model, standardize: str):
        """`standardize` is how the model's text layers turn a text into words (`autosent.text.standardize`)."""
        self.model = model
        self.standardize = standardize
        self._parts = _linear_parts(model)

    def explain(self, texts: list[str], probabilities: np.ndarray, top: int) -> list[Explanation]:
        """One explanation per text, for the class the model predicts for it (`probabilities`: (n, K))."""
        chosen = predicted_classes(probabilities)
        binary = probabilities.shape[1] == 2
        return [
            _exact(self._parts, text, int(k), binary, top)
            if self._parts is not None
            else _occlusion(self.model, text, int(k), top, self.standardize)
            for text, k in zip(texts, chosen)
        ]
