"""Export: retrain a trial to its best epoch, test it, and ship a raw-text-in model.

Three steps, each its own function: `Trainer.retrain` rebuilds a trial's model from its
hyperparameters and trains it from scratch; `test_split_metrics` scores the end-to-end model on the
test split, which no search step touched; `export_folder.write` ships it. `check_trial`
checks everything that can be refused first, without TensorFlow, so that a refusal is quick
and quiet (importing this module loads none either); `ship_trial` then trains and writes
under the destination's lock (`writing`). An ensemble export (`ensemble.py`) takes the same
path with several trials.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from autosent.data import Dataset
from autosent.errors import UsageError
from autosent.runs import val_predictions
from autosent.runs.records import TrialRecord, epochs_trained, history_rows, rank, read_records
from autosent.runs.run_data import load_run_data
from autosent.runs.rundir import EXPORT_DIR, RUN_FILE, RunRecord, check_real_run, find_run, run_holding, versions
from autosent.search.space import SearchSpace
from autosent.ship import export_folder, model_card
from autosent.ship.cross_validation import FOLDS, FoldPredictions, fold_plan, held_out_cross_entropy, held_out_probabilities
from autosent.ship.export_metadata import ExportMetadata
from autosent.ship.metrics import Metrics, classification_metrics
from autosent.ship.selection import CrossValidated, Retraining, Selection, reads, retraining, select_best
from autosent.views.pace import short_duration

#: Told what the export is doing while no model trains in sight: cross-validating the tied trials.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExportResult:
    out: Path
    metadata: ExportMetadata


@dataclass(frozen=True)
class ExportJob:
    """An export checked before any work: the run, its space, records and data, the trial asked for, and the destination."""

    run_dir: Path
    info: RunRecord
    space: SearchSpace  # the run's, as recorded (`RunRecord.space`, checked once here)
    records: list[TrialRecord]
    dataset: Dataset
    out: Path
    trial: str = "best"
    size: int | None = None  # an ensemble's most members (`ensemble.check_ensemble`); None for one trial


@dataclass(frozen=True)
class Retrained:
    """A trial's model trained again: `model` takes the run's named inputs; `history` has one row per epoch."""

    record: TrialRecord
    model: Any
    epochs: int
    history: list[dict[str, float]]


def choose_trial(records: list[TrialRecord], trial: str) -> TrialRecord:
    """The finished trial of lowest val cross-entropy (ties: fewer parameters) for `best`, else the one named by id.

    `export best` may ship another on a small val split (`selection.select_best`).
    """
    finished = [r for r in rank(records) if r.finished]
    if not finished:
        raise UsageError("the run has no finished trial yet; run `autosent search` first")
    if trial == "best":
        return finished[0]
    for record in finished:
        if record.trial_id == trial or record.trial_id.lstrip("0") == trial.lstrip("0"):
            return record
    raise UsageError(f"no finished trial {trial!r} in this run (finished: {', '.join(r.trial_id for r in finished)})")


def reading_only_its_inputs(model, encoder: str):
    """`model` (a trial's, which takes all the run's named inputs) taking only the inputs its `encoder` reads.

    An export that computed, say, the character n-grams its word model ignores would pay for
    them on every prediction and ship their vocabulary.
    """
    import keras

    from autosent.models.hypermodel import reads

    return keras.Model({name: model.input[name] for name in reads(encoder)}, model.output, name=model.name)


def end_to_end_model(tokenizer, model, label_names: list[str]):
    """Raw strings in, probabilities out: the run's adapted text layers of the model's inputs inside it (`TextClassifier`)."""
    import keras

    from autosent.models.layers import TextClassifier

    text = keras.Input(shape=(), dtype="string", name="text")
    outputs = model({name: tokenizer.layers[name](text) for name in model.input})
    return TextClassifier(text, outputs, label_names=label_names, name="autosent_end_to_end")


def check_export(results: Path, run: str | None, *, out: Path | None, trial: str = "best", folder: str = EXPORT_DIR) -> ExportJob:
    """Everything an export can be refused for (the run, the trial, the destination, the data), checked first.

    `out` defaults to the run's `folder`. TensorFlow loads only for a run whose data is `tfds:NAME`.
    """
    run_dir = find_run(results, run)
    info = RunRecord.read(run_dir)
    space = info.space()  # a run.json edited by hand is refused here, before any work
    records = read_records(run_dir)
    choose_trial(records, trial)
    if out is None:
        check_real_run(run_dir)
    out = Path(out) if out is not None else run_dir / folder
    holder = run_holding(out, run_dir)
    if holder is not None:
        raise UsageError(f"--out {out} is inside the run folder {holder}, which holds only what that run makes; give a folder outside it")
    export_folder.check_destination(out)
    return ExportJob(run_dir, info, space, records, load_run_data(run_dir, info), out, trial)


def check_trial(results: Path, run: str | None = None, *, trial: str = "best", out: Path | None = None) -> ExportJob:
    """`check_export` of one trial, and for `best` the val predictions its rule reads (`selection.reads`)."""
    job = check_export(results, run, out=out, trial=trial)
    if trial == "best":
        val_predictions.check_readable(job.run_dir, reads(job.records, len(job.dataset.val)))
    return job


@contextlib.contextmanager
def writing(job: ExportJob) -> Iterator[None]:
    """Hold the destination folder's lock from the first training step until the swap.

    The run must still be there: `autosent runs --delete` may have taken it since the checks,
    and an export into a deleted run's folder would make a folder that looks like a run and is not.
    """
    if not (job.run_dir / RUN_FILE).is_file():
        raise UsageError(f"run {job.run_dir.name!r} was deleted after this export began; nothing was written")
    try:
        job.out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {job.out.parent}: {e.strerror}; pass --out DIR in a writable folder") from None
    with export_folder.locked(job.out):
        yield


def export_trial(
    results: Path,
    run: str | None = None,
    trial: str = "best",
    out: Path | None = None,
    full: bool | None = None,
    verbose: str | int = 0,
    progress: Progress | None = None,
) -> ExportResult:
    """Retrain `trial` of a run, evaluate it on test, and write the export folder.

    `full`: retrain on train + val (True), on train with early stopping on val (False), or as
    the data decides (None: `selection.retraining`).

    Everything that can be refused (the run, the trial, the destination, the data) is
    checked before training (`check_trial`); the destination's folder is locked from then until the swap.
    """
    return ship_trial(check_trial(results, run, trial=trial, out=out), full, verbose, progress)


def ship_trial(job: ExportJob, full: bool | None = None, verbose: str | int = 0, progress: Progress | None = None) -> ExportResult:
    """Retrain the trial of a checked job (`check_trial`), evaluate it on test, and write its export folder (`full`: as `export_trial`)."""
    decided = retraining(full, len(job.dataset.val))
    with writing(job):
        trainer = Trainer.for_run(job)
        record, selection = trainer.select(job, job.trial, decided.full, progress)
        retrained = trainer.retrain(record, decided.full, verbose)
        model = trainer.end_to_end(retrained, list(job.dataset.label_names))
        metadata = base_metadata(
            job, trainer.space, decided, test_split_metrics(model, job.dataset),
            trial_id=record.trial_id, hyperparameters=record.hyperparameters, epochs=retrained.epochs,
            retrain_history=retrained.history, search_val_cross_entropy=record.val_cross_entropy, selection=selection,
        )  # fmt: skip
        export_folder.write(job.out, model, metadata, model_card.render(metadata, job.records))
    return ExportResult(job.out, metadata)


@dataclass(frozen=True)
class Trainer:
    """What retraining any trial of a run needs, built once: its space, text layers, inputs and hypermodel."""

    space: SearchSpace
    tokenizer: Any
    data: Any  # vectorize.Vectorized
    hypermodel: Any  # hypermodel.SentimentHyperModel
    records: dict[str, TrialRecord]
    seed: int

    @classmethod
    def for_run(cls, job: ExportJob) -> Trainer:
        from autosent.models.hypermodel import SentimentHyperModel
        from autosent.text.vectorize import fitted_tokenizer, vectorize

        seed = job.info.identity.seed
        space = job.space
        tokenizer = fitted_tokenizer(job.dataset.train.texts, space, job.run_dir)
        data = vectorize(job.dataset, tokenizer)
        hypermodel = SentimentHyperModel.for_run(space, tokenizer, job.dataset.num_classes, seed, data)
        return cls(space, tokenizer, data, hypermodel, {r.trial_id: r for r in job.records}, seed)

    def val_probabilities(self, job: ExportJob, record: TrialRecord):
        """(n, K) val probabilities of a finished trial at its best epoch, as the search stored them (`val_predictions`)."""
        return val_predictions.read_or_score(self.hypermodel, job.run_dir, record, self.data.x_val)

    def select(self, job: ExportJob, trial: str, full: bool, progress: Progress | None = None) -> tuple[TrialRecord, Selection]:
        """The trial to export: `best` by `selection.select_best` (reading the trials' val predictions,
        and cross-validating the tied ones, retrained on train + val with `full`), else the one named."""
        if trial == "best":
            return select_best(job.records, self.data.y_val, lambda r: self.val_probabilities(job, r), cross_validated(job, full, progress))
        record = choose_trial(job.records, trial)
        return record, Selection(record.trial_id, "named on the command line", choose_trial(job.records, "best").trial_id)

    def end_to_end(self, retrained: Retrained, label_names: list[str]):
        """A retrained model with the run's text layers in front: raw strings in (`end_to_end_model`)."""
        return end_to_end_model(self.tokenizer, reading_only_its_inputs(retrained.model, retrained.record.encoder), label_names)

    def retrain(self, record: TrialRecord, full: bool, verbose: str | int = 0) -> Retrained:
        """Rebuild `record`'s model and train it from scratch for the epochs its best weights had.

        With `full`, on train + val for exactly that many epochs; otherwise on train, with the
        search's early stopping as a guard.
        """
        import keras
        import numpy as np
        import tensorflow as tf

        from autosent.models.hypermodel import early_stopping
        from autosent.text.vectorize import concat_rows

        data, hypermodel = self.data, self.hypermodel
        keras.utils.set_random_seed(self.seed)
        hp = hypermodel.hyperparameters_for(record.hyperparameters)
        model = hypermodel.build(hp)
        epochs = epochs_trained(record, self.records)
        if full:
            train_and_val = concat_rows(data.x_train, data.x_val)
            train = tf.data.Dataset.from_tensor_slices((train_and_val, np.concatenate([data.y_train, data.y_val])))
            history = hypermodel.fit(hp, model, train, epochs=epochs, verbose=verbose)
        else:
            history = hypermodel.fit(
                hp, model, tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train)),
                validation_data=tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val)),
                epochs=epochs, callbacks=[early_stopping(self.space.patience)], verbose=verbose,
            )  # fmt: skip
        return Retrained(record, model, epochs, history_rows(history.epoch, history.history))


def fold_predictions(job: ExportJob, trial_ids: list[str], full: bool) -> FoldPredictions:
    """What each fold of `cross_validation.held_out_probabilities` trains: the trials' configurations, each retrained as
    `ship_trial` retrains it (with `full`: on train + val), on text layers adapted on the fold's own training texts."""

    def predict(fold: Dataset, scratch: Path) -> dict[str, np.ndarray]:
        trainer = Trainer.for_run(dataclasses.replace(job, dataset=fold, run_dir=scratch))
        return {
            trial_id: test_probabilities(trainer.end_to_end(trainer.retrain(trainer.records[trial_id], full), list(fold.label_names)), fold)
            for trial_id in trial_ids
        }

    return predict


def cross_validated(job: ExportJob, full: bool, progress: Progress | None = None) -> CrossValidated:
    """`selection.CrossValidated` for a run: each trial's mean cross-entropy on the run's training texts, held out fold by fold."""

    def ranked_on_folds(records: list[TrialRecord]) -> dict[str, float] | None:
        folds = fold_plan(job.dataset, FOLDS, job.info.identity.split.same_text())
        if folds is None:
            return None
        if progress is not None:
            by_id = {r.trial_id: r for r in job.records}
            # a retrain takes about as long per epoch as its trial did (four fifths of train + val, against train and a val
            # pass); each fold also adapts its text layers, which is not counted
            seconds = FOLDS * sum(r.seconds / len(r.history) * epochs_trained(r, by_id) for r in records if r.history)
            progress(
                f"ranking {len(records)} trials the val split cannot tell apart on {FOLDS} held-out folds of the training split: "
                f"{FOLDS} retrains each, about {short_duration(seconds)}"
            )
        probabilities = held_out_probabilities(
            job.dataset, folds, fold_predictions(job, [r.trial_id for r in records], full),
            None if progress is None else lambda done: progress(f"fold {done}/{FOLDS} done"),
        )  # fmt: skip
        return {trial_id: held_out_cross_entropy(p, job.dataset.train.labels) for trial_id, p in probabilities.items()}

    return ranked_on_folds


def test_probabilities(model, dataset: Dataset):
    """(n, K) test-split probabilities of an end-to-end model, read from raw texts as a user's would be."""
    import tensorflow as tf

    from autosent.models.outputs import class_probabilities

    return class_probabilities(model.predict(tf.constant(dataset.test.texts), batch_size=512, verbose=0))


def test_split_metrics(model, dataset: Dataset) -> Metrics:
    """Test-split metrics of an end-to-end model."""
    return classification_metrics(dataset.test.labels, test_probabilities(model, dataset), list(dataset.label_names))


def base_metadata(job: ExportJob, space: SearchSpace, retrained_on: Retraining, test_metrics: Metrics, **trial: Any) -> ExportMetadata:
    """metadata.json of an export: what every export has (the run and data it came from, and how it
    scored), and `trial`, the fields of what it ships (`ExportMetadata`'s trial_id on)."""
    return ExportMetadata(
        run=job.run_dir.name,
        full=retrained_on.full,
        retraining_rule=retrained_on.rule,
        label_names=list(job.dataset.label_names),
        test_metrics=test_metrics,
        data=job.info.identity.data,
        data_fingerprint=job.info.identity.fingerprint,
        splits=job.dataset.sizes(),
        split=job.info.identity.split,
        space_name=space.name,
        vectorizer=space.vectorizer_settings,
        profile=job.info.profile,
        versions=versions(),
        exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **trial,
    )
