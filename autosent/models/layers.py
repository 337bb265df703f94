"""autosent's own Keras pieces: text standardisations and the character n-gram split, the n-gram encoders' layers,
training-time augmentation, macro-F1, and the exported model itself (`TextClassifier`).

The n-gram layers read a text's word or character n-gram counts, every n-gram of it however long.

Their input is a sparse (texts x n-gram vocabulary) matrix of counts, as
`TextVectorization(output_mode="count", sparse=True)` makes it: a text is never cut to a fixed
number of id slots, and a short text pays for its own n-grams only. The layers gather the
rows of their tables that a batch's n-grams name, so an update touches those rows alone.

They are registered Keras objects: a saved model that holds them loads once this module is
imported (`predict` does so), and the SavedModel export serves without autosent.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from autosent.models.outputs import class_probabilities, predicted_classes
from autosent.text import standardize

PACKAGE = "autosent"


@keras.saving.register_keras_serializable(package=PACKAGE)
def split_at_punctuation(texts: tf.Tensor) -> tf.Tensor:
    """`standardize.SPLIT` in TensorFlow, for `TextVectorization`, which then splits on whitespace."""
    texts = tf.strings.regex_replace(tf.strings.lower(texts), standardize.APOSTROPHE, "")
    return tf.strings.regex_replace(texts, standardize.BREAKS_PATTERN, " ")


@keras.saving.register_keras_serializable(package=PACKAGE)
def unicode_words(texts: tf.Tensor) -> tf.Tensor:
    """`standardize.UNICODE` in TensorFlow (RE2's Unicode classes), for `TextVectorization`, which then splits on whitespace."""
    texts = tf.strings.lower(texts, encoding="utf-8")
    for pattern, rewrite in standardize.UNICODE_STEPS:
        texts = tf.strings.regex_replace(texts, pattern, rewrite)
    return texts


@keras.saving.register_keras_serializable(package=PACKAGE)
class CharNgrams:
    """`standardize.char_ngrams` in TensorFlow: the `split` of the character text layer, whose `standardize` is None.

    Registered, with a config, so that an export holding it loads with `autosent.layers`
    imported, and made of TensorFlow string ops, so that its SavedModel serves without autosent.
    """

    def __init__(self, width: int):
        self.width = width

    def __call__(self, texts: tf.Tensor) -> tf.RaggedTensor:
        texts = tf.strings.regex_replace(tf.strings.lower(texts, encoding="utf-8"), standardize.CHAR_WORD_BREAKS, " ")
        padded = tf.ragged.map_flat_values(lambda words: " " + words + " ", tf.strings.split(texts))
        characters = tf.strings.unicode_split(padded, "UTF-8")  # (texts, words, characters)
        grams = tf.strings.ngrams(characters, ngram_width=tuple(range(1, self.width + 1)), separator="")
        return grams.merge_dims(1, 2)  # (texts, grams)

    def get_config(self) -> dict:
        return {"width": self.width}

    @classmethod
    def from_config(cls, config: dict) -> CharNgrams:
        return cls(**config)


@keras.saving.register_keras_serializable(package=PACKAGE, name="standardize")
def strip_punctuation_and_line_breaks(texts: tf.Tensor) -> tf.Tensor:
    """What the text layers of exports made before `standardize` was a space setting hold, so that they load.

    Keras' `lower_and_strip_punctuation`, with line-break characters turned into spaces first.
    No new run uses it; its registered name (`autosent>standardize`) is the one those exports name.
    """
    texts = tf.strings.regex_replace(tf.strings.lower(texts), "[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", " ")
    return tf.strings.regex_replace(texts, r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']', "")


def text_standardize(name: str) -> Any:
    """What `TextVectorization(standardize=...)` takes for the standardisation `name`."""
    return {standardize.STRIP: "lower_and_strip_punctuation", standardize.SPLIT: split_at_punctuation, standardize.UNICODE: unicode_words}[name]


#: The count of n-grams the vocabulary does not know, in every text's column 0.
OUT_OF_VOCABULARY = 0


def _known_counts(counts, dtype: str) -> tf.SparseTensor:
    """The counts of the n-grams the vocabulary knows, as a SparseTensor of `dtype`.

    Unknown n-grams are skipped, as fastText skips unknown words: they say nothing about a
    class, and a long text full of them would otherwise drown its telling phrases. (Keras
    hands a layer a dense tensor while it traces shapes, hence the conversion.)
    """
    if not isinstance(counts, tf.SparseTensor):
        counts = tf.sparse.from_dense(counts)
    counts = tf.sparse.retain(counts, counts.indices[:, 1] != OUT_OF_VOCABULARY)
    return tf.SparseTensor(counts.indices, tf.cast(counts.values, dtype), counts.dense_shape)


def _per_text(terms: tf.Tensor, counts: tf.SparseTensor) -> tf.Tensor:
    """Sum `terms` (one row per non-zero count) into one row per text of the batch."""
    return tf.math.unsorted_segment_sum(terms, counts.indices[:, 0], tf.cast(counts.dense_shape[0], "int32"))


class LinearScores(keras.layers.Layer):
    """A linear model's per-output text score: the sum over a text's n-grams of learnt weight x feature value.

    Subclasses say what an n-gram's value in its text is (`values`) and how the learnt weights
    are scaled (`scaled`), from its count and a frozen table counted on the training split
    (`TABLE`, set with `set_table` once built); this class owns the learnt weights, their L2
    penalty, dropout and the config. The table is a frozen
    weight, not an initializer, which would copy it into the model's config. Dropout drops
    whole n-grams of a text (all their occurrences), so no single phrase decides a review.
    """

    TABLE = ""  # the frozen table's weight name

    def __init__(self, vocabulary_size: int, outputs: int, initial_weight: float = 0.0, dropout: float = 0.0,
                 l2: float = 0.0, seed: int | None = None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.vocabulary_size, self.outputs, self.initial_weight = vocabulary_size, outputs, initial_weight
        self.dropout, self.l2, self.seed = dropout, l2, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def table_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def values(self, counts: tf.SparseTensor) -> tf.Tensor:
        """Each known n-gram's value in its text, one per non-zero count of the batch."""
        raise NotImplementedError

    def scaled(self, weights: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        """The learnt weights of n-grams `ids` (one row each), as the score multiplies them by the values."""
        return weights

    def build(self, input_shape) -> None:
        self.table = self.add_weight(shape=self.table_shape(), initializer="zeros", trainable=False, name=self.TABLE)
        self.ngram_weights = self.add_weight(
            shape=(self.vocabulary_size, self.outputs), initializer=keras.initializers.Constant(self.initial_weight),
            regularizer=keras.regularizers.L2(self.l2) if self.l2 > 0 else None, name="ngram_weights",
        )  # fmt: skip

    def set_table(self, table) -> None:
        self.table.assign(table)

    def call(self, counts, training=None):
        counts = _known_counts(counts, self.compute_dtype)
        values = self.values(counts)
        if training and self.dropout > 0:
            values = keras.random.dropout(values, self.dropout, seed=self.seed_generator)
        ids = counts.indices[:, 1]
        return _per_text(self.scaled(tf.gather(self.ngram_weights, ids), ids) * values[:, None], counts)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(), "vocabulary_size": self.vocabulary_size, "outputs": self.outputs,
            "initial_weight": self.initial_weight, "dropout": self.dropout, "l2": self.l2, "seed": self.seed,
        }  # fmt: skip


@keras.saving.register_keras_serializable(package=PACKAGE)
class NaiveBayesScores(LinearScores):
    """NBSVM: an n-gram's term is its count x learnt weight x its Naive Bayes log-count ratio for the output (`naive_bayes`)."""

    TABLE = "nb_ratios"

    def table_shape(self) -> tuple[int, ...]:
        return (self.vocabulary_size, self.outputs)

    @property
    def ratios(self):
        return self.table

    def values(self, counts: tf.SparseTensor) -> tf.Tensor:
        return counts.values

    def scaled(self, weights: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        return weights * tf.gather(self.table, ids)


@keras.saving.register_keras_serializable(package=PACKAGE)
class TfidfScores(LinearScores):
    """Logistic regression on tf-idf: an n-gram's term is its tf-idf x learnt weight.

    tf-idf as scikit-learn's `TfidfVectorizer(sublinear_tf=True)` makes it: (1 + ln count) x
    idf (`tfidf`), each text's row scaled to unit length.
    """

    TABLE = "idf"

    def table_shape(self) -> tuple[int, ...]:
        return (self.vocabulary_size,)

    def values(self, counts: tf.SparseTensor) -> tf.Tensor:
        values = (1.0 + tf.math.log(counts.values)) * tf.gather(self.table, counts.indices[:, 1])
        lengths = tf.maximum(tf.sqrt(_per_text(values * values, counts)), 1e-12)  # a text of no known n-gram: zeros
        return values / tf.gather(lengths, counts.indices[:, 0])


@keras.saving.register_keras_serializable(package=PACKAGE)
class MeanEmbedding(keras.layers.Layer):
    """fastText-style: the count-weighted mean of the embeddings of a text's n-grams."""

    def __init__(self, vocabulary_size: int, embedding_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size, self.embedding_dim = vocabulary_size, embedding_dim

    def build(self, input_shape) -> None:
        self.embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.embedding_dim), initializer="uniform", name="embeddings"
        )

    def call(self, counts):
        counts = _known_counts(counts, self.compute_dtype)
        sums = _per_text(tf.gather(self.embeddings, counts.indices[:, 1]) * counts.values[:, None], counts)
        totals = _per_text(counts.values, counts)
        return sums / tf.maximum(totals, 1.0)[:, None]  # a text with no known n-gram: zeros

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.embedding_dim)

    def get_config(self) -> dict:
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "embedding_dim": self.embedding_dim}


#: The word id TextVectorization gives a word it does not know ([UNK]); 0 is padding.
UNKNOWN_WORD = 1


class Augmentation(keras.layers.Layer):
    """A training-time change to a batch's inputs at `rate`; at inference (and in every export) the identity.

    Subclasses say what the change is (`augment`); this class owns when it applies.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        return self.augment(inputs) if training and self.rate > 0 else inputs

    def augment(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class WordDropout(Augmentation):
    """Augmentation: while training, each word of a text becomes unknown ([UNK]) with probability `rate`.

    The model learns not to hang on single words, as it would with texts it has never seen;
    padding stays padding. At inference (and in every export) the layer passes ids through.
    """

    def augment(self, ids):
        hit = keras.random.uniform(keras.ops.shape(ids), seed=self.seed_generator) < self.rate
        return keras.ops.where(hit & (ids > 0), keras.ops.cast(UNKNOWN_WORD, ids.dtype), ids)


@keras.saving.register_keras_serializable(package=PACKAGE)
class SpanMask(Augmentation):
    """Augmentation: while training, one run of `rate` x a text's words, at a random place, becomes unknown.

    Where word dropout scatters its holes, a span takes out a whole phrase ("not good at
    all"), so the model must also read the rest of the text. Inference passes ids through.
    """

    def augment(self, ids):
        lengths = keras.ops.sum(keras.ops.cast(ids > 0, "float32"), axis=1, keepdims=True)  # right-padded
        span = keras.ops.round(lengths * self.rate)
        start = keras.ops.floor(keras.random.uniform(keras.ops.shape(lengths), seed=self.seed_generator) * (lengths - span + 1))
        position = keras.ops.cast(keras.ops.arange(keras.ops.shape(ids)[1]), "float32")[None, :]
        inside = (position >= start) & (position < start + span) & (ids > 0)
        return keras.ops.where(inside, keras.ops.cast(UNKNOWN_WORD, ids.dtype), ids)


@keras.saving.register_keras_serializable(package=PACKAGE)
class NgramDropout(Augmentation):
    """Augmentation for `bag`: while training, each of a text's n-grams is dropped with probability `rate`."""

    def augment(self, counts):
        counts = _known_counts(counts, self.compute_dtype)
        kept = keras.random.uniform(keras.ops.shape(counts.values), seed=self.seed_generator) >= self.rate
        return tf.sparse.retain(counts, kept)  # the mean of what is left: no rescaling needed


@keras.saving.register_keras_serializable(package=PACKAGE)
class MacroF1(keras.metrics.F1Score):
    """Keras' macro-averaged F1 on autosent's outputs: class indices in, a sigmoid or softmax head out.

    Registered: an export keeps its trained model's compile settings, this metric among them.
    """

    def __init__(self, num_classes: int, name: str = "macro_f1", **kwargs):
        super().__init__(average="macro", threshold=None, name=name, **kwargs)
        self.num_classes = num_classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), self.num_classes)
        if y_pred.shape[-1] == 1:  # a sigmoid head: P(class 1)
            y_pred = keras.ops.concatenate([1 - y_pred, y_pred], axis=-1)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype}


def _text_batch(texts):
    """A list or tuple of strings, or a NumPy array of them, as the string tensor a text input reads; anything else as it is.

    Keras' `predict` takes a list for several inputs and has no NumPy string dtype (`<U5`), so
    it refuses both; a `tf.Tensor` of strings it reads already.
    """
    if isinstance(texts, (list, tuple)) and all(isinstance(t, (str, bytes)) for t in texts):
        return tf.constant(texts, dtype=tf.string, shape=(len(texts),))
    if isinstance(texts, np.ndarray) and texts.dtype.kind in "US":
        return tf.constant(texts.astype(object), dtype=tf.string)
    return texts


@keras.saving.register_keras_serializable(package=PACKAGE)
class TextClassifier(keras.Model):
    """An exported model: raw texts in, class probabilities out, and the names of its classes.

    A functional model, built as `TextClassifier(text_input, probabilities, label_names=[...])`.
    Its output is the trained head's: for two classes one column, P(label_names[1]); for more,
    one column per class in `label_names` order. A subclass, not a helper beside the model,
    because then `keras.saving.load_model` alone gives everything a user needs: the class
    names travel in the model's own config, and `predict` takes what Keras users pass (a list
    of strings, a NumPy array of them, a `tf.Tensor`), which a plain functional model refuses
    for the first two. `predict_labels` names each text's class.

    `export` writes a SavedModel whose default signature (`serving_default`, also callable
    as `classify`) returns named outputs, `probabilities` (one column per class) and `label`
    (the class name), so a server needs neither autosent nor metadata.json to read it; its
    `serve` returns the model's own output, as exports before this class did.
    """

    def __init__(self, *args, label_names: list[str] | tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.label_names = list(label_names)

    def get_config(self) -> dict:
        return {**super().get_config(), "label_names": self.label_names}

    def predict(self, x, *args, **kwargs):
        return super().predict(_text_batch(x), *args, **kwargs)

    def predict_labels(self, texts, batch_size: int | None = None) -> list[str]:
        """Each text's class name (ties as `outputs.predicted_classes`: exactly 0.5 is label_names[1])."""
        probabilities = class_probabilities(self.predict(texts, batch_size=batch_size, verbose=0))
        return [self.label_names[k] for k in predicted_classes(probabilities)]

    def classify(self, texts: tf.Tensor) -> dict[str, tf.Tensor]:
        """The SavedModel's default signature in TensorFlow ops: every class's probability, and the label."""
        probabilities = self(texts, training=False)
        if probabilities.shape[-1] == 1:  # a sigmoid head: P(label_names[1])
            probabilities = tf.concat([1.0 - probabilities, probabilities], axis=1)
            chosen = tf.cast(probabilities[:, 1] >= 0.5, tf.int32)  # the tie rule of outputs.predicted_classes
        else:
            chosen = tf.argmax(probabilities, axis=1, output_type=tf.int32)
        return {"probabilities": probabilities, "label": tf.gather(tf.constant(self.label_names), chosen)}

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Keras' export, with `classify` as the SavedModel's default signature and `serve` beside it."""
        if format != "tf_saved_model" or input_signature is not None:
            return super().export(filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)
        texts = [tf.TensorSpec(shape=(None,), dtype=tf.string, name=self.inputs[0].name)]
        archive = keras.export.ExportArchive()
        archive.track(self)
        archive.add_endpoint("classify", self.classify, texts)  # the first endpoint is also `serving_default`
        archive.add_endpoint("serve", self.__call__, texts)
        archive.write_out(filepath, verbose=bool(verbose))
