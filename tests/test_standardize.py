"""How a text becomes words: the text layers and their Python twin agree, and punctuation can split words."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autosent.errors import UsageError
from autosent.search.space import SearchSpace, load_space
from autosent.text.sizes import resolve_sizes
from autosent.text.standardize import (
    SPLIT,
    STANDARDIZERS,
    STRIP,
    UNICODE,
    char_ngrams,
    words,
)
from autosent.text.vectorize import make_char_vectorizer, make_vectorizer

#: ASCII, its punctuation and whitespace, letters Keras does not lower-case, and whitespace TensorFlow does not split at.
ALPHABET = st.sampled_from([*"aZ09 \t\n.,'!/-_:", "http://", "don't", "É", "é", "\u2003", "\x85"])
#: The scripts of the world's text: Latin beyond ASCII, Greek (final sigma), Cyrillic, Arabic, Devanagari,
#: Hangul, and scripts written without spaces (Han, kana, Thai with its combining vowels), with
#: their punctuation, ideographic and no-break spaces, emoji with a skin tone, and a curly apostrophe.
MULTILINGUAL = st.sampled_from([
    *"aZ09 \t.,'!:", "É", "ß", "İ", "ΣΟΦΟΣ", "Привет", "مرحبا", "नमस्ते", "안녕하세요", "我正在写这本书", "，", "。", "《", "》",
    "日本語の", "テキスト", "ภาษาไทยดีมาก", "\u3000", "\xa0", "\u2028", "\x85", "😀", "👍🏽", "’", "$5", "¡", "«", "»",
])  # fmt: skip


def _layer_words(name: str, texts: list[str]) -> list[list[str]]:
    """The words the run's text layer gives each text, read back through its own vocabulary."""
    layer = make_vectorizer(name, max_tokens=None, sequence_length=None)
    layer.adapt(texts)
    vocabulary = np.array(layer.get_vocabulary())
    return [list(vocabulary[ids[ids > 0]]) for ids in np.asarray(layer(texts))]


@pytest.mark.parametrize("name", STANDARDIZERS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.lists(ALPHABET, max_size=12).map("".join), min_size=1, max_size=8))
def test_python_words_are_the_text_layers_words(name, texts):
    texts = [*texts, "padding so that the vocabulary is never empty"]
    assert [words(t, name) for t in texts] == _layer_words(name, texts)


def _texts(alphabet):
    return st.lists(st.lists(alphabet, max_size=12).map("".join), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(texts=_texts(MULTILINGUAL))
def test_unicode_words_in_python_are_the_text_layers_words_in_every_script(texts):
    texts = [*texts, "padding so that the vocabulary is never empty"]
    assert [words(t, UNICODE) for t in texts] == _layer_words(UNICODE, texts)


@settings(max_examples=40, deadline=None)
@given(texts=_texts(MULTILINGUAL))
def test_python_character_ngrams_are_the_character_layers_counts(texts):
    import tensorflow as tf

    layer = make_char_vectorizer(width=4, max_tokens=None)
    layer.adapt(texts + ["padding"])
    vocabulary = layer.get_vocabulary()
    counts = tf.sparse.to_dense(layer(tf.constant(texts))).numpy()
    for text, row in zip(texts, counts):
        assert Counter({vocabulary[i]: int(row[i]) for i in np.nonzero(row)[0]}) == Counter(char_ngrams(text, 4))


@pytest.mark.parametrize(
    "text",
    ["我正在写这本书的心得，勘误和疑点", "日本語のテキストです", "ภาษาไทยดีมาก"],  # Chinese, Japanese, Thai: no spaces
)
def test_a_text_in_a_script_without_spaces_becomes_many_words_in_the_layer_and_in_python(text):
    assert len(words(text, SPLIT)) == 1  # what every run before unicode_words saw: one word, seen once
    assert len(words(text, UNICODE)) == len(_layer_words(UNICODE, [text])[0]) >= 6


@settings(max_examples=25, deadline=None)
@given(text=st.lists(st.sampled_from(["我", "写", "书", "の", "テ", "ภ", "า", "ี"]), min_size=2, max_size=12).map("".join))
def test_every_text_of_two_or_more_no_space_characters_is_more_than_one_word(text):
    assert len(words(text, UNICODE)) > 1
    assert len(_layer_words(UNICODE, [text, "padding"])[0]) > 1


def test_unicode_words_lower_case_and_split_beyond_ascii():
    text = "ÉCOLE: l’été—Straße\u3000ΣΟΦΟΣ😀great!! don't"
    assert words(text, UNICODE) == ["école", "lété", "straße", "σοφος", "😀", "great", "dont"]
    assert words(text, SPLIT) == ["École", "l’été—straße\u3000ΣΟΦΟΣ😀great", "dont"]


def test_split_at_punctuation_keeps_a_urls_parts_and_an_apostrophes_word():
    text = "Ebola: http://bbc.in/1x don't good.Bad"
    assert words(text, STRIP) == ["ebola", "httpbbcin1x", "dont", "goodbad"]
    assert words(text, SPLIT) == ["ebola", "http", "bbc", "in", "1x", "dont", "good", "bad"]


def test_a_space_names_its_standardisation_and_an_old_run_reads_as_keras_default(tmp_path):
    assert load_space("default").standardize == UNICODE
    assert load_space("seed").standardize == STRIP  # the notebook's, Keras' default
    recorded = resolve_sizes(load_space("default"), ["a few words", "and a few more"]).as_dict()  # as a run records it
    del recorded["vectorizer"]["standardize"]  # a run.json written before the setting existed
    assert SearchSpace.from_dict("default", recorded).standardize == STRIP

    (tmp_path / "s.toml").write_text('[vectorizer]\nstandardize = "lowercase"\n')
    with pytest.raises(UsageError, match="vectorizer.standardize = 'lowercase' must be one of strip_punctuation, split_at_punctuation, unicode_words"):
        load_space(str(tmp_path / "s.toml"))


def test_exports_made_with_the_former_registered_standardisation_still_load(tmp_path):
    """Exports made before `standardize` was a setting name `autosent>standardize` in their text layers."""
    import keras
    import tensorflow as tf

    from autosent.models.layers import strip_punctuation_and_line_breaks

    assert keras.saving.get_registered_name(strip_punctuation_and_line_breaks) == "autosent>standardize"
    layer = keras.layers.TextVectorization(standardize=strip_punctuation_and_line_breaks, vocabulary=["a", "b", "cd"])
    text = keras.Input(shape=(), dtype="string")
    keras.Model(text, layer(text)).save(tmp_path / "old.keras")
    reloaded = keras.saving.load_model(tmp_path / "old.keras")
    assert np.asarray(reloaded(tf.constant(["A\x85b, c.d!"]))).tolist() == [[2, 3, 4]]
