"""`tfidf`: logistic regression on the tf-idf of a text's word n-grams and of its character
n-grams, their scores added: the linear baseline, in the space so that a search can always
find at least it. It starts at zero weights, not as a classifier to hold back, so its output
reads its score as it is.
"""

from __future__ import annotations

from typing import Any

from autosent.models.encoders.registry import Context, Cost, EncoderFamily
from autosent.text.inputs import COUNTS, VOCABULARY_SIZES


def _build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
    import keras

    from autosent.models.layers import TfidfScores

    scores = []
    for name in COUNTS:
        layer = TfidfScores(context.vocabulary_sizes[name], context.outputs, 0.0, values["dropout"], values["l2"], context.seed, name=f"tfidf_{name}")
        scores.append(layer(inputs[name]))
        if name in context.tables["idf"]:
            layer.set_table(context.tables["idf"][name])
    return keras.layers.Add(name="tfidf")(scores)


def _cost(sizes: dict[str, int]) -> Cost:
    # a weight per n-gram and output, an idf per n-gram, of words and of characters
    return Cost(sum(sizes[VOCABULARY_SIZES[name]] for name in COUNTS) * (sizes["outputs"] + 1), sizes["outputs"], 0)


TFIDF = EncoderFamily(name="tfidf", inputs=COUNTS, build=_build, cost=_cost, linear=True, tables=("idf",))
