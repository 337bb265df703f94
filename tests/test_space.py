"""Search space files: the bundled ones load, bad ones are refused naming the key."""

import keras_tuner
import pytest

from autosent.errors import UsageError
from autosent.space import ENCODERS, PARAMS, load_space


def test_default_space_offers_every_encoder_and_the_required_knobs():
    space = load_space("default")
    assert tuple(space.hyperparameters["encoder"]["choice"]) == ENCODERS
    for name in ("units", "dropout", "l2"):
        assert isinstance(space.hyperparameters[name], dict), f"{name} should be searched"
    assert space.hyperparameters["l2"]["sampling"] == "log"


def test_seed_space_pins_the_notebook_model():
    space = load_space("seed")
    hp = keras_tuner.HyperParameters()
    values = {name: space.declare(hp, name) for name in PARAMS}
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
        ("[hyperparameters]\ndropout = 'high'", "must be a number"),
        ("[hyperband]\nfactor = 1", "hyperband.factor"),
        ("[vectorizer]\nmax_tokens = 0", "vectorizer.max_tokens"),
        ("[model]\nx = 1", r"unknown table \[model\]"),
        ("[hyperparameters\n", "not valid TOML"),
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
