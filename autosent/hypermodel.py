"""The sentiment hypermodel: Embedding -> encoder -> dropout -> dense head with L2.

Which encoder, how wide, how regularised: all come from the search space, so the same
class builds the seed notebook's model (`autosent/search_spaces/seed.toml`) and every candidate.
The linear encoders (`nbsvm`, `char_nbsvm`, `tfidf`) have no hidden layer: their text score
goes straight to the output.
GRUs stay on the cuDNN-eligible path (tanh/sigmoid, no recurrent dropout, right padding
with a mask) so the same code is fast on a GPU.
"""

from __future__ import annotations

from typing import Any

import keras
import keras_tuner
import numpy as np
import tensorflow as tf

from autosent import keras_tuner_internals
from autosent.keras_internals import build_before_fit
from autosent.layers import MacroF1, MeanEmbedding, NaiveBayesScores, NgramDropout, SpanMask, TfidfScores, WordDropout
from autosent.metrics import needs_macro_f1
from autosent.naive_bayes import log_count_ratios
from autosent.records import CROSS_ENTROPY, OBJECTIVE
from autosent.space import LINEAR_ENCODERS, SearchSpace
from autosent.tfidf import inverse_document_frequencies
from autosent.vectorize import CHARS, COUNTS, NGRAMS, WORDS, Vectorized

#: The count inputs each linear encoder reads.
LINEAR_INPUTS = {"nbsvm": (NGRAMS,), "char_nbsvm": (CHARS,), "tfidf": (NGRAMS, CHARS)}


def reads(encoder: str) -> tuple[str, ...]:
    """The named inputs (`vectorize`) a model of `encoder` reads; it takes all the run's, and ignores the others."""
    return LINEAR_INPUTS.get(encoder, (NGRAMS,) if encoder == "bag" else (WORDS,))

#: The NBSVM encoders (`nbsvm`, `char_nbsvm`) start as Naive Bayes: every n-gram weighs NBSVM_INITIAL_WEIGHT, and
#: the output reads NBSVM_OUTPUT_GAIN x each class's score. A small gain lets it learn slower
#: and further before it overfits (measured on IMDB: issue 5's note); a random output kernel
#: can start the model backwards.
NBSVM_INITIAL_WEIGHT = 0.1
NBSVM_OUTPUT_GAIN = 0.1


def early_stopping(patience: int) -> keras.callbacks.EarlyStopping:
    """The one stopping rule of search and export: val cross-entropy (records.OBJECTIVE), best weights kept."""
    return keras.callbacks.EarlyStopping(monitor=OBJECTIVE, mode="min", patience=patience, restore_best_weights=True)


def balanced_class_weights(counts: np.ndarray) -> dict[int, float]:
    """Each class's loss weight, n / (classes x its count): every class then weighs as much in total."""
    counts = np.asarray(counts, dtype=np.float64)
    return {k: float(counts.sum() / (len(counts) * c)) if c else 0.0 for k, c in enumerate(counts)}


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
            wanted = {NGRAMS: space.uses_nbsvm, CHARS: "char_nbsvm" in space.encoders}
            ratios = {name: log_count_ratios(data.x_train[name], data.y_train, num_classes) for name, used in wanted.items() if used}
            if "tfidf" in space.encoders:
                idf = {name: inverse_document_frequencies(data.x_train[name]) for name in COUNTS}
            counts = np.bincount(data.y_train, minlength=num_classes)
        return cls(space, tokenizer.vocabulary_sizes, num_classes, seed, ratios, idf, counts)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        space = self.space
        values = space.declare_all(hp)  # None for what this trial's encoder does not read
        encoder, embedding_dim, units = values["encoder"], values["embedding_dim"], values["units"]
        kernel_size, pooling, dense_units = values["kernel_size"], values["pooling"], values["dense_units"]
        dropout, l2, learning_rate = values["dropout"], values["l2"], values["learning_rate"]
        word_dropout, span_mask = values["word_dropout"], values["span_mask"]

        # Every model of a run takes the run's inputs (vectorize.WORDS, NGRAMS, CHARS: those its
        # tokenizer makes), so one dataset feeds every trial; each encoder reads one or two.
        inputs = {
            name: keras.Input(shape=(size,), sparse=True, name=name) if name in COUNTS else
            keras.Input(shape=(space.sequence_length,), dtype="int32", name=name)
            for name, size in self.vocabulary_sizes.items()
        }  # fmt: skip
        words, ngrams = inputs[WORDS], inputs.get(NGRAMS)
        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        binary = self.num_classes == 2
        outputs_size = 1 if binary else self.num_classes
        if encoder in LINEAR_ENCODERS:
            x = self._linear_scores(encoder, inputs, outputs_size, dropout, l2)
            # tfidf starts at zero weights, not as a classifier to hold back: its output reads its score as it is
            output_initializer = keras.initializers.Identity(gain=NBSVM_OUTPUT_GAIN if encoder != "tfidf" else 1.0)
        else:
            words, ngrams = self._augmented(encoder, words, ngrams, word_dropout, span_mask)
            x = self._encoded(encoder, words, ngrams, embedding_dim, units, kernel_size, pooling)
            x = keras.layers.Dropout(dropout, seed=self.seed, name="dropout")(x)
            x = keras.layers.Dense(dense_units, activation="relu", kernel_regularizer=regularizer, name="dense")(x)
            output_initializer = "glorot_uniform"
        outputs = keras.layers.Dense(
            outputs_size,
            activation="sigmoid" if binary else "softmax",
            kernel_initializer=output_initializer,
            kernel_regularizer=regularizer,
            name="probabilities",
        )(x)
        model = keras.Model(inputs, outputs, name=f"autosent_{encoder}")
        loss = keras.losses.BinaryCrossentropy if binary else keras.losses.SparseCategoricalCrossentropy
        # The loss again as a metric, per text: without the L2 penalty it compares trials fairly (records.OBJECTIVE).
        cross_entropy = keras.metrics.MeanMetricWrapper(loss(reduction=None), name=CROSS_ENTROPY)
        metrics = ["accuracy", cross_entropy, *([MacroF1(self.num_classes)] if needs_macro_f1(self.class_counts) else [])]
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss(), metrics=metrics)
        return model

    def _augmented(self, encoder: str, words, ngrams, word_dropout: float | None, span_mask: float | None):
        """The inputs as a training step sees them: the augmentation layers the trial's rates ask for.

        They act only while training, so the exported model reads every text as it is.
        """
        if encoder == "bag":
            return words, NgramDropout(word_dropout, self.seed, name="ngram_dropout")(ngrams) if word_dropout else ngrams
        if word_dropout:
            words = WordDropout(word_dropout, self.seed, name="word_dropout")(words)
        if span_mask:
            words = SpanMask(span_mask, self.seed, name="span_mask")(words)
        return words, ngrams

    def _encoded(self, encoder: str, words, ngrams, embedding_dim: int, units, kernel_size, pooling):
        """One vector per text from the embedded words (or, for `bag`, all its n-grams)."""
        if encoder == "bag":
            return MeanEmbedding(self.vocabulary_sizes[NGRAMS], embedding_dim, name="bag")(ngrams)
        x = keras.layers.Embedding(self.vocabulary_sizes[WORDS], embedding_dim, mask_zero=encoder != "conv1d", name="embedding")(words)
        if encoder == "conv1d":
            x = keras.layers.Conv1D(units, kernel_size, activation="relu", name="conv1d")(x)
            pool = keras.layers.GlobalMaxPooling1D if pooling == "max" else keras.layers.GlobalAveragePooling1D
            return pool(name="pooling")(x)
        gru = keras.layers.GRU(units, name="gru")
        return keras.layers.Bidirectional(gru, name="bigru")(x) if encoder == "bigru" else gru(x)

    def _linear_scores(self, encoder: str, inputs: dict, outputs_size: int, dropout: float, l2: float):
        """A linear encoder's per-output text score, from the count inputs it reads (`LINEAR_INPUTS`).

        `nbsvm` and `char_nbsvm`: NBSVM (`layers.NaiveBayesScores`) on word or character n-grams.
        `tfidf`: logistic regression on the tf-idf of both (`layers.TfidfScores`), their scores added.
        """
        scores = []
        for name in LINEAR_INPUTS[encoder]:
            if encoder == "tfidf":
                layer = TfidfScores(self.vocabulary_sizes[name], outputs_size, 0.0, dropout, l2, self.seed, name=f"tfidf_{name}")
                tables = self.idf
            else:
                layer = NaiveBayesScores(self.vocabulary_sizes[name], outputs_size, NBSVM_INITIAL_WEIGHT, dropout, l2, self.seed, name=encoder)
                tables = self.log_ratios
            scores.append(layer(inputs[name]))
            if name in tables:
                layer.set_table(tables[name])
        return scores[0] if len(scores) == 1 else keras.layers.Add(name=encoder)(scores)

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
