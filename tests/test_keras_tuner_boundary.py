"""keras-tuner's private API is reached from one module, which checks it on import."""

from pathlib import Path

import pytest

import autosent
from autosent import keras_tuner_internals

PACKAGE = Path(autosent.__file__).parent


def test_only_the_fence_imports_keras_tuner_internals():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "keras_tuner_internals.py" and "keras_tuner.src" in path.read_text()
    ]
    assert offenders == []


def test_a_missing_internal_is_named_in_one_clear_message():
    class Oracle:
        pass

    with pytest.raises(ImportError, match=r"autosent needs keras-tuner 1.4 .*Oracle._retry_queue is gone; pip install"):
        keras_tuner_internals.check((Oracle, "_retry_queue"))


def test_keras_tuner_state_writes_are_atomic_once_the_fence_is_imported(tmp_path):
    from keras_tuner.src import utils

    assert utils.save_json is keras_tuner_internals._atomic_save_json


def test_the_tuner_declares_the_space_keras_tuner_would_discover_without_building_a_model(tmp_path, monkeypatch):
    """keras-tuner discovers conditional hyperparameters by building a model per condition in the
    tuner's constructor, where a model too large for memory fails outside any trial. autosent's tuner
    declares them instead: the oracle must get the same space in the same order, since its seeded
    draws (and every run made before) depend on it."""
    import keras_tuner

    from autosent.hypermodel import SentimentHyperModel
    from autosent.records import OBJECTIVE
    from autosent.space import load_space
    from autosent.tuner import RecordingHyperband
    from autosent.vectorize import CHARS, NGRAMS, WORDS

    space = load_space("default")
    space = space.with_sizes({"sequence_length": 16, "max_tokens": 50, "ngram_max_tokens": 50, "char_ngrams": 3, "char_max_tokens": 50})
    hypermodel = SentimentHyperModel(space, {WORDS: 50, NGRAMS: 50, CHARS: 50}, 2)
    objective = keras_tuner.Objective(OBJECTIVE, "min")
    stock_oracle = keras_tuner.oracles.HyperbandOracle(objective=objective, max_epochs=2)
    keras_tuner.Tuner(oracle=stock_oracle, hypermodel=hypermodel, directory=str(tmp_path), project_name="stock")

    built = []
    monkeypatch.setattr(hypermodel, "build", lambda hp: built.append(hp))  # what each build would be asked for
    ours = RecordingHyperband(
        run_dir=tmp_path, train_size=10, encoders=space.encoders, objective=objective, max_epochs=2, factor=3, seed=0,
        hypermodel=hypermodel, directory=str(tmp_path), project_name="ours",
    )  # fmt: skip
    assert built == []
    declared = [hp.get_config() for hp in ours.oracle.hyperparameters.space]
    assert declared == [hp.get_config() for hp in stock_oracle.hyperparameters.space]
    assert len(declared) > len(space.encoders)  # the conditional ones of every encoder are there
