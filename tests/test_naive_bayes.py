"""The nbsvm encoder's Naive Bayes ratios, against counts worked out by hand."""

import math

import numpy as np
import pytest

from autosent.naive_bayes import log_count_ratios

# Ids 1-4 are n-grams, 0 is padding. Class 1 has id 2 twice and id 3 once; class 0 has ids 3 and 4.
IDS = np.array([[2, 2, 3, 0], [3, 4, 0, 0]])
LABELS = np.array([1, 0])


def test_binary_ratios_are_the_smoothed_log_ratio_of_class_1_to_class_0():
    ratios = log_count_ratios(IDS, LABELS, vocabulary_size=5, num_classes=2, alpha=1.0)
    assert ratios.shape == (5, 1) and ratios.dtype == np.float32
    # Smoothed counts of ids 1-4: class 1 [1, 3, 2, 1] (sum 7), class 0 [1, 1, 2, 2] (sum 6).
    expected = [0.0, math.log(1 / 7 * 6), math.log(3 / 7 * 6), math.log(2 / 7 * 3), math.log(1 / 7 * 3)]
    np.testing.assert_allclose(ratios[:, 0], expected, rtol=1e-6)


def test_padding_scores_nothing_however_much_of_it_there_is():
    padded = np.hstack([IDS, np.zeros((2, 50), dtype=IDS.dtype)])
    np.testing.assert_allclose(
        log_count_ratios(padded, LABELS, 5, 2), log_count_ratios(IDS, LABELS, 5, 2)
    )
    assert log_count_ratios(padded, LABELS, 5, 2)[0, 0] == 0.0


def test_each_class_gets_its_own_column_against_all_the_others():
    ids = np.array([[1, 0], [2, 0], [3, 0], [3, 0]])
    ratios = log_count_ratios(ids, np.array([0, 1, 2, 2]), vocabulary_size=4, num_classes=3)
    assert ratios.shape == (4, 3)
    # Each id is most typical of the class that uses it, and atypical of the others.
    assert [int(np.argmax(ratios[i])) for i in (1, 2, 3)] == [0, 1, 2]
    # Class 0 against classes 1 and 2, smoothed counts of ids 1-3: [2, 1, 1] (sum 4) and [1, 2, 3] (sum 6).
    assert ratios[1, 0] == pytest.approx(math.log(2 / 4 * 6))
