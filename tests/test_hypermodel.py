"""Every encoder builds a real model that trains; the seed space builds the notebook's model."""

import keras_tuner
import numpy as np
import pytest

from autosent.hypermodel import SentimentHyperModel
from autosent.records import OBJECTIVE, epoch_row
from autosent.space import ENCODERS, load_space


def _hp(encoder: str) -> keras_tuner.HyperParameters:
    hp = keras_tuner.HyperParameters()
    hp.Fixed("encoder", encoder)
    return hp


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("num_classes", [2, 3])
def test_each_encoder_builds_and_trains_one_step(tiny_space, encoder, num_classes):
    space = load_space(str(tiny_space))
    model = SentimentHyperModel(space, 50, num_classes, ngram_vocabulary_size=50).build(_hp(encoder))
    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, size=(16, space.input_length)).astype("int32")
    x[:, 40 : space.sequence_length] = 0  # right padding of the words, as the vectorizer produces
    x[:, space.sequence_length + 70 :] = 0  # and of the word n-grams that follow them
    y = rng.integers(0, num_classes, size=16)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights())), "no weight moved"
    probabilities = model.predict(x[:2], verbose=0)
    assert probabilities.shape == (2, 1 if num_classes == 2 else num_classes)
    assert model.get_layer(encoder) is not None  # the encoder asked for is the one built


def test_padding_is_masked_for_gru():
    """Right padding must not change a GRU's output: the mask keeps the cuDNN-eligible path honest."""
    space = load_space("seed")
    model = SentimentHyperModel(space, vocabulary_size=50, num_classes=2).build(_hp("gru"))
    x = np.zeros((1, space.sequence_length), dtype="int32")
    x[0, :5] = [3, 4, 5, 6, 7]
    y = x.copy()
    y[0, 5:] = 0
    assert np.allclose(model.predict(x, verbose=0), model.predict(y, verbose=0))
    assert model.get_layer("embedding").mask_zero


def test_seed_space_is_the_notebook_architecture():
    space = load_space("seed")
    model = SentimentHyperModel(space, vocabulary_size=space.max_tokens, num_classes=2).build(
        keras_tuner.HyperParameters()
    )
    conv = model.get_layer("conv1d")
    assert conv.filters == 128 and conv.kernel_size == (5,)
    assert type(model.get_layer("pooling")).__name__ == "GlobalAveragePooling1D"
    assert model.get_layer("embedding").output_dim == 64
    assert model.get_layer("dense").units == 64
    assert model.get_layer("probabilities").units == 1


def test_bag_reads_only_the_ngrams_and_sequence_encoders_only_the_words(tiny_space):
    space = load_space(str(tiny_space))
    assert space.uses_bag and space.input_length == space.sequence_length + 128
    rng = np.random.default_rng(1)
    x = rng.integers(1, 50, size=(2, space.input_length)).astype("int32")
    changed_words, changed_ngrams = x.copy(), x.copy()
    changed_words[:, : space.sequence_length] = rng.integers(1, 50, size=(2, space.sequence_length))
    changed_ngrams[:, space.sequence_length :] = rng.integers(1, 50, size=(2, 128))
    for encoder, unchanged_by in (("bag", changed_words), ("conv1d", changed_ngrams), ("gru", changed_ngrams)):
        model = SentimentHyperModel(space, 50, 2, ngram_vocabulary_size=50).build(_hp(encoder))
        assert np.allclose(model.predict(x, verbose=0), model.predict(unchanged_by, verbose=0)), encoder
    bag = SentimentHyperModel(space, 50, 2, ngram_vocabulary_size=50).build(_hp("bag"))
    assert not np.allclose(bag.predict(x, verbose=0), bag.predict(changed_ngrams, verbose=0))


@pytest.mark.parametrize("num_classes", [2, 3])
def test_recorded_val_loss_is_the_cross_entropy_without_the_l2_penalty(num_classes):
    """Keras' val_loss grows with l2; trials are compared on the data term alone (records.OBJECTIVE)."""
    space = load_space("seed")
    hp = _hp("conv1d")
    hp.Fixed("l2", 0.05)
    model = SentimentHyperModel(space, vocabulary_size=50, num_classes=num_classes).build(hp)
    rng = np.random.default_rng(2)
    x = rng.integers(1, 50, size=(40, space.sequence_length)).astype("int32")
    y = rng.integers(0, num_classes, size=40)
    # 40 = 16 + 16 + 8: a short last batch must not weigh like a full one.
    logs = model.fit(x, y, validation_data=(x, y), batch_size=16, validation_batch_size=16, epochs=1, verbose=0).history
    row = epoch_row(0, {name: values[0] for name, values in logs.items()})
    penalty = float(sum(np.asarray(loss) for loss in model.losses))
    assert penalty > 0.01
    assert row["val_loss"] == pytest.approx(logs[OBJECTIVE][0])
    assert row["val_loss"] == pytest.approx(logs["val_loss"][0] - penalty, rel=1e-3)
