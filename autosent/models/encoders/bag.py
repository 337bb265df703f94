"""`bag`: the mean of the embeddings of every word uni- to n-gram of a text (fastText-style)."""

from __future__ import annotations

from typing import Any

from autosent.models.encoders.registry import Context, Cost, EncoderFamily, builtin
from autosent.text.inputs import NGRAMS


def _build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
    from autosent.models.layers import MeanEmbedding, NgramDropout

    ngrams = inputs[NGRAMS]
    if values["word_dropout"]:  # n-grams dropped while training only
        ngrams = NgramDropout(values["word_dropout"], context.seed, name="ngram_dropout")(ngrams)
    return MeanEmbedding(context.vocabulary_sizes[NGRAMS], values["embedding_dim"], name="bag")(ngrams)


def _cost(sizes: dict[str, int]) -> Cost:
    """The n-gram embedding table; per text the embedding of each n-gram it reads (at most
    `ngrams` per word of `sequence_length`, and no more than its vocabulary)."""
    embedding = sizes["embedding_dim"]
    positions = min(sizes["sequence_length"] * sizes["ngrams"], sizes["ngram_max_tokens"])
    return Cost(sizes["ngram_max_tokens"] * embedding, embedding, positions * embedding)


BAG = EncoderFamily(
    name="bag", inputs=(NGRAMS,), build=_build, cost=_cost, hyperparameters=builtin("embedding_dim", "word_dropout")
)
