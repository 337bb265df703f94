"""`nbsvm` and `char_nbsvm`: NBSVM (Wang & Manning), a logistic regression on a text's n-gram
counts scaled by Naive Bayes log-count ratios, trained by gradient descent; of word n-grams
or of the character n-grams inside words. Linear: the score goes straight to the output.
"""

from __future__ import annotations

from typing import Any

from autosent.models.encoders.registry import Context, Cost, EncoderFamily
from autosent.text.inputs import CHARS, NGRAMS, VOCABULARY_SIZES

#: NBSVM starts as Naive Bayes: every n-gram weighs INITIAL_WEIGHT, and the output reads
#: OUTPUT_GAIN x each class's score. A small gain lets it learn slower and further before it
#: overfits (measured on IMDB: issue 5's note); a random output kernel can start the model backwards.
INITIAL_WEIGHT = 0.1
OUTPUT_GAIN = 0.1


def _family(name: str, counts: str) -> EncoderFamily:
    def build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
        from autosent.models.layers import NaiveBayesScores

        vocabulary = context.vocabulary_sizes[counts]
        layer = NaiveBayesScores(vocabulary, context.outputs, INITIAL_WEIGHT, values["dropout"], values["l2"], context.seed, name=name)
        scores = layer(inputs[counts])
        if counts in context.tables["log_ratios"]:
            layer.set_table(context.tables["log_ratios"][counts])
        return scores

    def cost(sizes: dict[str, int]) -> Cost:
        # a weight and a Naive Bayes ratio per n-gram and output
        return Cost(2 * sizes[VOCABULARY_SIZES[counts]] * sizes["outputs"], sizes["outputs"], 0)

    return EncoderFamily(
        name=name, inputs=(counts,), build=build, cost=cost, linear=True, output_gain=OUTPUT_GAIN,
        tables=("log_ratios",), exact_explanation=True,
    )  # fmt: skip


NBSVM = _family("nbsvm", NGRAMS)
CHAR_NBSVM = _family("char_nbsvm", CHARS)
