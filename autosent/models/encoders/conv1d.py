"""`conv1d`: embedded words, one convolution with relu, pooled over the text (the seed notebook's model)."""

from __future__ import annotations

from typing import Any

from autosent.models.encoders import sequence
from autosent.models.encoders.registry import Context, Cost, EncoderFamily, builtin
from autosent.text.inputs import WORDS


def _build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
    import keras

    # No mask: the convolution reads the padding as it did in the seed notebook.
    x = sequence.embedded_words(context, inputs, values, mask_zero=False)
    x = keras.layers.Conv1D(values["units"], values["kernel_size"], activation="relu", name="conv1d")(x)
    pool = keras.layers.GlobalMaxPooling1D if values["pooling"] == "max" else keras.layers.GlobalAveragePooling1D
    return pool(name="pooling")(x)


def _cost(sizes: dict[str, int]) -> Cost:
    units = sizes["units"]
    kernel = sizes["kernel_size"] * sizes["embedding_dim"] * units + units
    return sequence.cost(sizes, kernel, units, 2)  # its output before and after relu, at each position


CONV1D = EncoderFamily(
    name="conv1d",
    inputs=(WORDS,),
    build=_build,
    cost=_cost,
    hyperparameters={**sequence.HYPERPARAMETERS, **builtin("kernel_size", "pooling")},
)
