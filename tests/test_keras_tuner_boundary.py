"""keras-tuner's private API is reached from one module, which checks it on import and patches
keras-tuner only when `install()` is called."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autosent
from autosent.search import keras_tuner_internals

PACKAGE = Path(autosent.__file__).parent

#: keras-tuner's private modules, and the private methods and oracle state autosent overrides or changes.
PRIVATE = re.compile(
    r"keras_tuner\.src|keras_tuner\.engine|_random_values|ongoing_trials|tuner_ids|stop_triggered|_retry_queue"
    r"|_populate_initial_space|ensure_active_values|save_json|SaveBestEpoch|DEBUG|Tuner\.__init__"
)


def test_only_the_fence_names_keras_tuner_internals():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "keras_tuner_internals.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert offenders == []


def test_a_missing_internal_is_named_in_one_clear_message():
    class Oracle:
        pass

    with pytest.raises(ImportError, match=r"autosent needs keras-tuner 1.4 .*Oracle._retry_queue is gone; pip install"):
        keras_tuner_internals.check((Oracle, "_retry_queue"))


#: Imports every autosent module, then installs the fence twice; prints what keras-tuner's patched
#: attributes were after each step.
IMPORT_ALL_THEN_INSTALL = """
import contextlib, importlib, io, json, pkgutil
import autosent
for module in pkgutil.walk_packages(autosent.__path__, "autosent."):
    if module.name != "autosent.__main__":  # it runs the command
        importlib.import_module(module.name)
from keras_tuner.src import config, utils
from keras_tuner.src.engine.conditions import Parent
from keras_tuner.src.engine.tuner_utils import SaveBestEpoch
from autosent.search import keras_tuner_internals
def printed_by_a_condition():
    with contextlib.redirect_stdout(io.StringIO()) as out:
        Parent("encoder", ["conv1d"]).to_proto()  # as a distributed search sends each trial
    return out.getvalue()
def patched():
    return {"save_json": utils.save_json.__module__, "DEBUG": config.DEBUG, "checkpoint": SaveBestEpoch._save_model.__module__,
            "printed": printed_by_a_condition()}
steps = [patched()]
for _ in range(2):
    keras_tuner_internals.install()
    steps.append(patched())
print(json.dumps(steps))
"""


@pytest.mark.slow
def test_importing_autosent_changes_nothing_in_keras_tuner_until_install():
    """A process that imports autosent for its own tuner (or a test) gets keras-tuner as it ships;
    a search installs atomic writes, quiet failures and no stray prints, and installing twice is installing once."""
    child = subprocess.run([sys.executable, "-c", IMPORT_ALL_THEN_INSTALL], capture_output=True, text=True, check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    imported, installed, again = json.loads(child.stdout)
    assert imported == {"save_json": "keras_tuner.src.utils", "DEBUG": True, "checkpoint": "keras_tuner.src.engine.tuner_utils",
                        "printed": "conv1d\n"}  # fmt: skip
    fence = "autosent.search.keras_tuner_internals"
    assert installed == again == {"save_json": fence, "DEBUG": False, "checkpoint": fence, "printed": ""}


def test_the_tuner_declares_the_space_keras_tuner_would_discover_without_building_a_model(tmp_path, monkeypatch):
    """keras-tuner discovers conditional hyperparameters by building a model per condition in the
    tuner's constructor, where a model too large for memory fails outside any trial. autosent's tuner
    declares them instead: the oracle must get the same space in the same order, since its seeded
    draws (and every run made before) depend on it."""
    import keras_tuner

    from autosent.models.hypermodel import SentimentHyperModel
    from autosent.models.objective import OBJECTIVE
    from autosent.search.space import load_space
    from autosent.search.tuner import RecordingHyperband
    from autosent.text.inputs import CHARS, NGRAMS, WORDS
    from autosent.text.sizes import resolve_batch_sizes

    space = load_space("default")
    sizes = {"sequence_length": 16, "max_tokens": 50, "ngram_max_tokens": 50, "char_ngrams": 3, "char_max_tokens": 50}
    space = resolve_batch_sizes(space.with_sizes(sizes), train_size=10)
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
