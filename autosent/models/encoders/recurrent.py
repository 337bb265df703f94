"""`gru` and `bigru`: embedded words read by a GRU, one way or both.

They stay on the cuDNN-eligible path (tanh/sigmoid, no recurrent dropout, right padding with
a mask), so the same code is fast on a GPU.
"""

from __future__ import annotations

from typing import Any

from autosent.models.encoders import sequence
from autosent.models.encoders.registry import Context, Cost, EncoderFamily
from autosent.text.inputs import WORDS


def _family(name: str, directions: int) -> EncoderFamily:
    def build(context: Context, inputs: dict[str, Any], values: dict[str, Any]):
        import keras

        x = sequence.embedded_words(context, inputs, values, mask_zero=True)
        gru = keras.layers.GRU(values["units"], name="gru")
        return keras.layers.Bidirectional(gru, name=name)(x) if directions == 2 else gru(x)

    def cost(sizes: dict[str, int]) -> Cost:
        units = sizes["units"]
        # kernel, recurrent kernel and Keras 3's two biases (reset_after) of three gates, per direction
        gru = 3 * units * (sizes["embedding_dim"] + units + 2)
        # at each step, its three gates and its state, per direction
        return sequence.cost(sizes, directions * gru, directions * units, 4 * directions)

    return EncoderFamily(name=name, inputs=(WORDS,), build=build, cost=cost, hyperparameters=sequence.HYPERPARAMETERS)


GRU = _family("gru", 1)
BIGRU = _family("bigru", 2)
