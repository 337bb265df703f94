"""Text to integer tensors, once per run.

The `TextVectorization` layer is adapted on the training split only (val and test must
not leak into the vocabulary), its vocabulary is saved in the run folder, and the integer
arrays it produces are shared by every trial: no trial re-tokenises. A resumed run
rebuilds the layer from the saved vocabulary instead of adapting again, so it sees the
same token ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autosent import atomic
from autosent.data import Dataset, Split

VOCABULARY_FILE = "vocabulary.txt"


@dataclass(frozen=True)
class Vectorized:
    """Integer token ids (right-padded with 0) and class indices for each split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    vocabulary_size: int


def make_vectorizer(max_tokens: int, sequence_length: int, vocabulary: list[str] | None = None):
    """The one definition of the text layer, shared by search and export."""
    import keras

    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        output_mode="int",
        output_sequence_length=sequence_length,
        vocabulary=vocabulary,
    )


def load_vocabulary(run_dir: Path) -> list[str] | None:
    path = run_dir / VOCABULARY_FILE
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def fitted_vectorizer(train_texts: list[str], max_tokens: int, sequence_length: int, run_dir: Path):
    """The run's vectorizer: from the saved vocabulary, or adapted on train and saved."""
    import tensorflow as tf

    vocabulary = load_vocabulary(run_dir)
    layer = make_vectorizer(max_tokens, sequence_length, vocabulary)
    if vocabulary is None:
        layer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(2048))
        tokens = layer.get_vocabulary(include_special_tokens=False)
        atomic.write_text(run_dir / VOCABULARY_FILE, "".join(f"{t}\n" for t in tokens))
    return layer


def _ids(layer, split: Split, advance: Callable[[int], None]) -> np.ndarray:
    import tensorflow as tf

    chunks = []
    for batch in tf.data.Dataset.from_tensor_slices(split.texts).batch(2048).map(layer):
        chunks.append(batch.numpy().astype(np.int32))
        advance(len(chunks[-1]))
    return np.concatenate(chunks)


def vectorize(dataset: Dataset, layer, progress: Callable[[int, int], None] | None = None) -> Vectorized:
    """Tokenise all three splits with the run's vectorizer (see `fitted_vectorizer`).

    `progress(done, total)` is called after each batch of texts: on the full data set
    this takes long enough to deserve a progress bar.
    """
    total, done = sum(dataset.sizes().values()), 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    return Vectorized(
        _ids(layer, dataset.train, advance), dataset.train.labels,
        _ids(layer, dataset.val, advance), dataset.val.labels,
        _ids(layer, dataset.test, advance), dataset.test.labels,
        vocabulary_size=layer.vocabulary_size(),
    )  # fmt: skip
