"""Text to integer tensors, once per run.

The `TextVectorization` layers are adapted on the training split only (val and test must
not leak into the vocabulary), their vocabularies are saved in the run folder, and the
integer arrays they produce are shared by every trial: no trial re-tokenises. A resumed run
rebuilds the layers from the saved vocabularies instead of adapting again, so it sees the
same token ids.

Every model of a run takes the same named inputs: `words`, a text's first `sequence_length`
word ids in order; when the space can pick a word n-gram encoder, `ngrams`, the counts of
all its word uni- to n-grams (a sparse row as wide as the n-gram vocabulary: no text is cut);
and when it can pick a character encoder, `chars`, the counts of the character n-grams
inside its words (as sparse). Each encoder family reads one or two of them (`autosent.models.encoders`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autosent.data import Dataset, Split
from autosent.runs import atomic
from autosent.runs.rundir import CHAR_VOCABULARY_FILE, NGRAM_VOCABULARY_FILE, VOCABULARY_FILE
from autosent.search.space import SearchSpace
from autosent.text.inputs import CHARS, COUNTS, NGRAMS, WORDS
from autosent.text.sizes import RESERVED, char_counts

#: A split's named model inputs: WORDS an int32 array (right-padded with 0), each of COUNTS a tf.SparseTensor.
Inputs = dict[str, Any]


def take_rows(inputs: Inputs, n: int) -> Inputs:
    """The first `n` texts' inputs."""
    import tensorflow as tf

    return {name: tf.sparse.slice(x, [0, 0], [n, x.dense_shape[1]]) if name in COUNTS else x[:n] for name, x in inputs.items()}


def concat_rows(first: Inputs, second: Inputs) -> Inputs:
    """The texts of `first`, then those of `second`."""
    import tensorflow as tf

    return {
        name: tf.sparse.concat(0, [x, second[name]]) if name in COUNTS else np.concatenate([x, second[name]])
        for name, x in first.items()
    }


@dataclass(frozen=True)
class Vectorized:
    """The training and validation splits' named model inputs and class indices.

    The test split has none: nothing a search or an export trains or chooses on may read it, and
    export tests the end-to-end model on the raw test texts, as a user's texts reach it.
    """

    x_train: Inputs
    y_train: np.ndarray
    x_val: Inputs
    y_val: np.ndarray


def make_vectorizer(
    standardize: str, max_tokens: int, sequence_length: int | None, vocabulary: list[str] | None = None, ngrams: int | None = None
):
    """The one definition of a word text layer, shared by search and export; `vocabulary` its tokens, if known.

    With `ngrams`, the layer counts every word uni- to n-gram of a text (sparse); without,
    it gives the first `sequence_length` word ids. `standardize` names how a text becomes
    words (`autosent.text.standardize`).
    """
    import keras

    from autosent.models.layers import text_standardize

    how = text_standardize(standardize)
    if ngrams is not None:
        return keras.layers.TextVectorization(
            max_tokens=max_tokens, standardize=how, output_mode="count", vocabulary=vocabulary, ngrams=ngrams, sparse=True,
            name=f"{NGRAMS}_vectorizer",
        )  # fmt: skip
    return keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=how, output_mode="int", output_sequence_length=sequence_length, vocabulary=vocabulary,
        name=f"{WORDS}_vectorizer",
    )  # fmt: skip


def make_char_vectorizer(width: int, max_tokens: int, vocabulary: list[str] | None = None):
    """The character text layer: counts of each text's character 1- to `width`-grams inside its words (sparse)."""
    import keras

    from autosent.models.layers import CharNgrams

    return keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=None, split=CharNgrams(width), output_mode="count", vocabulary=vocabulary, sparse=True,
        name=f"{CHARS}_vectorizer",
    )  # fmt: skip


def _fitted(train_texts: list[str], path: Path, make: Callable[[list[str] | None], Any], counted: Callable[[], list[str]] | None = None):
    """The text layer `make(vocabulary)` with the vocabulary saved at `path` (one token a line), made on train first if there is none.

    The vocabulary is `counted()` where given (Python that counts what the layer would), else
    what the layer's own `adapt` finds.

    The layer is given its tokens as a list, which Keras saves in the model's config: given a
    file, it would save the vocabulary as a text asset and read it back with splitlines(),
    which also breaks lines at U+0085 and the like, tokens IMDB's reviews hold, and the saved
    model would not load. No token holds a "\\n": every layer splits its text at whitespace.
    """
    import tensorflow as tf

    if not path.exists():
        if counted is not None:
            vocabulary = counted()
        else:
            layer = make(None)
            layer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(2048))
            vocabulary = layer.get_vocabulary(include_special_tokens=False)
        atomic.write_text(path, "".join(f"{t}\n" for t in vocabulary))
    tokens = path.read_bytes().decode("utf-8").split("\n")[:-1]  # split at \n alone, as written
    return make(tokens)


@dataclass(frozen=True)
class Tokenizer:
    """The run's text layers: words in order, word n-grams and character n-grams when the space can pick an encoder of each.

    Calling it turns a batch of strings into the models' named inputs, in a tf.data
    pipeline and inside the exported end-to-end model alike.
    """

    words: Any
    ngrams: Any | None = None
    chars: Any | None = None

    @property
    def layers(self) -> dict[str, Any]:
        """The text layer of each model input, by input name."""
        named = {WORDS: self.words, NGRAMS: self.ngrams, CHARS: self.chars}
        return {name: layer for name, layer in named.items() if layer is not None}

    @property
    def vocabulary_sizes(self) -> dict[str, int]:
        """The size of each input's vocabulary (the width of a count input), by input name."""
        return {name: layer.vocabulary_size() for name, layer in self.layers.items()}

    def __call__(self, texts) -> dict[str, Any]:
        return {name: layer(texts) for name, layer in self.layers.items()}


def fitted_tokenizer(train_texts: list[str], space: SearchSpace, run_dir: Path) -> Tokenizer:
    """The run's tokenizer, adapted on the training split once and reloaded on resume and export."""
    standardize = space.standardize
    layers = {
        WORDS: _fitted(
            train_texts, run_dir / VOCABULARY_FILE, lambda v: make_vectorizer(standardize, space.max_tokens, space.sequence_length, v)
        )
    }
    if space.uses_ngrams:
        ngrams, max_tokens = space.ngram_settings
        layers[NGRAMS] = _fitted(
            train_texts, run_dir / NGRAM_VOCABULARY_FILE, lambda v: make_vectorizer(standardize, max_tokens, None, v, ngrams)
        )
    if space.uses_chars:
        # Counted in Python by distinct words (sizes.char_counts), many times faster on long texts than the layer's adapt.
        width, char_tokens = space.char_settings

        def most_common() -> list[str]:
            return [gram for gram, _ in char_counts(train_texts, width).most_common(char_tokens - RESERVED["char_max_tokens"])]

        layers[CHARS] = _fitted(train_texts, run_dir / CHAR_VOCABULARY_FILE, lambda v: make_char_vectorizer(width, char_tokens, v), most_common)
    return Tokenizer(**layers)


def _ids(tokenizer: Tokenizer, split: Split, advance: Callable[[int], None]) -> Inputs:
    import tensorflow as tf

    chunks: dict[str, list[Any]] = {}
    # In parallel, one batch per core; tf.data keeps the batches in order.
    for batch in tf.data.Dataset.from_tensor_slices(split.texts).batch(2048).map(tokenizer, num_parallel_calls=tf.data.AUTOTUNE):
        for name, x in batch.items():
            part = tf.SparseTensor(x.indices, tf.cast(x.values, "float32"), x.dense_shape) if name in COUNTS else x.numpy().astype(np.int32)
            chunks.setdefault(name, []).append(part)
        advance(len(chunks[WORDS][-1]))
    return {name: tf.sparse.concat(0, parts) if name in COUNTS else np.concatenate(parts) for name, parts in chunks.items()}


def vectorize(dataset: Dataset, tokenizer: Tokenizer, progress: Callable[[int, int], None] | None = None) -> Vectorized:
    """Tokenise the training and validation splits with the run's tokenizer (see `fitted_tokenizer`).

    `progress(done, total)` is called after each batch of texts: on the full data set
    this takes long enough to deserve a progress bar.
    """
    total, done = len(dataset.train) + len(dataset.val), 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    return Vectorized(
        _ids(tokenizer, dataset.train, advance), dataset.train.labels,
        _ids(tokenizer, dataset.val, advance), dataset.val.labels,
    )  # fmt: skip
