"""The tfidf encoder's features, against tf-idf worked out by hand as scikit-learn defines it."""

import math

import numpy as np
import tensorflow as tf

from autosent.models.layers import TfidfScores
from autosent.text.tfidf import inverse_document_frequencies

# Id 0 counts out-of-vocabulary n-grams, which the model skips. Three texts.
COUNTS = [[5, 2, 1, 0], [0, 0, 1, 3], [1, 1, 0, 0]]


def test_idf_is_scikit_learns_smoothed_idf():
    idf = inverse_document_frequencies(tf.sparse.from_dense(tf.constant(COUNTS, dtype=tf.float32)))
    # ln((1 + texts) / (1 + texts holding it)) + 1, texts = 3
    np.testing.assert_allclose(idf, [math.log(4 / 3) + 1, math.log(4 / 3) + 1, math.log(4 / 3) + 1, math.log(4 / 2) + 1], rtol=1e-6)


def test_the_layer_reads_each_text_as_its_unit_length_sublinear_tfidf_row():
    counts = tf.sparse.from_dense(tf.constant(COUNTS, dtype=tf.float32))
    idf = inverse_document_frequencies(counts)
    layer = TfidfScores(vocabulary_size=4, outputs=4)
    layer.build((None, 4))
    layer.set_table(idf)
    layer.ngram_weights.assign(np.eye(4))  # each output reads one n-gram's feature
    rows = layer(counts).numpy()
    for row, text in zip(rows, COUNTS):
        tfidf = np.array([(1 + math.log(c)) * w if c and i else 0.0 for i, (c, w) in enumerate(zip(text, idf))])
        np.testing.assert_allclose(row, tfidf / np.linalg.norm(tfidf), rtol=1e-5)
    assert rows[0, 0] == 0  # the unknown n-grams say nothing
