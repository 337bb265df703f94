"""One search, end to end: data -> vectorizer -> hypermodel -> Hyperband -> trial records.

`run_search` is what `autosent search` calls; it is importable and has no terminal code.
Re-running it with the same settings resumes the run: keras-tuner reloads its oracle,
finished trials are kept and count towards the budget.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autosent.data import Dataset, SplitRule
from autosent.data.files import check_encoding
from autosent.data.spec import DataSpec, ReadOptions
from autosent.errors import UsageError, whole_number_problem
from autosent.models.objective import OBJECTIVE
from autosent.runs.records import TrialRecord, read_record, read_records, record_ids
from autosent.runs.run_data import recorded_paths
from autosent.runs.rundir import (
    MAX_EPOCHS,
    MAX_SEED,
    TENSORBOARD_DIR,
    TUNER_DIR,
    RunIdentity,
    RunRecord,
    check_run_name,
    default_run_name,
    join_run,
    open_run,
    recorded_identity,
    run_folder,
)
from autosent.search.devices import distribution_strategy
from autosent.search.distributed import EXPOSED_WARNING, Cluster, keras_tuner_environment, serve, wait_for_chief
from autosent.search.heap import frozen
from autosent.search.memory import check_fits
from autosent.search.profile import DataProfile, profile
from autosent.search.space import SearchSpace, load_space
from autosent.text.sizes import resolve_sizes
from autosent.views.events import SearchListener

#: Upper bounds of the search flags: far above any real search, low enough to catch a typo.
MAX_BUDGET = 100_000


def _check_range(flag: str, value: int, low: int, high: int | None) -> None:
    problem = whole_number_problem(value, low, high)
    if problem is not None:
        raise UsageError(f"{flag} {value} {problem}")


@dataclass(frozen=True)
class SearchConfig:
    """Everything `autosent search` accepts; defaults are the CLI's defaults."""

    data: str = "imdb"
    val_data: str | None = None
    test_data: str | None = None
    text_column: str = "text"
    label_column: str = "label"
    encoding: str = "utf-8"
    delimiter: str | None = None  # of .csv/.tsv files; by default their suffix's
    space: str = "default"
    budget: int = 50
    max_epochs: int | None = None
    time_limit: float | None = None
    run: str | None = None
    results: Path = Path("results")
    seed: int = 0
    limit: int | None = None
    class_weight: str | None = None  # fixes the space's class_weight hyperparameter
    allow_overlap: bool = False  # --val-data/--test-data may share texts with --data
    overwrite: bool = False
    chief: str | None = None
    role: str | None = None
    worker_id: str | None = None
    worker_timeout: float = 60.0
    devices: str | None = None

    def validate(self) -> None:
        """Fail on impossible values before any work is done and before anything is written."""
        _check_range("--budget", self.budget, 1, MAX_BUDGET)
        if self.max_epochs is not None:
            _check_range("--max-epochs", self.max_epochs, 1, MAX_EPOCHS)
        if self.limit is not None:
            _check_range("--limit", self.limit, 1, None)
        _check_range("--seed", self.seed, 0, MAX_SEED)
        if self.time_limit is not None and not 0 < self.time_limit < math.inf:
            raise UsageError(f"--time-limit {self.time_limit:g}s must be positive")
        check_encoding(self.encoding)
        check_run_name(self.run_name)
        if self.results.exists() and not self.results.is_dir():
            raise UsageError(f"--results {self.results} is a file, not a folder")
        run_folder(self.results, self.run_name)  # the name also fits the file system there
        if (self.chief is None) != (self.role is None):
            raise UsageError("--chief HOST:PORT and --role chief|worker go together")
        self.cluster  # noqa: B018 (parsing it validates it)
        if self.devices is not None and self.devices != "all" and not (self.devices.isdigit() and int(self.devices) > 0):
            raise UsageError(f"--devices {self.devices}: give all or a number of devices, e.g. --devices 2")

    @property
    def cluster(self) -> Cluster | None:
        """This process's place in a distributed search, or None for a local one."""
        if self.chief is None or self.role is None:
            return None
        return Cluster.parse(self.chief, self.role, self.worker_id, self.worker_timeout)

    @property
    def sources(self) -> list[str]:
        """Every data source the search reads: `--data`, and `--val-data`/`--test-data` if given."""
        return [s for s in (self.data, self.val_data, self.test_data) if s is not None]

    def data_spec(self, rule: SplitRule) -> DataSpec:
        """The data settings the flags give, split by `rule` (which depends on the space and on the run being resumed)."""
        return DataSpec(
            self.data, self.val_data, self.test_data, ReadOptions(self.text_column, self.label_column, self.encoding, self.delimiter),
            self.limit, self.seed, rule,
        )  # fmt: skip

    @property
    def run_name(self) -> str:
        return self.run if self.run is not None else default_run_name(self.data, self.space, self.results)


@dataclass(frozen=True)
class SearchOutcome:
    """How a search ended. `failed_in_a_row` holds the failures that stopped it, if they did."""

    run_dir: Path
    records: list[TrialRecord]
    stopped_by_time: bool = False
    #: When the time limit ran out before this process began a trial: how long loading and preparing
    #: took. The limit counts them, so the same command would stop there again.
    preparing_seconds: float | None = None
    failed_in_a_row: list[TrialRecord] = field(default_factory=list)


@dataclass(frozen=True)
class PreparedSearch:
    """A validated config with its space and data loaded: everything that can fail on bad input.

    Preparing needs no TensorFlow, so a mistake in the command is reported in a moment,
    before the slow part starts.
    """

    config: SearchConfig
    space: SearchSpace
    dataset: Dataset
    data: DataSpec  # with the split rule the run records
    profile: DataProfile
    started: float

    @property
    def max_epochs(self) -> int:
        return self.config.max_epochs or self.space.max_epochs

    def identity(self) -> RunIdentity:
        """What a run folder must have been made from for this search to resume it."""
        return RunIdentity(
            self.data.source, self.dataset.fingerprint(), self.space.as_dict(), self.max_epochs, self.data.seed,
            self.data.val_source, self.data.test_source, self.data.rule,
        )  # fmt: skip

    def run_record(self) -> RunRecord:
        """run.json of the run this search makes: its identity, and its data settings for export to read the data again."""
        return RunRecord(
            run=self.config.run_name,
            identity=self.identity(),
            space_file=str(self.config.space),
            **asdict(self.data.read),
            data_paths=recorded_paths(self.data.sources),
            limit=self.data.limit,
            budget=self.config.budget,
            label_names=list(self.dataset.label_names),
            splits=self.dataset.sizes(),
            dropped_empty_texts=self.dataset.dropped_empty,
            profile=self.profile,
        )


def prepare_search(config: SearchConfig) -> PreparedSearch:
    """Validate the config and load its space and data; raises `UsageError` on bad input."""
    config.validate()
    started = time.monotonic()
    unresolved = load_space(config.space)
    spec = config.data_spec(_split_rule(config, unresolved.standardize))
    dataset = spec.load()
    if config.class_weight is not None:
        unresolved = unresolved.with_fixed("class_weight", config.class_weight)
    space = resolve_sizes(unresolved, dataset.train.texts)
    check_fits(space, dataset.num_classes, f"--space {config.space}")  # sizes each in range can still multiply past any memory
    found = profile(dataset, space)
    if spec.rule.allow_overlap and not any(found.duplicates_across.values()):  # nothing was allowed: the same run as without it
        spec = dataclasses.replace(spec, rule=dataclasses.replace(spec.rule, allow_overlap=False))
    return PreparedSearch(config, space, dataset, spec, found, started)


def _split_rule(config: SearchConfig, standardize: str) -> SplitRule:
    """Rows with the same words in the space's standardisation are one text; a run made before
    that rule (its identity has none) resumes with the row-by-row split it was made with."""
    if not config.overwrite:
        try:
            made = recorded_identity(run_folder(config.results, config.run_name))
        except UsageError:  # an unreadable run.json is reported, with its fix, when the run opens
            made = None
        if made is not None and made.split.grouped_by is None:  # its identity has no split rule
            return SplitRule()
    given = config.val_data is not None or config.test_data is not None  # overlap is allowed between sources only
    return SplitRule(standardize, config.allow_overlap and given)


def run_search(config: SearchConfig, listener: SearchListener | None = None) -> SearchOutcome:
    """Run (or resume) a Hyperband search until the budget or the time limit is spent."""
    return run_prepared(prepare_search(config), listener)


def run_prepared(prepared: PreparedSearch, listener: SearchListener | None = None) -> SearchOutcome:
    """Run a prepared search in its run folder, holding the folder's lock throughout."""
    config, dataset = prepared.config, prepared.dataset
    listener = listener or SearchListener()
    listener.on_data_ready(dataset.sizes(), dataset.dropped_empty, prepared.space.vectorizer_settings)
    listener.on_profile(prepared.profile)
    for warning in prepared.profile.warnings:
        listener.on_warning(warning)
    strategy = distribution_strategy(config.devices)  # checked before anything is written
    if config.role == "chief":
        config.cluster.check_port_free()
    if config.role == "worker":
        # The chief owns the run folder and its lock; a worker only checks it has the same data.
        wait_for_chief(config.cluster)
        return _search_in(join_run(config.results, config.run_name, prepared.identity()), prepared, strategy, listener)
    with open_run(config.results, prepared.run_record(), config.overwrite) as run_dir:
        return _search_in(run_dir, prepared, strategy, listener)


def _search_in(run_dir: Path, prepared: PreparedSearch, strategy, listener: SearchListener) -> SearchOutcome:
    """The search itself, in a run folder whose lock this process (or, for a worker, its chief) holds."""
    import keras
    import keras_tuner

    from autosent.models.hypermodel import SentimentHyperModel
    from autosent.search import keras_tuner_internals
    from autosent.search.tuner import RecordingHyperband
    from autosent.text.vectorize import fitted_tokenizer, vectorize

    config, dataset, space, cluster = prepared.config, prepared.dataset, prepared.space, prepared.config.cluster

    keras_tuner_internals.install()  # atomic state writes, before the tuner's first one
    keras.utils.set_random_seed(config.seed)
    tokenizer = fitted_tokenizer(dataset.train.texts, space, run_dir)
    # The chief only serves the oracle: it never needs the ids (nor nbsvm's ratios, made from them).
    data = None if config.role == "chief" else vectorize(dataset, tokenizer, listener.on_vectorize_progress)
    with keras_tuner_environment(cluster) if config.role == "worker" else contextlib.nullcontext():
        with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner prints "Reloading Tuner..."
            tuner = RecordingHyperband(
                run_dir=run_dir,
                train_size=len(dataset.train),
                encoders=space.encoders,
                listener=listener,
                deadline=None if config.time_limit is None else prepared.started + config.time_limit,
                val_inputs=None if data is None else data.x_val,
                hypermodel=SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, config.seed, data),
                objective=keras_tuner.Objective(OBJECTIVE, direction="min"),
                max_epochs=prepared.max_epochs,
                factor=space.factor,
                seed=config.seed,
                distribution_strategy=strategy,
                directory=str(run_dir),
                project_name=TUNER_DIR,
            )
        tuner.oracle.max_trials = config.budget
        listener.on_search_begin(config.budget, read_records(run_dir))
        if config.role == "chief":
            return _serve(tuner, run_dir, cluster, listener)
        return _train(tuner, data, run_dir, space.patience, prepared.started)


def _serve(tuner, run_dir: Path, cluster: Cluster, listener: SearchListener) -> SearchOutcome:
    """The chief: serve the oracle until the workers have spent the budget, showing their records."""
    tuner.oracle.verbose = 0  # keras-tuner would print each trial; the live view shows them
    if not cluster.is_loopback:
        listener.on_warning(EXPOSED_WARNING.format(address=cluster.address))
    tuner.oracle.save()
    tuner.save()
    shown = set(record_ids(run_dir))

    def on_tick(lost: list[tuple[str, str | None]]) -> None:
        for worker, trial_id in lost:
            requeued = f"; its trial {trial_id} goes to another worker" if trial_id else ""
            listener.on_message(f"worker {worker} stopped answering{requeued}")
        for trial_id in record_ids(run_dir):  # twice a second: read only the records that are new
            if trial_id not in shown and (record := read_record(run_dir, trial_id)) is not None:
                shown.add(trial_id)
                listener.on_trial_end(record)

    serve(tuner.oracle, cluster, on_tick)
    return SearchOutcome(run_dir, read_records(run_dir))


def _train(tuner, data, run_dir: Path, patience: int, started: float) -> SearchOutcome:
    """A local search or a worker: run trials until the oracle says the budget is spent."""
    import keras
    import tensorflow as tf

    from autosent.models.hypermodel import early_stopping
    from autosent.search.tuner import TimeLimitReached, TooManyFailures

    train = tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
    val = tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val))
    # keras-tuner gives each trial its own log folder under tb/ and adds its hyperparameters
    # for TensorBoard's HParams tab: `tensorboard --logdir results/<run>/tb`.
    tensorboard = keras.callbacks.TensorBoard(log_dir=str(run_dir / TENSORBOARD_DIR), write_graph=False, profile_batch=0)
    try:
        with frozen():
            tuner.search(train, validation_data=val, callbacks=[early_stopping(patience), tensorboard], verbose=0)
    except TimeLimitReached:
        preparing = None if tuner.trials_begun else time.monotonic() - started
        return SearchOutcome(run_dir, read_records(run_dir), stopped_by_time=True, preparing_seconds=preparing)
    except TooManyFailures as stop:
        return SearchOutcome(run_dir, read_records(run_dir), failed_in_a_row=stop.failed)
    return SearchOutcome(run_dir, read_records(run_dir))
