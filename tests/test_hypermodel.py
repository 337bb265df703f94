"""Every encoder builds a real model that trains; the seed space builds the notebook's model."""

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from autosent.models.encoders import BUILT_IN
from autosent.models.hypermodel import SentimentHyperModel, balanced_class_weights
from autosent.models.objective import OBJECTIVE
from autosent.runs.records import epoch_row
from autosent.search.space import load_space
from autosent.text.inputs import CHARS, NGRAMS, WORDS
from autosent.text.naive_bayes import log_count_ratios
from autosent.text.vectorize import take_rows

ENCODERS = tuple(f.name for f in BUILT_IN)

VOCABULARY = 50  # of the words, the n-grams and the character n-grams of these made-up texts
#: Every input a run can make, each VOCABULARY wide.
SIZES = {WORDS: VOCABULARY, NGRAMS: VOCABULARY, CHARS: VOCABULARY}


def _hp(encoder: str) -> keras_tuner.HyperParameters:
    hp = keras_tuner.HyperParameters()
    hp.Fixed("encoder", encoder)
    return hp


def _counts(dense: np.ndarray) -> tf.SparseTensor:
    """N-gram counts as the vectorizer gives them: sparse, one row per text."""
    return tf.sparse.from_dense(tf.constant(dense, dtype=tf.float32))


def _inputs(space, rng, n: int) -> dict:
    """Random inputs of `n` texts for every named input a model of `space` takes: word ids, n-gram and character n-gram counts."""
    return {
        WORDS: rng.integers(1, VOCABULARY, size=(n, space.sequence_length)).astype("int32"),
        **{name: _counts(rng.integers(0, 3, size=(n, VOCABULARY)) * (rng.random((n, VOCABULARY)) < 0.3)) for name in (NGRAMS, CHARS)},
    }


#: Every family with two classes. With three: the linear families, whose encoder scores each class itself,
#: and conv1d for the softmax head that the other families' representations share (gru, bigru and bag
#: would train the same head again, at seconds each).
ONE_STEP_CASES = [(encoder, 2) for encoder in ENCODERS] + [(encoder, 3) for encoder in ("conv1d", "nbsvm", "char_nbsvm", "tfidf")]


@pytest.mark.parametrize(("encoder", "num_classes"), ONE_STEP_CASES, ids=[f"{n}-{e}" for e, n in ONE_STEP_CASES])
def test_each_encoder_builds_and_trains_one_step(tiny_space, encoder, num_classes):
    space = load_space(str(tiny_space))
    rng = np.random.default_rng(0)
    ratios = rng.normal(size=(50, 1 if num_classes == 2 else num_classes)).astype("float32")
    tables = {NGRAMS: ratios, CHARS: ratios}
    model = SentimentHyperModel(space, SIZES, num_classes, log_ratios=tables, idf={n: np.ones(50) for n in tables}).build(_hp(encoder))
    x = _inputs(space, rng, 16)
    x[WORDS][:, 40:] = 0  # right padding of the words, as the vectorizer produces
    y = rng.integers(0, num_classes, size=16)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights())), "no weight moved"
    probabilities = model.predict(take_rows(x, 2), verbose=0)
    assert probabilities.shape == (2, 1 if num_classes == 2 else num_classes)
    assert model.name == f"autosent_{encoder}" and encoder in [layer.name for layer in model.layers]


def test_padding_is_masked_for_gru():
    """Right padding must not change a GRU's output: the mask keeps the cuDNN-eligible path honest."""
    space = load_space("seed")
    model = SentimentHyperModel(space, {WORDS: 50}, num_classes=2).build(_hp("gru"))
    x = np.zeros((1, space.sequence_length), dtype="int32")
    x[0, :5] = [3, 4, 5, 6, 7]
    y = x.copy()
    y[0, 5:] = 0
    assert np.allclose(model.predict({WORDS: x}, verbose=0), model.predict({WORDS: y}, verbose=0))
    assert model.get_layer("embedding").mask_zero


def test_seed_space_is_the_notebook_architecture():
    space = load_space("seed")
    model = SentimentHyperModel(space, {WORDS: space.max_tokens}, num_classes=2).build(
        keras_tuner.HyperParameters()
    )
    conv = model.get_layer("conv1d")
    assert conv.filters == 128 and conv.kernel_size == (5,)
    assert type(model.get_layer("pooling")).__name__ == "GlobalAveragePooling1D"
    assert model.get_layer("embedding").output_dim == 64
    assert model.get_layer("dense").units == 64
    assert model.get_layer("probabilities").units == 1


def test_each_encoder_reads_only_its_own_inputs(tiny_space):
    space = load_space(str(tiny_space))
    rng = np.random.default_rng(1)
    x = _inputs(space, rng, 2)
    changed_words = {**x, WORDS: _inputs(space, rng, 2)[WORDS]}
    changed_ngrams = {**x, NGRAMS: _inputs(space, rng, 2)[NGRAMS]}
    changed_chars = {**x, CHARS: _inputs(space, rng, 2)[CHARS]}
    ratios = rng.normal(size=(50, 1))
    hypermodel = SentimentHyperModel(space, SIZES, 2, log_ratios={NGRAMS: ratios, CHARS: ratios}, idf={NGRAMS: np.ones(50), CHARS: np.ones(50)})
    reads = {"bag": (NGRAMS,), "nbsvm": (NGRAMS,), "char_nbsvm": (CHARS,), "tfidf": (NGRAMS, CHARS), "conv1d": (WORDS,), "gru": (WORDS,)}
    changed = {WORDS: changed_words, NGRAMS: changed_ngrams, CHARS: changed_chars}
    for encoder, read in reads.items():
        model = hypermodel.build(_hp(encoder))
        if encoder == "tfidf":  # it starts at zero weights: give each n-gram one, as training would
            for name in (NGRAMS, CHARS):
                layer = model.get_layer(f"tfidf_{name}")
                layer.ngram_weights.assign(rng.normal(size=layer.ngram_weights.shape))
        for name, inputs in changed.items():
            same = np.allclose(model.predict_on_batch(x), model.predict_on_batch(inputs))
            assert same == (name not in read), (encoder, name)


def test_nbsvm_starts_as_naive_bayes_and_learns_weights_but_never_its_ratios(tiny_space):
    """Untrained, it already sides with the class whose n-grams a text has; training moves only the weights."""
    space = load_space(str(tiny_space))
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 3, size=(64, VOCABULARY))  # shared n-grams, then id 1 marks class 1 and id 2 class 0
    y = rng.integers(0, 2, size=64)
    counts[:, 1], counts[:, 2] = 10 * y, 10 * (1 - y)
    x = {WORDS: rng.integers(1, VOCABULARY, size=(64, space.sequence_length)).astype("int32"), NGRAMS: _counts(counts)}
    ratios = log_count_ratios(x[NGRAMS], y, num_classes=2)
    hp = _hp("nbsvm")
    hp.Fixed("dropout", 0.0)
    model = SentimentHyperModel(space, {WORDS: 50, NGRAMS: 50}, 2, log_ratios={NGRAMS: ratios}).build(hp)
    assert ((model.predict(x, verbose=0)[:, 0] > 0.5) == y).all()
    layer = model.get_layer("nbsvm")
    weights = layer.ngram_weights.numpy().copy()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(layer.ratios.numpy(), ratios)
    assert not np.allclose(layer.ngram_weights.numpy(), weights)


@pytest.mark.parametrize("num_classes", [2, 3])
def test_recorded_val_loss_is_the_cross_entropy_without_the_l2_penalty(num_classes):
    """Keras' val_loss grows with l2; trials are compared on the data term alone (objective.OBJECTIVE)."""
    space = load_space("seed")
    hp = _hp("conv1d")
    hp.Fixed("l2", 0.05)
    model = SentimentHyperModel(space, {WORDS: 50}, num_classes=num_classes).build(hp)
    rng = np.random.default_rng(2)
    x = {WORDS: rng.integers(1, 50, size=(40, space.sequence_length)).astype("int32")}
    y = rng.integers(0, num_classes, size=40)
    # 40 = 16 + 16 + 8: a short last batch must not weigh like a full one.
    logs = model.fit(x, y, validation_data=(x, y), batch_size=16, validation_batch_size=16, epochs=1, verbose=0).history
    row = epoch_row(0, {name: values[0] for name, values in logs.items()})
    penalty = float(sum(np.asarray(loss) for loss in model.losses))
    assert penalty > 0.01
    assert OBJECTIVE == "val_cross_entropy" and "val_loss" not in row  # Keras' val_loss includes the penalty
    assert row[OBJECTIVE] == pytest.approx(logs["val_loss"][0] - penalty, rel=1e-3)


def test_balanced_class_weights_change_the_training_loss_on_imbalanced_data(tiny_space):
    """9 texts of class 0 for each of class 1: balanced weighs class 1's texts 9 times as much."""
    import keras

    space = load_space(str(tiny_space))
    rng = np.random.default_rng(4)
    x = _inputs(space, rng, 100)
    y = (np.arange(100) % 10 == 0).astype("int64")
    hypermodel = SentimentHyperModel(space, SIZES, 2, class_counts=np.bincount(y))
    rare = {}  # the mean probability each model gives the rare class, after training on these random texts
    for weighting in ("none", "balanced"):
        keras.utils.set_random_seed(0)
        hp = _hp("nbsvm")
        hp.Fixed("class_weight", weighting)
        hp.Fixed("learning_rate", 0.1)  # to the base rate in a few steps
        model = hypermodel.build(hp)
        hypermodel.fit(hp, model, tf.data.Dataset.from_tensor_slices((x, y)), epochs=10, verbose=0)
        rare[weighting] = float(model.predict(x, verbose=0).mean())
    # Unweighted, the texts' words carry no signal and the model learns the base rate (0.1);
    # balanced, both classes weigh the same and it stays near even odds.
    assert rare["none"] < 0.3 and rare["balanced"] > 0.4, rare
    assert balanced_class_weights(np.bincount(y)) == pytest.approx({0: 100 / (2 * 90), 1: 100 / (2 * 10)})


@pytest.mark.parametrize("encoder", ["conv1d", "nbsvm"])
def test_fit_traces_its_train_step_once(tiny_space, encoder):
    """Keras would make the optimizer's and metrics' variables in the first trace, then trace again (keras_internals)."""
    space = load_space(str(tiny_space))
    rng = np.random.default_rng(0)
    ratios = rng.normal(size=(VOCABULARY, 1)).astype("float32")
    hypermodel = SentimentHyperModel(space, SIZES, 2, log_ratios={NGRAMS: ratios})
    hp = hypermodel.hyperparameters_for({"encoder": encoder})
    model = hypermodel.build(hp)
    traced, train_step = [], model.train_step
    model.train_step = lambda data: (traced.append(1), train_step(data))[1]
    data = tf.data.Dataset.from_tensor_slices((_inputs(space, rng, 32), rng.integers(0, 2, size=32)))
    history = hypermodel.fit(hp, model, data, validation_data=data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert len(traced) == 1, f"the train step was traced {len(traced)} times"
