"""Text to integer tensors, once per run.

The `TextVectorization` layer is adapted on the training split only (val and test must
not leak into the vocabulary), its vocabulary is saved in the run folder, and the integer
arrays it produces are shared by every trial: no trial re-tokenises. A resumed run
rebuilds the layer from the saved vocabulary instead of adapting again, so it sees the
same token ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autosent import atomic
from autosent.data import Dataset, Split
from autosent.rundir import NGRAM_VOCABULARY_FILE, VOCABULARY_FILE
from autosent.space import SearchSpace


@dataclass(frozen=True)
class Vectorized:
    """Integer token ids (right-padded with 0) and class indices for each split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def make_vectorizer(max_tokens: int, sequence_length: int, vocabulary: list[str] | None = None, ngrams: int | None = None):
    """The one definition of a text layer, shared by search and export."""
    import keras

    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        output_mode="int",
        output_sequence_length=sequence_length,
        vocabulary=vocabulary,
        ngrams=ngrams,
    )


def load_vocabulary(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def _fitted(train_texts: list[str], path: Path, max_tokens: int, sequence_length: int, ngrams: int | None = None):
    """A text layer from its saved vocabulary, or adapted on train and saved to `path`."""
    import tensorflow as tf

    vocabulary = load_vocabulary(path)
    layer = make_vectorizer(max_tokens, sequence_length, vocabulary, ngrams)
    if vocabulary is None:
        layer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(2048))
        tokens = layer.get_vocabulary(include_special_tokens=False)
        atomic.write_text(path, "".join(f"{t}\n" for t in tokens))
    return layer


@dataclass(frozen=True)
class Tokenizer:
    """The run's text layers: words in order, and word n-grams when the space can pick an n-gram encoder.

    Calling it turns strings into one row of ids per text, the words then the n-grams, in
    a tf.data pipeline and inside the exported end-to-end model alike.
    """

    words: Any
    ngrams: Any | None = None

    @property
    def vocabulary_sizes(self) -> tuple[int, int]:
        return self.words.vocabulary_size(), self.ngrams.vocabulary_size() if self.ngrams is not None else 0

    def __call__(self, texts):
        import keras

        if self.ngrams is None:
            return self.words(texts)
        return keras.ops.concatenate([self.words(texts), self.ngrams(texts)], axis=1)


def fitted_tokenizer(train_texts: list[str], space: SearchSpace, run_dir: Path) -> Tokenizer:
    """The run's tokenizer, adapted on the training split once and reloaded on resume and export."""
    words = _fitted(train_texts, run_dir / VOCABULARY_FILE, space.max_tokens, space.sequence_length)
    if not space.uses_ngrams:
        return Tokenizer(words)
    ngrams, max_tokens, sequence_length = space.ngram_settings
    return Tokenizer(words, _fitted(train_texts, run_dir / NGRAM_VOCABULARY_FILE, max_tokens, sequence_length, ngrams))


def _ids(tokenizer: Tokenizer, split: Split, advance: Callable[[int], None]) -> np.ndarray:
    import tensorflow as tf

    chunks = []
    for batch in tf.data.Dataset.from_tensor_slices(split.texts).batch(2048).map(tokenizer):
        chunks.append(batch.numpy().astype(np.int32))
        advance(len(chunks[-1]))
    return np.concatenate(chunks)


def vectorize(dataset: Dataset, tokenizer: Tokenizer, progress: Callable[[int, int], None] | None = None) -> Vectorized:
    """Tokenise all three splits with the run's tokenizer (see `fitted_tokenizer`).

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
        _ids(tokenizer, dataset.train, advance), dataset.train.labels,
        _ids(tokenizer, dataset.val, advance), dataset.val.labels,
        _ids(tokenizer, dataset.test, advance), dataset.test.labels,
    )  # fmt: skip
