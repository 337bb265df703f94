"""Search space files: the bundled ones load, bad ones are refused naming the key."""

from pathlib import Path

import keras_tuner
import pytest

from autosent.errors import UsageError
from autosent.models.encoders import BUILT_IN
from autosent.search.space import load_space
from autosent.text.sizes import resolve_batch_sizes

ENCODERS = tuple(f.name for f in BUILT_IN)


def test_default_space_offers_every_encoder_and_the_required_knobs():
    space = load_space("default")
    assert tuple(space.hyperparameters["encoder"]["choice"]) == ENCODERS
    for name in ("units", "dropout", "l2"):
        assert isinstance(space.hyperparameters[name], dict), f"{name} should be searched"
    assert space.hyperparameters["l2"]["sampling"] == "log"


def test_seed_space_pins_the_notebook_model():
    space = load_space("seed")
    hp = keras_tuner.HyperParameters()
    values = space.declare_all(hp)
    assert values["encoder"] == "conv1d" and values["units"] == 128 and values["kernel_size"] == 5
    assert values["embedding_dim"] == 64 and values["dense_units"] == 64 and values["pooling"] == "average"
    assert all(type(h).__name__ == "Fixed" for h in hp.space)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[hyperparameters]\nencoder = 'lstm'", "hyperparameters.encoder: 'lstm' is not allowed"),
        ("[hyperparameters]\nencoder = { choice = ['gru', 'transformer'] }", "'transformer' is not allowed"),
        ("[hyperparameters]\nwidth = 3", "hyperparameters.width: unknown hyperparameter"),
        ("[hyperparameters]\nunits = { int = [64, 32] }", "low < high"),
        ("[hyperparameters]\nl2 = { float = [0.0, 0.1], sampling = 'log' }", "log sampling"),
        ("[hyperparameters]\ndropout = 'high'", "must be a finite number"),
        ("[hyperband]\nfactor = 1", "hyperband.factor"),
        ("[vectorizer]\nmax_tokens = 0", "vectorizer.max_tokens"),
        ("[model]\nx = 1", r"unknown table \[model\]"),
        ("[hyperparameters\n", "not valid TOML"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = 300, max = 64 }", r"must be \{ steps_per_epoch = S, min = A, max = B \}"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = 0, min = 16, max = 64 }", "batch_size.steps_per_epoch: 0 must be at least 1"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = 300, min = 64, max = 16 }", "min = 64 is above max = 16"),
        ("[hyperparameters]\nunits = { steps_per_epoch = 300, min = 16, max = 64 }", "units: only batch_size takes"),
        ("[hyperparameters]\nbatch_size = { min = 16, max = 64 }", r"batch_size = .* must be \{ steps_per_epoch"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = 300, min = 16, max = 64, default = 32 }", r"must be \{ steps_per_epoch"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = true, min = 16, max = 64 }", "steps_per_epoch: True must be an integer"),
        ("[hyperparameters]\nbatch_size = { steps_per_epoch = 300.0, min = 16, max = 64 }", "steps_per_epoch: 300.0 must be an integer"),
        ("[encoders.nbsvm]\nbatch_size = { steps_per_epoch = 300, min = 0, max = 64 }", "encoders.nbsvm.batch_size.min: 0 must be at least 1"),
        ("[hyperparameters]\nbatch_size = { choice = [{ steps_per_epoch = 300, min = 16, max = 64 }] }", "must be an integer"),
    ],
)
def test_invalid_space_files_name_the_key(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(UsageError, match=expected):
        load_space(str(path))


def test_missing_space_file_lists_bundled_spaces(tmp_path):
    with pytest.raises(UsageError, match="bundled: default, seed"):
        load_space(str(tmp_path / "none.toml"))


def _declared(space, encoder):
    """What a trial of `encoder` gets: each hyperparameter's value, None where unused."""
    hp = keras_tuner.HyperParameters()
    hp.values["encoder"] = encoder
    return hp, space.declare_all(hp)


def test_encoder_tables_replace_entries_for_that_encoder_only(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(
        "[hyperparameters]\nencoder = { choice = ['conv1d', 'gru', 'bag'] }\nunits = { choice = [16, 32] }\n"
        "batch_size = 64\n[encoders.gru]\nunits = { choice = [4, 8] }\nbatch_size = 256\n"
    )
    space = load_space(str(path))
    _, conv = _declared(space, "conv1d")
    hp, gru = _declared(space, "gru")
    _, bag = _declared(space, "bag")
    assert conv["units"] == 16 and conv["batch_size"] == 64 and conv["kernel_size"] == 5
    assert gru["units"] == 4 and gru["batch_size"] == 256 and gru["kernel_size"] is None
    assert bag["units"] is None and bag["batch_size"] == 64
    # The oracle samples each variant only for its encoders, from its own range
    # (under its own name: keras-tuner loses the value of one name declared twice).
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_loss", "min"), hyperparameters=hp, seed=0
    )
    for _ in range(30):
        values = space.model_values(oracle._random_values())
        expected_units = {"conv1d": {16, 32}, "gru": {4, 8}, "bag": {None}}[values["encoder"]]
        assert values.get("units") in expected_units
        assert values["batch_size"] == (256 if values["encoder"] == "gru" else 64)


def test_default_space_keeps_recurrent_trials_cheap_and_gives_ngram_encoders_only_what_they_read():
    space = resolve_batch_sizes(load_space("default"), train_size=20_000)
    for encoder in ("gru", "bigru"):
        _, values = _declared(space, encoder)
        assert values["batch_size"] > 64 and values["units"] <= 64
    _, bag = _declared(space, "bag")
    assert bag["units"] is None and bag["embedding_dim"] == 32
    _, nbsvm = _declared(space, "nbsvm")
    assert [nbsvm[name] for name in ("embedding_dim", "dense_units", "units")] == [None, None, None]
    assert nbsvm["l2"] == 0.0 and nbsvm["dropout"] is not None


LINEAR = ("nbsvm", "char_nbsvm", "tfidf")


@pytest.mark.parametrize("train_size, batch", [(19_998, 64), (200_000, 64), (13_890, 46), (6_825, 22), (240, 16)])
def test_the_linear_families_train_at_the_batch_that_makes_an_epoch_300_steps(train_size, batch):
    """IMDB's 20,000 reviews at 64 (where their learning rates were measured) keep their batch;
    fewer texts get a smaller one, so that an epoch is still enough Adam steps for a first rung."""
    unresolved = load_space("default")
    with pytest.raises(TypeError, match="resolve the space"):
        _declared(unresolved, "tfidf")
    space = resolve_batch_sizes(unresolved, train_size)
    assert {encoder: _declared(space, encoder)[1]["batch_size"] for encoder in LINEAR} == dict.fromkeys(LINEAR, batch)
    assert _declared(space, "conv1d")[1]["batch_size"] == 64 and _declared(space, "gru")[1]["batch_size"] == 128
    # at the common batch, no override is left: the space a run made before the rule recorded, so it resumes
    assert any("batch_size" in space.encoder_overrides[encoder] for encoder in LINEAR) == (batch != 64)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[encoders.lstm]\nunits = 8", r"\[encoders.lstm\]: unknown encoder"),
        ("[encoders.bag]\nunits = 8", "encoders.bag.units: the bag encoder does not use units"),
        ("[encoders.nbsvm]\nembedding_dim = 8", "encoders.nbsvm.embedding_dim: the nbsvm encoder does not use embedding_dim"),
        ("[encoders.gru]\nencoder = 'bag'", "encoders.gru.encoder: unknown hyperparameter"),
        ("[encoders.gru]\nunits = { int = [8, 4] }", "encoders.gru.units: .*low < high"),
        ("[encoders]\ngru = 3", r"\[encoders.gru\] must be a table"),
        ("encoders = 3", r"\[encoders\] must be a table"),
    ],
)
def test_invalid_encoder_tables_name_the_key(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(UsageError, match=expected):
        load_space(str(path))


EXAMPLE_SPACES = sorted((Path(__file__).parent.parent / "search_spaces").glob("*.toml"))


def test_there_are_example_spaces_for_long_short_spaceless_and_small_data():
    assert [p.stem for p in EXAMPLE_SPACES] == ["long_reviews", "no_spaces", "short_texts", "small_data"]


@pytest.mark.parametrize("path", EXAMPLE_SPACES, ids=lambda p: p.stem)
def test_each_example_space_loads_and_says_how_to_use_it(path):
    """A user copies one and edits it: it must load as it is, and its opening comment says how to run it."""
    space = load_space(str(path))
    assert len(space.encoders) >= 2, space.encoders  # a search, not one model
    assert f"autosent search --space search_spaces/{path.name}" in path.read_text().split("\n\n")[0]
