"""A third-party encoder family, in one module outside autosent: `meanpool`, the mean of a
text's word embeddings (Embedding -> GlobalAveragePooling1D), with a hyperparameter of its own.

Importing this module registers the family: from then on a space may name it, and a search,
an export and a resume of a run that picked it know it. Its layers are Keras' own, so its
exported model loads wherever autosent's layers do (`import autosent.layers`).
"""

from __future__ import annotations

from typing import Any

from autosent.models.encoders import EncoderFamily, register
from autosent.models.encoders.registry import Context, Cost, Param, builtin
from autosent.text.inputs import WORDS


def _build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
    import keras

    mask = values["mean_over"] == "words"  # else the padding counts too
    x = keras.layers.Embedding(context.vocabulary_sizes[WORDS], values["embedding_dim"], mask_zero=mask, name="embedding")(inputs[WORDS])
    return keras.layers.GlobalAveragePooling1D(name="meanpool")(x)


def _cost(sizes: dict[str, int]) -> Cost:
    embedding = sizes["embedding_dim"]
    return Cost(sizes["max_tokens"] * embedding, embedding, sizes["sequence_length"] * embedding)


MEANPOOL = register(
    EncoderFamily(
        name="meanpool",
        inputs=(WORDS,),
        build=_build,
        cost=_cost,
        hyperparameters={**builtin("embedding_dim"), "mean_over": Param(str, "words", allowed=("words", "positions"))},
    )
)
