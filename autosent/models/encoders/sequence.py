"""What the sequence families (`conv1d`, `gru`, `bigru`) share: the words they read, augmented
while training, then embedded; their hyperparameters; their cost in memory."""

from __future__ import annotations

from typing import Any

from autosent.models.encoders.registry import Context, Cost, builtin
from autosent.text.inputs import WORDS

#: The hyperparameters every sequence family reads, besides its own.
HYPERPARAMETERS = builtin("embedding_dim", "units", "word_dropout", "span_mask")


def embedded_words(context: Context, inputs: dict[str, Any], values: dict[str, Any], mask_zero: bool):
    """The words as a training step sees them (the augmentation the trial's rates ask for:
    active while training only, so the exported model reads every text as it is), embedded."""
    import keras

    from autosent.models.layers import SpanMask, WordDropout

    words = inputs[WORDS]
    if values["word_dropout"]:
        words = WordDropout(values["word_dropout"], context.seed, name="word_dropout")(words)
    if values["span_mask"]:
        words = SpanMask(values["span_mask"], context.seed, name="span_mask")(words)
    embedding = keras.layers.Embedding(context.vocabulary_sizes[WORDS], values["embedding_dim"], mask_zero=mask_zero, name="embedding")
    return embedding(words)


def cost(sizes: dict[str, int], encoded: int, width: int, floats_per_unit: int) -> Cost:
    """A sequence family's cost: the word embedding table, `encoded` weights over it, a vector of
    `width`; at each word position, its embedding and `floats_per_unit` floats per unit."""
    embedding = sizes["embedding_dim"]
    positions = sizes["sequence_length"] * (embedding + floats_per_unit * sizes["units"])
    return Cost(sizes["max_tokens"] * embedding + encoded, width, positions)
