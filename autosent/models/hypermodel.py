"""The sentiment hypermodel: the named inputs -> an encoder family -> dropout -> dense head with L2.

Which encoder, how wide, how regularised: all come from the search space, so the same
class builds the seed notebook's model (`autosent/search/spaces/seed.toml`) and every candidate.
Each family (`autosent.models.encoders`) builds its own layers; a linear one (`nbsvm`, `char_nbsvm`,
`tfidf`) has no hidden layer: its text score goes straight to the output.
"""

from __future__ import annotations

from typing import Any

import keras
import keras_tuner
import numpy as np
import tensorflow as tf

from autosent.models.encoders import family
from autosent.models.encoders.registry import Context
from autosent.models.keras_internals import build_before_fit
from autosent.models.layers import MacroF1
from autosent.models.objective import CROSS_ENTROPY, OBJECTIVE, needs_macro_f1
from autosent.search import keras_tuner_internals
from autosent.search.space import SearchSpace
from autosent.text.inputs import COUNTS
from autosent.text.naive_bayes import log_count_ratios
from autosent.text.tfidf import inverse_document_frequencies
from autosent.text.vectorize import Vectorized


def reads(encoder: str) -> tuple[str, ...]:
    """The named inputs (`vectorize`) a model of `encoder` reads; it takes all the run's, and ignores the others."""
    return family(encoder).inputs


def early_stopping(patience: int) -> keras.callbacks.EarlyStopping:
    """The one stopping rule of search and export: val cross-entropy (objective.OBJECTIVE), best weights kept."""
    return keras.callbacks.EarlyStopping(monitor=OBJECTIVE, mode="min", patience=patience, restore_best_weights=True)


def balanced_class_weights(counts: np.ndarray) -> dict[int, float]:
    """Each class's loss weight, n / (classes x its count): every class then weighs as much in total."""
    counts = np.asarray(counts, dtype=np.float64)
    return {k: float(counts.sum() / (len(counts) * c)) if c else 0.0 for k, c in enumerate(counts)}


def _table_inputs(space: SearchSpace, kind: str) -> list[str]:
    """The inputs whose `kind` table (`encoders.registry.TABLES`) a family `space` can pick reads."""
    return list(dict.fromkeys(name for e in space.encoders if kind in family(e).tables for name in family(e).inputs))


class SentimentHyperModel(keras_tuner.HyperModel):
    """Builds and trains one candidate on the run's named inputs (`vectorize`)."""

    def __init__(
        self,
        space: SearchSpace,
        vocabulary_sizes: dict[str, int],
        num_classes: int,
        seed: int = 0,
        log_ratios: dict[str, np.ndarray] | None = None,
        idf: dict[str, np.ndarray] | None = None,
        class_counts: np.ndarray | None = None,
    ):
        """`vocabulary_sizes` names the run's inputs (the tokenizer's: every model takes all of them)
        and sizes each; `log_ratios` (`naive_bayes`) and `idf` (`tfidf`) are the frozen tables of
        the count inputs, counted on the training split, for the encoders that need them."""
        super().__init__(name="sentiment")
        self.class_counts = class_counts if class_counts is not None else np.ones(num_classes)  # of the training split
        self.space = space
        self.vocabulary_sizes = vocabulary_sizes
        self.log_ratios = log_ratios or {}
        self.idf = idf or {}
        self.num_classes = num_classes
        self.seed = seed

    @classmethod
    def for_run(
        cls, space: SearchSpace, tokenizer, num_classes: int, seed: int = 0, data: Vectorized | None = None
    ) -> SentimentHyperModel:
        """The hypermodel of a run: its tokenizer's vocabularies size the inputs, and its training
        split gives the linear encoders their Naive Bayes ratios and idf weights.

        `data` may be None only where no model is trained (the chief of a distributed search
        declares the space and serves the oracle): linear models built then score every text 0.
        """
        ratios, idf, counts = {}, {}, None
        if data is not None:
            ratios = {name: log_count_ratios(data.x_train[name], data.y_train, num_classes) for name in _table_inputs(space, "log_ratios")}
            idf = {name: inverse_document_frequencies(data.x_train[name]) for name in _table_inputs(space, "idf")}
            counts = np.bincount(data.y_train, minlength=num_classes)
        return cls(space, tokenizer.vocabulary_sizes, num_classes, seed, ratios, idf, counts)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        space = self.space
        values = space.declare_all(hp)  # None for what this trial's encoder does not read
        encoder = family(values["encoder"])

        # Every model of a run takes the run's inputs (inputs.WORDS, NGRAMS, CHARS: those its
        # tokenizer makes), so one dataset feeds every trial; each family reads one or two.
        inputs = {
            name: keras.Input(shape=(size,), sparse=True, name=name) if name in COUNTS else
            keras.Input(shape=(space.sequence_length,), dtype="int32", name=name)
            for name, size in self.vocabulary_sizes.items()
        }  # fmt: skip
        regularizer = keras.regularizers.L2(values["l2"]) if values["l2"] > 0 else None
        binary = self.num_classes == 2
        outputs_size = 1 if binary else self.num_classes
        context = Context(self.vocabulary_sizes, outputs_size, self.seed, {"log_ratios": self.log_ratios, "idf": self.idf})
        x = encoder.build(context, inputs, values)
        if encoder.linear:
            output_initializer = keras.initializers.Identity(gain=encoder.output_gain)
        else:
            x = keras.layers.Dropout(values["dropout"], seed=self.seed, name="dropout")(x)
            x = keras.layers.Dense(values["dense_units"], activation="relu", kernel_regularizer=regularizer, name="dense")(x)
            output_initializer = "glorot_uniform"
        outputs = keras.layers.Dense(
            outputs_size,
            activation="sigmoid" if binary else "softmax",
            kernel_initializer=output_initializer,
            kernel_regularizer=regularizer,
            name="probabilities",
        )(x)
        model = keras.Model(inputs, outputs, name=f"autosent_{encoder.name}")
        loss = keras.losses.BinaryCrossentropy if binary else keras.losses.SparseCategoricalCrossentropy
        # The loss again as a metric, per text: without the L2 penalty it compares trials fairly (objective.OBJECTIVE).
        cross_entropy = keras.metrics.MeanMetricWrapper(loss(reduction=None), name=CROSS_ENTROPY)
        metrics = ["accuracy", cross_entropy, *([MacroF1(self.num_classes)] if needs_macro_f1(self.class_counts) else [])]
        model.compile(optimizer=keras.optimizers.Adam(values["learning_rate"]), loss=loss(), metrics=metrics)
        return model

    def hyperparameters_for(self, values: dict[str, Any]) -> keras_tuner.HyperParameters:
        """The space with `values` set: a recorded trial's rebuild exactly that trial's model; any
        active hyperparameter `values` leaves out (say, all but `encoder`) takes its default."""
        hp = keras_tuner.HyperParameters()
        self.space.declare_all(hp)
        return keras_tuner_internals.with_values(hp, self.space.tuner_values(values))

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
        values = self.space.model_values(hp.values)
        batch_size = values["batch_size"]
        # A full-size buffer: the splits are stored class by class, a smaller one would not mix them.
        train = x.shuffle(int(x.cardinality()), seed=self.seed).batch(batch_size).prefetch(tf.data.AUTOTUNE)
        val = None if validation_data is None else validation_data.batch(512).prefetch(tf.data.AUTOTUNE)
        weights = balanced_class_weights(self.class_counts) if values.get("class_weight") == "balanced" else None
        build_before_fit(model, next(iter(x.batch(2))))
        return model.fit(train, *args, validation_data=val, shuffle=False, class_weight=weights, **kwargs)
