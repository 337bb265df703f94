"""The sentiment hypermodel: Embedding -> encoder -> dropout -> dense head with L2.

Which encoder, how wide, how regularised: all come from the search space, so the same
class builds the seed notebook's model (`search_spaces/seed.toml`) and every candidate.
GRUs stay on the cuDNN-eligible path (tanh/sigmoid, no recurrent dropout, right padding
with a mask) so the same code is fast on a GPU.
"""

from __future__ import annotations

from typing import Any

import keras
import keras_tuner
import tensorflow as tf

from autosent.records import CROSS_ENTROPY, OBJECTIVE
from autosent.space import SearchSpace


def early_stopping(patience: int) -> keras.callbacks.EarlyStopping:
    """The one stopping rule of search and export: val cross-entropy (records.OBJECTIVE), best weights kept."""
    return keras.callbacks.EarlyStopping(monitor=OBJECTIVE, mode="min", patience=patience, restore_best_weights=True)


class SentimentHyperModel(keras_tuner.HyperModel):
    """Builds and trains one candidate on integer token ids."""

    def __init__(
        self, space: SearchSpace, vocabulary_size: int, num_classes: int, seed: int = 0, ngram_vocabulary_size: int = 0
    ):
        super().__init__(name="sentiment")
        self.space = space
        self.vocabulary_size = vocabulary_size
        self.ngram_vocabulary_size = ngram_vocabulary_size
        self.num_classes = num_classes
        self.seed = seed

    @classmethod
    def for_tokenizer(cls, space: SearchSpace, tokenizer, num_classes: int, seed: int = 0) -> SentimentHyperModel:
        """The hypermodel of a run: its tokenizer's vocabularies size the embeddings."""
        vocabulary_size, ngram_vocabulary_size = tokenizer.vocabulary_sizes
        return cls(space, vocabulary_size, num_classes, seed, ngram_vocabulary_size)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        space = self.space
        encoder = space.declare(hp, "encoder")
        embedding_dim = space.declare(hp, "embedding_dim")
        units = space.declare(hp, "units")  # these three are None for encoders that do not read them
        kernel_size = space.declare(hp, "kernel_size")
        pooling = space.declare(hp, "pooling")
        dense_units = space.declare(hp, "dense_units")
        dropout = space.declare(hp, "dropout")
        l2 = space.declare(hp, "l2")
        learning_rate = space.declare(hp, "learning_rate")
        space.declare(hp, "batch_size")  # used by fit(); declared here so the oracle knows it

        # One row of ids per text: its words, then (when the space can pick `bag`) its n-grams.
        tokens = keras.Input(shape=(space.input_length,), dtype="int32", name="tokens")
        words = tokens[:, : space.sequence_length] if space.uses_bag else tokens
        if encoder == "bag":
            # fastText-style: the mean embedding of the text's word uni- to n-grams (padding masked).
            ngrams = tokens[:, space.sequence_length :]
            x = keras.layers.Embedding(self.ngram_vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(ngrams)
            x = keras.layers.GlobalAveragePooling1D(name="bag")(x)
        else:
            x = keras.layers.Embedding(
                self.vocabulary_size, embedding_dim, mask_zero=encoder != "conv1d", name="embedding"
            )(words)
        if encoder == "conv1d":
            x = keras.layers.Conv1D(units, kernel_size, activation="relu", name="conv1d")(x)
            pool = keras.layers.GlobalMaxPooling1D if pooling == "max" else keras.layers.GlobalAveragePooling1D
            x = pool(name="pooling")(x)
        elif encoder in ("gru", "bigru"):
            gru = keras.layers.GRU(units, name="gru")
            x = keras.layers.Bidirectional(gru, name="bigru")(x) if encoder == "bigru" else gru(x)
        x = keras.layers.Dropout(dropout, seed=self.seed, name="dropout")(x)
        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        x = keras.layers.Dense(dense_units, activation="relu", kernel_regularizer=regularizer, name="dense")(x)
        binary = self.num_classes == 2
        outputs = keras.layers.Dense(
            1 if binary else self.num_classes,
            activation="sigmoid" if binary else "softmax",
            kernel_regularizer=regularizer,
            name="probabilities",
        )(x)
        model = keras.Model(tokens, outputs, name=f"autosent_{encoder}")
        loss = keras.losses.BinaryCrossentropy if binary else keras.losses.SparseCategoricalCrossentropy
        # The loss again as a metric, per text: without the L2 penalty it compares trials fairly (records.OBJECTIVE).
        cross_entropy = keras.metrics.MeanMetricWrapper(loss(reduction=None), name=CROSS_ENTROPY)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss(), metrics=["accuracy", cross_entropy])
        return model

    def hyperparameters_for(self, values: dict[str, Any]) -> keras_tuner.HyperParameters:
        """The space with a recorded trial's values set: rebuilds exactly that trial's model."""
        hp = keras_tuner.HyperParameters()
        self.build(hp)  # registers the space
        hp.values.update(self.space.tuner_values(values))
        return hp

    def fit(
        self,
        hp: keras_tuner.HyperParameters,
        model: keras.Model,
        x: tf.data.Dataset,
        *args: Any,
        validation_data: tf.data.Dataset | None = None,
        **kwargs: Any,
    ):
        """Batch the shared, unbatched datasets with this trial's batch size, then train."""
        batch_size = self.space.model_values(hp.values)["batch_size"]
        # A full-size buffer: the splits are stored class by class, a smaller one would not mix them.
        train = x.shuffle(int(x.cardinality()), seed=self.seed).batch(batch_size).prefetch(tf.data.AUTOTUNE)
        val = None if validation_data is None else validation_data.batch(512).prefetch(tf.data.AUTOTUNE)
        return model.fit(train, *args, validation_data=val, shuffle=False, **kwargs)
