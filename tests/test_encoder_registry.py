"""The encoder registry: the built-in families build the models they built before it, and a
family from outside autosent, registered in one module, is searched, exported and loaded."""

import json
import sys
from pathlib import Path

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from conftest import TINY_SPACE, write_reviews_csv

from autosent.errors import UsageError
from autosent.models.encoders import BUILT_IN, EncoderFamily, families, registry
from autosent.models.hypermodel import SentimentHyperModel
from autosent.search import memory
from autosent.search.pipeline import SearchConfig, run_search
from autosent.search.space import load_space
from autosent.ship.export import export_trial
from autosent.ship.predict import Predictor
from autosent.text.inputs import CHARS, NGRAMS, WORDS

#: What each built-in family built at commit b0005af, before the registry (at fixed hyperparameters,
#: augmentation on, Keras' seed 0): its layers' names, classes and weight shapes, and the sums of its initial weights.
BEFORE = json.loads((Path(__file__).parent / "fixtures" / "built_in_models.json").read_text())
SIZES = {WORDS: 50, NGRAMS: 40, CHARS: 30}


def _texts(space, n: int) -> dict:
    """`n` made-up texts as every input: word ids right-padded with 0, sparse n-gram and character n-gram counts."""
    rng = np.random.default_rng(1)
    words = rng.integers(1, SIZES[WORDS], size=(n, space.sequence_length)).astype("int32")
    words[:, 20:] = 0
    counts = {name: tf.sparse.from_dense(tf.constant(rng.integers(0, 3, size=(n, size)), dtype=tf.float32)) for name, size in SIZES.items() if name != WORDS}
    return {WORDS: tf.constant(words), **counts}


def _fingerprint(encoder: str) -> dict:
    space = load_space(str(TINY_SPACE)).with_fixed("word_dropout", 0.1).with_fixed("span_mask", 0.2)
    rng = np.random.default_rng(0)
    tables = {name: rng.normal(size=(size, 3)).astype("float32") for name, size in SIZES.items() if name != WORDS}
    keras.utils.set_random_seed(0)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("encoder", encoder)
    idf = {n: np.abs(t[:, 0]) for n, t in tables.items()}
    model = SentimentHyperModel(space, SIZES, 3, seed=1, log_ratios=tables, idf=idf).build(hp)
    return {
        "name": model.name,
        "layers": [[layer.name, type(layer).__name__, [list(w.shape) for w in layer.weights]] for layer in model.layers],
        "configs": [json.loads(json.dumps(layer.get_config(), default=str)) for layer in model.layers],
        "weight_sums": [float(np.sum(w)) for w in model.get_weights()],
        "outputs": np.asarray(model(_texts(space, 4), training=False)).tolist(),
    }


def test_each_built_in_family_builds_the_model_it_built_before_the_registry():
    assert [f.name for f in BUILT_IN] == list(BEFORE)
    for encoder, before in BEFORE.items():
        now = _fingerprint(encoder)
        assert (now["name"], now["layers"]) == (before["name"], before["layers"]), encoder
        assert now["configs"] == before["configs"], encoder
        assert now["weight_sums"] == pytest.approx(before["weight_sums"], rel=1e-5, abs=1e-6), encoder
        assert np.array(now["outputs"]) == pytest.approx(np.array(before["outputs"]), rel=1e-5, abs=1e-6), encoder


def test_register_refuses_a_taken_name_and_a_known_hyperparameter_defined_otherwise(monkeypatch):
    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    gru = registry.family("gru")
    with pytest.raises(ValueError, match="'gru': that name is taken"):
        registry.register(gru)
    other_units = EncoderFamily("wide", gru.inputs, gru.build, gru.cost, {"units": registry.Param(int, 7)})
    with pytest.raises(ValueError, match="hyperparameter 'units' is already defined otherwise"):
        registry.register(other_units)
    with pytest.raises(UsageError, match="unknown encoder 'wide'.*once its module is imported"):
        registry.family("wide")


def test_a_space_naming_a_family_not_imported_says_how_to_make_it_known(tmp_path):
    for text in ('[hyperparameters]\nencoder = "lstm"', "[encoders.lstm]\nunits = 8"):
        space = tmp_path / "space.toml"
        space.write_text(text)
        with pytest.raises(UsageError, match="lstm.*allowed: conv1d, .*, tfidf\\); a family from outside autosent is known once its module is imported"):
            load_space(str(space))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """`tests/toy_encoder.py` imported (so registered) for this module only: other modules see the built-in families."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
        patch.delitem(sys.modules, "toy_encoder", raising=False)
        import toy_encoder

        yield toy_encoder.MEANPOOL
    sys.modules.pop("toy_encoder", None)


@pytest.fixture(scope="module")
def toy_export(toy, tmp_path_factory):
    """A one-trial search of a space that names only the toy family, and its export."""
    folder = tmp_path_factory.mktemp("toy")
    space = folder / "meanpool.toml"
    space.write_text(
        TINY_SPACE.read_text()
        .replace('encoder = { choice = ["conv1d", "gru", "bigru", "bag", "nbsvm"] }', 'encoder = "meanpool"')
        .replace("max_epochs = 2", "max_epochs = 1")
        + '\n[encoders.meanpool]\nmean_over = { choice = ["positions", "words"] }\n'
    )
    data = write_reviews_csv(folder / "reviews.csv", n=60)
    config = SearchConfig(data=str(data), space=str(space), budget=1, results=folder / "results", run="toy")
    outcome = run_search(config)
    assert [r.status for r in outcome.records] == ["COMPLETED"], [r.message for r in outcome.records]
    return export_trial(folder / "results", "toy")


def test_a_family_registered_outside_autosent_is_searched_and_exported(toy, toy_export):
    assert toy in families()
    metadata = json.loads((toy_export.out / "metadata.json").read_text())
    assert metadata["hyperparameters"]["encoder"] == "meanpool"
    assert metadata["hyperparameters"]["mean_over"] in ("positions", "words")
    card = (toy_export.out / "MODEL_CARD.md").read_text()
    assert f"- Reads the first {metadata['vectorizer']['sequence_length']} words of a text" in card
    predictor = Predictor(toy_export.out)
    assert predictor.model.get_layer("autosent_meanpool").get_layer("meanpool") is not None
    predictions = predictor.predict(["posword pos film plot, loved it", "negword neg boring"], explain_top=2)
    assert [p.label in ("neg", "pos") for p in predictions] == [True, True]
    assert [p.explanation.method for p in predictions] == ["occlusion", "occlusion"]  # no exact_explanation


def test_a_toy_family_costs_what_its_model_counts(toy):
    space = load_space(str(TINY_SPACE)).with_fixed("encoder", "meanpool")
    hp = keras_tuner.HyperParameters()
    hp.Fixed("encoder", "meanpool")
    model = SentimentHyperModel(space, {WORDS: space.max_tokens}, 2).build(hp)
    assert memory.parameter_count("meanpool", memory.largest_sizes(space, "meanpool", 2)) == model.count_params()
