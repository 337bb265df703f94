"""The whole boundary with keras-tuner's private API: checked when imported, patched only by `install()`.

keras-tuner's public API has no atomic state writes, no view of the oracle's retry queue, no
hook into its gRPC servicer, no say in how an oracle samples a configuration and no way to
declare a space without building its models, and autosent needs all five (crash safety, resume
repair, distributed liveness, cost-aware allocation, a model too large for memory failing in a
recorded trial). When keras-tuner changes, this is the one file to read: every override of one
of its private methods, every change to its oracle's private state and every process-wide patch
is here, and the rest of autosent reaches them through this module's plainly named classes and
functions. It imports what it needs from `keras_tuner.src`, checks that each piece has the shape
autosent relies on, and fails with one clear message naming the piece if not. It was verified
with the keras-tuner versions `pyproject.toml` allows.

Importing it changes nothing in keras-tuner. `install()`, which a search calls before it makes
its tuner, applies the process-wide settings autosent wants:
- keras-tuner's state writes (`oracle.json`, `trial.json`) and each trial's best-epoch
  checkpoint (`checkpoint.weights.h5`) go through `autosent.runs.atomic`;
- keras-tuner prints no failed trial's traceback (the trial record keeps its one-line reason).

What the rest of autosent uses instead of keras-tuner's private names:
- `HookedHyperbandOracle.new_values` and `HookedHyperband.declare_space`: hooks the oracle and
  tuner of `autosent.search.tuner` implement, in place of overriding `_random_values` and
  `_populate_initial_space`;
- `HookedOracleService`: the chief's gRPC service, with `heard_from`/`may_stop` hooks for
  `autosent.search.distributed`'s liveness, and the functions on the oracle's shared state it needs;
- `queue_running_trials` and `end_queued_trial`, for `autosent.search.resume`'s repair;
- `with_values`, `hyperband_rounds`, `checkpoint_path` and `is_worker`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import keras_tuner

from autosent.models import keras_internals
from autosent.runs import atomic

try:
    from keras_tuner.src import config as _config
    from keras_tuner.src import protos
    from keras_tuner.src import utils as _utils
    from keras_tuner.src.distribute import utils as _distribute_utils
    from keras_tuner.src.distribute.oracle_chief import OracleServicer, exit_chief
    from keras_tuner.src.engine import conditions as _conditions
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
    (protos.get_service_grpc(), "add_OracleServicer_to_server"),
    (Oracle, "create_trial"),  # hands out `_retry_queue` entries before new trials
    # HookedHyperbandOracle overrides it: one random configuration, or None when every one it
    # draws was tried (HyperbandOracle._random_trial calls it for new configurations)
    (Oracle, "_random_values"),
    (Oracle, "end_trial"),
    (OracleServicer, "CreateTrial"),  # HookedOracleService overrides these four
    (OracleServicer, "GetTrial"),
    (OracleServicer, "UpdateTrial"),
    (OracleServicer, "EndTrial"),
    (HyperbandOracle, "_get_num_brackets"),  # the bracket geometry `hyperband_rounds` reads
    (HyperbandOracle, "_get_num_rounds"),
    (HyperbandOracle, "_get_size"),
    (HyperbandOracle, "_get_epochs"),
    # HookedHyperband overrides it: it declares the space without building models
    (Tuner, "_populate_initial_space"),
    (Tuner, "_get_checkpoint_fname"),  # where each trial's best-epoch weights are: see checkpoint_path
    (SaveBestEpoch, "_save_model"),  # writes them, to its `filepath`
    (TrialStatus, "RUNNING"),
    (TrialStatus, "IDLE"),
    (TrialStatus, "STOPPED"),
    (_conditions.Parent, "to_proto"),  # its leftover print is silenced by install()
)


# --- Process-wide settings, applied by install() ---------------------------------------------


def _silent(*args: Any, **kwargs: Any) -> None:
    """`print` for keras-tuner's conditions module, which prints only for debugging."""


def _atomic_save_json(path: str, obj: Any) -> str:
    text = json.dumps(obj)
    atomic.write_text(path, text)
    return text


#: keras-tuner's own writer of a trial's best-epoch weights: the fallback of `_atomic_save_checkpoint`.
_SAVE_CHECKPOINT_IN_PLACE = SaveBestEpoch._save_model


def _atomic_save_checkpoint(callback: SaveBestEpoch) -> None:
    """A trial's best-epoch weights, written like every other results file (`keras_internals.weights_file`).

    autosent's one strategy, MirroredStrategy, has one writer: keras-tuner's temp paths for the
    other workers of a multi-worker strategy are not needed.
    """
    data = keras_internals.weights_file(callback.model)
    if data is None:
        _SAVE_CHECKPOINT_IN_PLACE(callback)
    else:
        atomic.write_bytes(callback.filepath, data)


def install() -> None:
    """Make keras-tuner write its state atomically and print no failed trial's traceback, process-wide.

    Called by `pipeline` before it makes its tuner; calling it again changes nothing. keras-tuner
    rewrites `oracle.json`, `trial.json` and the best-epoch checkpoints in place, so a SIGKILL
    mid-write would leave a truncated oracle.json and a run that cannot resume, or a checkpoint
    that the trial's Hyperband successors cannot load. keras-tuner looks `save_json` up at call time.
    """
    _utils.save_json = _atomic_save_json
    _config.DEBUG = False
    SaveBestEpoch._save_model = _atomic_save_checkpoint
    # keras-tuner 1.4's `Parent.to_proto` prints its condition's first value, a leftover debug
    # print: a distributed search's every trial and heartbeat sent over gRPC put a stray line
    # (`conv1d`) into its log. Its module's own `print` is the only one it has; this one is silent.
    _conditions.print = _silent


# --- The oracle and tuner autosent.search.tuner subclasses ------------------------------------


class HookedHyperbandOracle(HyperbandOracle):
    """keras-tuner's Hyperband oracle, whose new configurations a subclass chooses in `new_values`."""

    def new_values(self, draw: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
        """A new configuration's values, or None when none is left untried.

        `draw()` is one of keras-tuner's seeded random configurations (None once every one it
        draws was tried); this default takes the first, as keras-tuner does.
        """
        return draw()

    def _random_values(self) -> dict[str, Any] | None:
        return self.new_values(super()._random_values)


class HookedHyperband(keras_tuner.Hyperband):
    """keras-tuner's Hyperband tuner with the oracle it is given, and a space a subclass declares
    in `declare_space` instead of discovering it by building models."""

    def __init__(self, *, oracle: HyperbandOracle, **kwargs: Any):
        # keras_tuner.Hyperband.__init__ only builds the stock oracle; the Tuner takes this one.
        keras_tuner.Tuner.__init__(self, oracle=oracle, **kwargs)

    def declare_space(self, hp: keras_tuner.HyperParameters) -> None:
        """Register every hyperparameter of the space in `hp`, conditional ones included, in the
        order keras-tuner's builds would: the oracle's seeded draws depend on that order."""
        raise NotImplementedError

    def _populate_initial_space(self) -> None:
        """Declare the whole space to the oracle without building a model.

        keras-tuner builds the hypermodel once per conditional scope here, in the tuner's
        constructor, to discover conditional hyperparameters; a model too large for memory
        would then fail outside any trial, with nothing recorded. One declaration gives the
        oracle the same space, and the first model is built by a trial, whose failure is
        recorded like any other.
        """
        hp = self.oracle.get_space()
        self.declare_space(hp)
        self.oracle.update_space(hp)


def with_values(hp: keras_tuner.HyperParameters, values: dict[str, Any]) -> keras_tuner.HyperParameters:
    """`hp` (a declared space) with `values` set, inactive ones dropped, and each active one
    `values` leaves out at its default: keras-tuner's `ensure_active_values`, with defaults
    instead of random draws, so that a rebuilt trial is exactly the trial that was recorded."""
    hp.values.update(values)
    for entry in hp.space:
        if not hp.is_active(entry):
            hp.values.pop(entry.name, None)
        elif entry.name not in hp.values:
            hp.values[entry.name] = entry.default
    return hp


def hyperband_rounds(max_epochs: int, factor: int) -> list[tuple[int, list[tuple[int, int]]]]:
    """keras-tuner's Hyperband geometry: each bracket's number, in the order its oracle runs them,
    with the (trials, epochs) of each of its rounds. `--dry-run` plans with it, so its plan is
    the oracle's own."""
    oracle = HyperbandOracle(objective=keras_tuner.Objective("plan", "min"), max_epochs=max_epochs, factor=factor)
    brackets = reversed(range(oracle._get_num_brackets()))
    return [(b, [(oracle._get_size(b, r), oracle._get_epochs(b, r)) for r in range(oracle._get_num_rounds(b))]) for b in brackets]


#: keras-tuner's file of a trial's best-epoch weights, in the trial's folder under the project.
CHECKPOINT_FILE = "checkpoint.weights.h5"


def checkpoint_path(tuner_dir: Path, trial_id: str) -> Path:
    """Where keras-tuner keeps the weights of trial `trial_id`'s best epoch (`Tuner._get_checkpoint_fname`).

    Hyperband continues trials from them; autosent reads them to score a finished trial on
    the validation split without training it again.
    """
    return tuner_dir / f"trial_{trial_id}" / CHECKPOINT_FILE


def oracle_seed(tuner_dir: Path) -> int:
    """The seed a run's oracle drew with, from its saved state (`oracle.json`).

    Not always the run's `--seed`: keras-tuner takes a seed of 0 as none and picks its own from
    Python's `random` (which the search seeded), so only its state file says which.
    """
    return json.loads((tuner_dir / "oracle.json").read_text(encoding="utf-8"))["seed"]


# --- The oracle's state: resume repair ---------------------------------------------------------


def retry_queue(oracle) -> list[str]:
    """The oracle's queue of trial ids to run again before new ones, the next one last
    (`Oracle.create_trial` pops it); keras-tuner has no public view of it."""
    queue = getattr(oracle, "_retry_queue", None)
    if not isinstance(queue, list):  # keras-tuner changed, not a caller's mistake: no TypeError
        raise RuntimeError(  # noqa: TRY004
            f"keras-tuner {metadata.version('keras-tuner')}'s oracle keeps no _retry_queue list; "
            "autosent's resume needs keras-tuner 1.4 (pip install 'keras-tuner>=1.4.7,<1.5')"
        )
    return queue


def queue_running_trials(oracle) -> list[str]:
    """Queue every trial the oracle holds as running that its retry queue lacks; the queue's ids, the next one last.

    keras-tuner's reload queues the trials `oracle.json` lists as running, and loads every
    `trial.json`; a trial created just before a kill is on disk as running but not in that list.
    """
    queue = retry_queue(oracle)
    queue.extend(t for t, trial in oracle.trials.items() if trial.status == TrialStatus.RUNNING and t not in queue)
    return list(queue)


def end_queued_trial(oracle, trial_id: str, status: str, message: str, objective: tuple[float, int] | None) -> None:
    """End queued trial `trial_id` as `status` (with `message`) instead of running it again.

    `objective` is the (value, step) of its best epoch, reported first if the oracle has none:
    Hyperband promotes finished trials by it.
    """
    retry_queue(oracle).remove(trial_id)
    trial = oracle.trials[trial_id]
    if objective is not None and not trial.metrics.exists(oracle.objective.name):
        value, step = objective
        oracle.update_trial(trial_id, {oracle.objective.name: value}, step=step)
    trial.status, trial.message = status, message
    oracle.end_trial(trial)


# --- The chief's service: distributed liveness ---------------------------------------------------
#
# What autosent.search.distributed relies on in keras-tuner 1.4 (`engine/oracle.py`, `distribute/`):
# `Oracle.create_trial` hands out `_retry_queue` entries before new trials, returns a tuner's
# ongoing trial if it asks again, and once the budget is handed out returns a STOPPED trial and
# removes the tuner from `tuner_ids`; `ongoing_trials` maps tuner id to trial and `tuner_ids` holds
# the tuners that may still ask; both are guarded by the `synchronized` lock; a worker's `search`
# loop asks again on an IDLE trial and stops on STOPPED; the chief may exit once it told a tuner to
# stop and `exit_chief` finds no trial running and no tuner left.


def is_worker() -> bool:
    """Whether this process's tuners are clients of a chief's oracle (set by `distributed.keras_tuner_environment`)."""
    return _distribute_utils.has_chief_oracle() and not _distribute_utils.is_chief_oracle()


@synchronized
def runner_of(oracle, trial_id: str) -> str | None:
    """The id of the tuner running trial `trial_id`, or None."""
    return next((t for t, trial in oracle.ongoing_trials.items() if trial.trial_id == trial_id), None)


@synchronized
def others_running(oracle, tuner_id: str) -> bool:
    """Whether a tuner other than `tuner_id` runs a trial."""
    return any(t != tuner_id for t in oracle.ongoing_trials)


@synchronized
def _keep_waiting(oracle, tuner_id: str) -> None:
    """Count `tuner_id` again among the tuners the chief waits for (create_trial removed it)."""
    oracle.tuner_ids.add(tuner_id)


@synchronized
def forget_tuners(oracle, lost: Callable[[str], bool]) -> list[tuple[str, str | None]]:
    """Forget every tuner `lost` says is gone, and queue its running trial to run next elsewhere.

    Returns each forgotten tuner's id with its trial's (None if it ran none); the oracle's
    state is saved if any was forgotten.
    """
    forgotten = []
    for tuner_id in list(oracle.tuner_ids):
        if not lost(tuner_id):
            continue
        oracle.tuner_ids.discard(tuner_id)
        trial = oracle.ongoing_trials.pop(tuner_id, None)
        if trial is not None:
            retry_queue(oracle).append(trial.trial_id)
        forgotten.append((tuner_id, trial.trial_id if trial is not None else None))
    if forgotten:
        oracle.save()
    return forgotten


class HookedOracleService(OracleServicer):
    """keras-tuner's gRPC service of the chief's oracle, with two hooks a subclass implements:
    `heard_from` on every call a tuner makes, and `may_stop` when one asks past the budget."""

    def heard_from(self, tuner_id: str) -> None:
        """Tuner `tuner_id` called: it asked for a trial, or read or reported the trial it runs."""

    def may_stop(self, tuner_id: str) -> bool:
        """The budget is handed out and `tuner_id` asks for more: whether to tell it to stop.

        False keeps it waiting: it gets an IDLE trial, asks again, and the chief waits for it.
        """
        return True

    @property
    def finished(self) -> bool:
        """Whether the chief may stop serving: a tuner was told to stop, no trial runs and no tuner is left."""
        return self.stop_triggered and exit_chief(self.oracle)

    def _heard_from_runner(self, trial_id: str) -> None:
        tuner_id = runner_of(self.oracle, trial_id)
        if tuner_id is not None:
            self.heard_from(tuner_id)

    def CreateTrial(self, request, context):
        """keras-tuner's, except that a tuner `may_stop` refuses keeps waiting."""
        self.heard_from(request.tuner_id)
        trial = self.oracle.create_trial(request.tuner_id)
        if trial.status == TrialStatus.STOPPED:
            if self.may_stop(request.tuner_id):
                self.stop_triggered = True
            else:
                _keep_waiting(self.oracle, request.tuner_id)
                trial.status = TrialStatus.IDLE  # a throwaway Trial, not the oracle's
        return protos.get_service().CreateTrialResponse(trial=trial.to_proto())

    def GetTrial(self, request, context):
        self._heard_from_runner(request.trial_id)
        return super().GetTrial(request, context)

    def UpdateTrial(self, request, context):
        self._heard_from_runner(request.trial_id)
        return super().UpdateTrial(request, context)

    def EndTrial(self, request, context):
        self._heard_from_runner(request.trial.trial_id)
        return super().EndTrial(request, context)


def add_to_server(service: HookedOracleService, server) -> None:
    """Serve `service` on gRPC `server` under keras-tuner's protocol, which its workers' clients speak."""
    protos.get_service_grpc().add_OracleServicer_to_server(service, server)
