"""Text to integer tensors, once per run.

The `TextVectorization` layers are adapted on the training split only (val and test must
not leak into the vocabulary), their vocabularies are saved in the run folder, and the
integer arrays they produce are shared by every trial: no trial re-tokenises. A resumed run
rebuilds the layers from the saved vocabularies instead of adapting again, so it sees the
same token ids.

Every model of a run takes the same named inputs: `words`, a text's first `sequence_length`
word ids in order, and, when the space can pick an n-gram encoder, `ngrams`, the counts of
all its word uni- to n-grams (a sparse row as wide as the n-gram vocabulary: no text is cut).
Each encoder reads one of them (see `hypermodel`).
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

#: The models' input names.
WORDS = "words"
NGRAMS = "ngrams"

#: A split's named model inputs: WORDS an int32 array (right-padded with 0), NGRAMS a tf.SparseTensor.
Inputs = dict[str, Any]


def take_rows(inputs: Inputs, n: int) -> Inputs:
    """The first `n` texts' inputs."""
    import tensorflow as tf

    return {name: tf.sparse.slice(x, [0, 0], [n, x.dense_shape[1]]) if name == NGRAMS else x[:n] for name, x in inputs.items()}


def concat_rows(first: Inputs, second: Inputs) -> Inputs:
    """The texts of `first`, then those of `second`."""
    import tensorflow as tf

    return {
        name: tf.sparse.concat(0, [x, second[name]]) if name == NGRAMS else np.concatenate([x, second[name]])
        for name, x in first.items()
    }


@dataclass(frozen=True)
class Vectorized:
    """Each split's named model inputs and class indices."""

    x_train: Inputs
    y_train: np.ndarray
    x_val: Inputs
    y_val: np.ndarray
    x_test: Inputs
    y_test: np.ndarray


def make_vectorizer(
    standardize: str, max_tokens: int, sequence_length: int | None, vocabulary: list[str] | None = None, ngrams: int | None = None
):
    """The one definition of a text layer, shared by search and export; `vocabulary` its tokens, if known.

    With `ngrams`, the layer counts every word uni- to n-gram of a text (sparse); without,
    it gives the first `sequence_length` word ids. `standardize` names how a text becomes
    words (`autosent.standardize`).
    """
    import keras

    from autosent.layers import text_standardize

    how = text_standardize(standardize)
    if ngrams is not None:
        return keras.layers.TextVectorization(
            max_tokens=max_tokens, standardize=how, output_mode="count", vocabulary=vocabulary, ngrams=ngrams, sparse=True
        )
    return keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=how, output_mode="int", output_sequence_length=sequence_length, vocabulary=vocabulary
    )


def _fitted(
    train_texts: list[str], path: Path, standardize: str, max_tokens: int, sequence_length: int | None, ngrams: int | None = None
):
    """A text layer with the vocabulary saved at `path` (one token a line), adapted on train first if there is none.

    The layer is given its tokens as a list, which Keras saves in the model's config: given a
    file, it would save the vocabulary as a text asset and read it back with splitlines(),
    which also breaks lines at U+0085 and the like, tokens IMDB's reviews hold, and the saved
    model would not load.
    """
    import tensorflow as tf

    if not path.exists():
        layer = make_vectorizer(standardize, max_tokens, sequence_length, None, ngrams)
        layer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(2048))
        atomic.write_text(path, "".join(f"{t}\n" for t in layer.get_vocabulary(include_special_tokens=False)))
    tokens = path.read_bytes().decode("utf-8").split("\n")[:-1]  # split at \n alone, as written
    return make_vectorizer(standardize, max_tokens, sequence_length, tokens, ngrams)


@dataclass(frozen=True)
class Tokenizer:
    """The run's text layers: words in order, and word n-grams when the space can pick an n-gram encoder.

    Calling it turns a batch of strings into the models' named inputs, in a tf.data
    pipeline and inside the exported end-to-end model alike.
    """

    words: Any
    ngrams: Any | None = None

    @property
    def vocabulary_sizes(self) -> tuple[int, int]:
        return self.words.vocabulary_size(), self.ngrams.vocabulary_size() if self.ngrams is not None else 0

    def __call__(self, texts) -> dict[str, Any]:
        if self.ngrams is None:
            return {WORDS: self.words(texts)}
        return {WORDS: self.words(texts), NGRAMS: self.ngrams(texts)}


def fitted_tokenizer(train_texts: list[str], space: SearchSpace, run_dir: Path) -> Tokenizer:
    """The run's tokenizer, adapted on the training split once and reloaded on resume and export."""
    words = _fitted(train_texts, run_dir / VOCABULARY_FILE, space.standardize, space.max_tokens, space.sequence_length)
    if not space.uses_ngrams:
        return Tokenizer(words)
    ngrams, max_tokens = space.ngram_settings
    return Tokenizer(words, _fitted(train_texts, run_dir / NGRAM_VOCABULARY_FILE, space.standardize, max_tokens, None, ngrams))


def _ids(tokenizer: Tokenizer, split: Split, advance: Callable[[int], None]) -> Inputs:
    import tensorflow as tf

    chunks: dict[str, list[Any]] = {}
    for batch in tf.data.Dataset.from_tensor_slices(split.texts).batch(2048).map(tokenizer):
        chunks.setdefault(WORDS, []).append(batch[WORDS].numpy().astype(np.int32))
        if NGRAMS in batch:
            counts = batch[NGRAMS]
            chunks.setdefault(NGRAMS, []).append(tf.SparseTensor(counts.indices, tf.cast(counts.values, "float32"), counts.dense_shape))
        advance(len(chunks[WORDS][-1]))
    return {
        name: tf.sparse.concat(0, parts) if name == NGRAMS else np.concatenate(parts) for name, parts in chunks.items()
    }


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
