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
