"""The nbsvm encoder's Naive Bayes ratios, against counts worked out by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from autosent.text.naive_bayes import log_count_ratios


def _counts(dense: list[list[int]]) -> tf.SparseTensor:
    """A count matrix as the vectorizer makes it: sparse, one row per text."""
    return tf.sparse.from_dense(tf.constant(dense, dtype=tf.float32))


# Id 0 counts out-of-vocabulary n-grams (none here). Class 1's text has id 2 twice and id 3
# once; class 0's has ids 3 and 4.
COUNTS = [[0, 0, 2, 1, 0], [0, 0, 0, 1, 1]]
LABELS = np.array([1, 0])


def test_binary_ratios_are_the_smoothed_log_ratio_of_class_1_to_class_0():
    ratios = log_count_ratios(_counts(COUNTS), LABELS, num_classes=2, alpha=1.0)
    assert ratios.shape == (5, 1) and ratios.dtype == np.float32
    # Smoothed counts of ids 0-4: class 1 [1, 1, 3, 2, 1] (sum 8), class 0 [1, 1, 1, 2, 2] (sum 7).
    expected = [math.log(1 / 8 * 7), math.log(1 / 8 * 7), math.log(3 / 8 * 7), math.log(2 / 8 * 7 / 2), math.log(1 / 8 * 7 / 2)]
    np.testing.assert_allclose(ratios[:, 0], expected, rtol=1e-6)


def test_an_ngram_counts_as_often_as_it_occurs_in_a_text():
    twice = log_count_ratios(_counts([[0, 0, 2, 0, 0], [0, 0, 0, 1, 1]]), LABELS, 2)
    two_texts = log_count_ratios(_counts([[0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 1]]), np.array([1, 1, 0]), 2)
    np.testing.assert_allclose(twice, two_texts, rtol=1e-6)


def test_each_class_gets_its_own_column_against_all_the_others():
    counts = _counts([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1]])
    ratios = log_count_ratios(counts, np.array([0, 1, 2, 2]), num_classes=3)
    assert ratios.shape == (4, 3)
    # Each id is most typical of the class that uses it, and atypical of the others.
    assert [int(np.argmax(ratios[i])) for i in (1, 2, 3)] == [0, 1, 2]
    # Class 0 against classes 1 and 2, smoothed counts of ids 0-3: [1, 2, 1, 1] (sum 5) and [1, 1, 2, 3] (sum 7).
    assert ratios[1, 0] == pytest.approx(math.log(2 / 5 * 7))
