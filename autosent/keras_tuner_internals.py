"""Every use of keras-tuner's private API, in one place, checked when it is imported.

keras-tuner's public API has no atomic state writes, no view of the oracle's retry queue, no
hook into its gRPC servicer, no say in how an oracle samples a configuration and no way to
declare a space without building its models, and autosent needs all five (crash safety, resume
repair, distributed liveness, cost-aware allocation, a model too large for memory failing in a
recorded trial). When keras-tuner changes, this is the one file to read: it imports
what it needs from `keras_tuner.src`, checks that each piece has the shape autosent relies
on, and fails with one clear message naming the piece if not. It was verified with the
keras-tuner versions `pyproject.toml` allows.

Importing it applies the process-wide settings autosent wants, once:
- keras-tuner's state writes (`oracle.json`, `trial.json`) and each trial's best-epoch
  checkpoint (`checkpoint.weights.h5`) go through `autosent.atomic`;
- keras-tuner prints no failed trial's traceback (the trial record keeps its one-line reason).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from autosent import atomic, keras_internals

try:
    from keras_tuner.src import config as _config
    from keras_tuner.src import protos
    from keras_tuner.src import utils as _utils
    from keras_tuner.src.distribute import utils as _distribute_utils
    from keras_tuner.src.distribute.oracle_chief import OracleServicer, exit_chief
    from keras_tuner.src.engine.oracle import Oracle, synchronized
    from keras_tuner.src.engine.trial import TrialStatus
    from keras_tuner.src.engine.tuner import Tuner
    from keras_tuner.src.engine.tuner_utils import SaveBestEpoch
    from keras_tuner.src.tuners.hyperband import HyperbandOracle
except ImportError as e:  # pragma: no cover (only with an unsupported keras-tuner)
    raise ImportError(
        f"autosent needs keras-tuner 1.4 (installed: {metadata.version('keras-tuner')}); "
        f"its internal module {e.name!r} is gone: pip install 'keras-tuner>=1.4.7,<1.5'"
    ) from e

__all__ = ["OracleServicer", "TrialStatus", "exit_chief", "is_worker", "protos", "retry_queue", "synchronized"]


def check(*requirements: tuple[object, str]) -> None:
    """Raise `ImportError` naming the first (object, attribute) keras-tuner no longer has."""
    for owner, attribute in requirements:
        if not hasattr(owner, attribute):
            name = getattr(owner, "__name__", type(owner).__name__)
            raise ImportError(
                f"autosent needs keras-tuner 1.4 (installed: {metadata.version('keras-tuner')}): "
                f"{name}.{attribute} is gone; pip install 'keras-tuner>=1.4.7,<1.5'"
            )


check(
    (_utils, "save_json"),  # every state write of the oracle and of each trial goes through it
    (_config, "DEBUG"),  # when True, each failed trial's traceback is printed
    (_distribute_utils, "has_chief_oracle"),
    (_distribute_utils, "is_chief_oracle"),
    (Oracle, "create_trial"),  # hands out `_retry_queue` entries before new trials
    # tuner.CostAwareHyperbandOracle overrides it: one random configuration, or None when
    # every one it draws was tried (HyperbandOracle._random_trial calls it for new configurations)
    (Oracle, "_random_values"),
    (Oracle, "end_trial"),
    (OracleServicer, "CreateTrial"),
    (HyperbandOracle, "_get_num_brackets"),  # the bracket geometry `hyperband_rounds` reads
    (HyperbandOracle, "_get_num_rounds"),
    (HyperbandOracle, "_get_size"),
    (HyperbandOracle, "_get_epochs"),
    # tuner.RecordingHyperband overrides it: it declares the space without building models
    (Tuner, "_populate_initial_space"),
    (Tuner, "_get_checkpoint_fname"),  # where each trial's best-epoch weights are: see checkpoint_path
    (SaveBestEpoch, "_save_model"),  # writes them, to its `filepath`
    (TrialStatus, "IDLE"),
    (TrialStatus, "STOPPED"),
)


def _atomic_save_json(path: str, obj: Any) -> str:
    text = json.dumps(obj)
    atomic.write_text(path, text)
    return text


# keras-tuner rewrites its state files in place, so a SIGKILL mid-write would leave a truncated
# oracle.json and a run that cannot resume. It looks `save_json` up at call time.
_utils.save_json = _atomic_save_json
_config.DEBUG = False

_save_checkpoint_in_place = SaveBestEpoch._save_model


def _atomic_save_checkpoint(callback: SaveBestEpoch) -> None:
    """A trial's best-epoch weights, written like every other results file (`keras_internals.weights_file`).

    autosent's one strategy, MirroredStrategy, has one writer: keras-tuner's temp paths for the
    other workers of a multi-worker strategy are not needed.
    """
    data = keras_internals.weights_file(callback.model)
    if data is None:
        _save_checkpoint_in_place(callback)
    else:
        atomic.write_bytes(callback.filepath, data)


# In place, a kill mid-write leaves a checkpoint that the trial's Hyperband successors cannot load.
SaveBestEpoch._save_model = _atomic_save_checkpoint


def retry_queue(oracle) -> list[str]:
    """The oracle's queue of trial ids to run again before new ones (keras-tuner has no public view)."""
    queue = getattr(oracle, "_retry_queue", None)
    if not isinstance(queue, list):  # keras-tuner changed, not a caller's mistake: no TypeError
        raise RuntimeError(  # noqa: TRY004
            f"keras-tuner {metadata.version('keras-tuner')}'s oracle keeps no _retry_queue list; "
            "autosent's resume needs keras-tuner 1.4 (pip install 'keras-tuner>=1.4.7,<1.5')"
        )
    return queue


def hyperband_rounds(max_epochs: int, factor: int) -> list[tuple[int, list[tuple[int, int]]]]:
    """keras-tuner's Hyperband geometry: each bracket's number, in the order its oracle runs them,
    with the (trials, epochs) of each of its rounds. `--dry-run` plans with it, so its plan is
    the oracle's own."""
    import keras_tuner

    oracle = HyperbandOracle(objective=keras_tuner.Objective("plan", "min"), max_epochs=max_epochs, factor=factor)
    brackets = reversed(range(oracle._get_num_brackets()))
    return [(b, [(oracle._get_size(b, r), oracle._get_epochs(b, r)) for r in range(oracle._get_num_rounds(b))]) for b in brackets]


def is_worker() -> bool:
    """Whether this process's tuners are clients of a chief's oracle (set by `distributed.keras_tuner_environment`)."""
    return _distribute_utils.has_chief_oracle() and not _distribute_utils.is_chief_oracle()


#: keras-tuner's file of a trial's best-epoch weights, in the trial's folder under the project.
CHECKPOINT_FILE = "checkpoint.weights.h5"


def checkpoint_path(tuner_dir: Path, trial_id: str) -> Path:
    """Where keras-tuner keeps the weights of trial `trial_id`'s best epoch (`Tuner._get_checkpoint_fname`).

    Hyperband continues trials from them; autosent reads them to score a finished trial on
    the validation split without training it again.
    """
    return tuner_dir / f"trial_{trial_id}" / CHECKPOINT_FILE
