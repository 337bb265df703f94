"""Inverse document frequencies of n-grams: the fixed feature scaling of the `tfidf` encoder.

The `tfidf` encoder is logistic regression on tf-idf features, the linear baseline that
scikit-learn users reach for first (`TfidfVectorizer(sublinear_tf=True)` + `LogisticRegression`),
inside the search space so that a search can always find at least it. The idf weights are
counted on the training split only, like the vocabularies, and ship inside the exported
model as frozen weights; the rest of tf-idf is computed in the model (`layers.TfidfScores`).
"""

from __future__ import annotations

import numpy as np


def inverse_document_frequencies(counts) -> np.ndarray:
    """Per n-gram id, scikit-learn's smoothed idf: ln((1 + texts) / (1 + texts holding it)) + 1.

    `counts` is the texts' (texts x vocabulary) count matrix, a tf.SparseTensor as the
    vectorizer makes it, with one entry per (text, n-gram). Returns float32 of shape (vocabulary,).
    """
    texts, vocabulary_size = (int(n) for n in counts.dense_shape)
    ids = np.asarray(counts.indices)[:, 1]
    holding = np.bincount(ids, minlength=vocabulary_size)
    return (np.log((1 + texts) / (1 + holding)) + 1).astype(np.float32)
