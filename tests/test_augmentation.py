"""Augmentation acts on training batches only: an exported model reads every text as it is."""

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from test_hypermodel import SIZES, VOCABULARY, _counts, _inputs

from autosent.models.hypermodel import SentimentHyperModel
from autosent.models.layers import UNKNOWN_WORD, NgramDropout, SpanMask, WordDropout
from autosent.search.space import load_space
from autosent.text.inputs import WORDS

IDS = np.array([[5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0]] * 64, dtype="int32")  # 8 words, right-padded


def test_word_dropout_makes_words_unknown_while_training_only():
    layer = WordDropout(0.5, seed=1)
    trained = np.asarray(layer(IDS, training=True))
    changed = trained != IDS
    assert (trained[changed] == UNKNOWN_WORD).all() and not changed[:, 8:].any()  # padding stays padding
    assert 0.4 < changed[:, :8].mean() < 0.6
    np.testing.assert_array_equal(np.asarray(layer(IDS, training=False)), IDS)


def test_span_mask_hides_one_run_of_words_while_training_only():
    layer = SpanMask(0.25, seed=2)
    trained = np.asarray(layer(IDS, training=True))
    for row in trained != IDS:
        hidden = np.flatnonzero(row)
        assert len(hidden) == 2 and hidden[1] == hidden[0] + 1 and hidden[1] < 8  # 25 % of 8 words, together
    assert len({tuple(np.flatnonzero(row)) for row in trained != IDS}) > 1  # at random places
    np.testing.assert_array_equal(np.asarray(layer(IDS, training=False)), IDS)


def test_ngram_dropout_drops_ngrams_while_training_only():
    counts = _counts(np.ones((64, VOCABULARY)))
    layer = NgramDropout(0.5, seed=3)
    kept = len(layer(counts, training=True).values) / (64 * (VOCABULARY - 1))  # column 0, unknown n-grams, goes
    assert 0.4 < kept < 0.6
    assert layer(counts, training=False) is counts


@pytest.mark.parametrize("encoder", ["conv1d", "gru", "bag"])
def test_an_augmented_model_predicts_exactly_as_the_same_weights_without_augmentation(tiny_space, encoder):
    space = load_space(str(tiny_space))
    hypermodel = SentimentHyperModel(space, SIZES, 2)
    models = {}
    for rates in ((0.0, 0.0), (0.3, 0.2)):
        hp = keras_tuner.HyperParameters()
        hp.Fixed("encoder", encoder)
        hp.Fixed("word_dropout", rates[0])
        hp.Fixed("span_mask", rates[1])
        models[rates] = hypermodel.build(hp)
    plain, augmented = models[(0.0, 0.0)], models[(0.3, 0.2)]
    assert len(augmented.layers) > len(plain.layers)  # the augmentation layers are there...
    augmented.set_weights(plain.get_weights())  # ...and hold no weights
    x = _inputs(space, np.random.default_rng(5), 8)
    np.testing.assert_allclose(augmented.predict(x, verbose=0), plain.predict(x, verbose=0), rtol=1e-6)
    tensors = {**x, WORDS: tf.constant(x[WORDS])}
    assert not np.allclose(augmented(tensors, training=True), plain(tensors, training=True))  # training batches differ
