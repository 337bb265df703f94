"""How a text becomes words: the text layers and their Python twin agree, and punctuation can split words."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autosent.errors import UsageError
from autosent.space import SearchSpace, load_space
from autosent.standardize import SPLIT, STANDARDIZERS, STRIP, words
from autosent.vectorize import make_vectorizer

#: ASCII, its punctuation and whitespace, letters Keras does not lower-case, and whitespace TensorFlow does not split at.
ALPHABET = st.sampled_from([*"aZ09 \t\n.,'!/-_:", "http://", "don't", "É", "é", "\u2003", "\x85"])


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


def test_split_at_punctuation_keeps_a_urls_parts_and_an_apostrophes_word():
    text = "Ebola: http://bbc.in/1x don't good.Bad"
    assert words(text, STRIP) == ["ebola", "httpbbcin1x", "dont", "goodbad"]
    assert words(text, SPLIT) == ["ebola", "http", "bbc", "in", "1x", "dont", "good", "bad"]


def test_a_space_names_its_standardisation_and_an_old_run_reads_as_keras_default(tmp_path):
    assert load_space("default").standardize == SPLIT
    assert load_space("seed").standardize == STRIP  # the notebook's, Keras' default
    recorded = load_space("default").as_dict()
    del recorded["vectorizer"]["standardize"]  # a run.json written before the setting existed
    assert SearchSpace.from_dict("default", recorded).standardize == STRIP

    (tmp_path / "s.toml").write_text('[vectorizer]\nstandardize = "lowercase"\n')
    with pytest.raises(UsageError, match="vectorizer.standardize = 'lowercase' must be one of strip_punctuation, split_at_punctuation"):
        load_space(str(tmp_path / "s.toml"))


def test_exports_made_with_the_former_registered_standardisation_still_load(tmp_path):
    """Exports made before `standardize` was a setting name `autosent>standardize` in their text layers."""
    import keras
    import tensorflow as tf

    from autosent.layers import strip_punctuation_and_line_breaks

    assert keras.saving.get_registered_name(strip_punctuation_and_line_breaks) == "autosent>standardize"
    layer = keras.layers.TextVectorization(standardize=strip_punctuation_and_line_breaks, vocabulary=["a", "b", "cd"])
    text = keras.Input(shape=(), dtype="string")
    keras.Model(text, layer(text)).save(tmp_path / "old.keras")
    reloaded = keras.saving.load_model(tmp_path / "old.keras")
    assert np.asarray(reloaded(tf.constant(["A\x85b, c.d!"]))).tolist() == [[2, 3, 4]]
