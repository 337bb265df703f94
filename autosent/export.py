"""Export: retrain a trial to its best epoch, test it, and ship a raw-text-in model.

Three steps, each its own function: `retrain` rebuilds the trial's model from its
hyperparameters and trains it from scratch; `evaluate` scores the end-to-end model on the
test split, which no search step touched; `export_folder.write` ships it. `export_trial`
checks everything that can be refused first, then runs them under the destination's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from autosent import export_folder, model_card
from autosent.data import Dataset, load_dataset
from autosent.errors import UsageError
from autosent.leaderboard import rank
from autosent.lock import export_lock
from autosent.metrics import classification_metrics
from autosent.records import TrialRecord, epochs_trained, history_rows, read_records
from autosent.rundir import EXPORT_DIR, RunRecord, find_run, versions
from autosent.space import SearchSpace


@dataclass(frozen=True)
class ExportResult:
    out: Path
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Retrained:
    """A trial's model trained again: `model` takes raw strings; `history` has one row per epoch."""

    model: Any
    epochs: int
    history: list[dict[str, float]]
    space: SearchSpace


def choose_trial(records: list[TrialRecord], trial: str) -> TrialRecord:
    """`best` (lowest val cross-entropy, ties: fewer parameters) or a finished trial by id."""
    finished = [r for r in rank(records) if r.finished]
    if not finished:
        raise UsageError("the run has no finished trial yet; run `autosent search` first")
    if trial == "best":
        return finished[0]
    for record in finished:
        if record.trial_id == trial or record.trial_id.lstrip("0") == trial.lstrip("0"):
            return record
    raise UsageError(f"no finished trial {trial!r} in this run (finished: {', '.join(r.trial_id for r in finished)})")


def end_to_end_model(tokenizer, model):
    """Raw strings in, probabilities out: the run's adapted text layers inside the model."""
    import keras

    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, model(tokenizer(text)), name="autosent_end_to_end")


def export_trial(
    results: Path,
    run: str | None = None,
    trial: str = "best",
    out: Path | None = None,
    full: bool = False,
    verbose: str | int = 0,
) -> ExportResult:
    """Retrain `trial` of a run, evaluate it on test, and write the export folder.

    Everything that can be refused (the run, the trial, the destination, the data) is
    checked before training; the destination's folder is locked from then until the swap.
    """
    run_dir = find_run(results, run)
    info = RunRecord.read(run_dir)
    records = read_records(run_dir)
    record = choose_trial(records, trial)
    out = Path(out) if out is not None else run_dir / EXPORT_DIR
    export_folder.check_destination(out)
    dataset = load_dataset(
        info.identity["data"],
        val_source=info.identity.get("val_data"),
        test_source=info.identity.get("test_data"),
        text_column=info.text_column,
        label_column=info.label_column,
        encoding=info.encoding,
        limit=info.limit,
        seed=info.identity["seed"],
    )
    if dataset.fingerprint() != info.identity["fingerprint"]:
        raise UsageError(f"the data of {info.identity['data']!r} changed since run {run_dir.name!r} was searched; re-run the search")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {out.parent}: {e.strerror}; pass --out DIR in a writable folder") from None
    with export_lock(out.parent):
        export_folder.recover(out)
        retrained = retrain(run_dir, info, records, record, dataset, full, verbose)
        metadata = _metadata(run_dir, info, record, dataset, retrained, full, evaluate(retrained.model, dataset))
        export_folder.write(out, retrained.model, metadata, model_card.render(metadata, records))
    return ExportResult(out, metadata)


def retrain(
    run_dir: Path, info: RunRecord, records: list[TrialRecord], record: TrialRecord, dataset: Dataset,
    full: bool, verbose: str | int = 0,
) -> Retrained:  # fmt: skip
    """Rebuild `record`'s model and train it from scratch for the epochs its best weights had.

    With `full`, on train + val for exactly that many epochs; otherwise on train, with the
    search's early stopping as a guard.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from autosent.hypermodel import SentimentHyperModel, early_stopping
    from autosent.vectorize import concat_rows, fitted_tokenizer, vectorize

    seed = info.identity["seed"]
    space = SearchSpace.from_dict(Path(info.space_file).stem, info.identity["space"])
    keras.utils.set_random_seed(seed)
    tokenizer = fitted_tokenizer(dataset.train.texts, space, run_dir)
    data = vectorize(dataset, tokenizer)
    hypermodel = SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, seed, data)
    hp = hypermodel.hyperparameters_for(record.hyperparameters)
    model = hypermodel.build(hp)
    epochs = epochs_trained(record, {r.trial_id: r for r in records})
    if full:
        train_and_val = concat_rows(data.x_train, data.x_val)
        train = tf.data.Dataset.from_tensor_slices((train_and_val, np.concatenate([data.y_train, data.y_val])))
        history = hypermodel.fit(hp, model, train, epochs=epochs, verbose=verbose)
    else:
        history = hypermodel.fit(
            hp, model, tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train)),
            validation_data=tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val)),
            epochs=epochs, callbacks=[early_stopping(space.patience)], verbose=verbose,
        )  # fmt: skip
    return Retrained(end_to_end_model(tokenizer, model), epochs, history_rows(history.epoch, history.history), space)


def evaluate(model, dataset: Dataset) -> dict[str, Any]:
    """Test-split metrics of an end-to-end model, read from raw texts as a user's would be."""
    import tensorflow as tf

    probabilities = model.predict(tf.constant(dataset.test.texts), batch_size=512, verbose=0)
    return classification_metrics(dataset.test.labels, probabilities, list(dataset.label_names))


def _metadata(
    run_dir: Path, info: RunRecord, record: TrialRecord, dataset: Dataset, retrained: Retrained, full: bool,
    test_metrics: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """metadata.json: what the exported model is and how it scored."""
    return {
        "run": run_dir.name,
        "trial_id": record.trial_id,
        "hyperparameters": record.hyperparameters,
        "epochs": retrained.epochs,
        "full": full,
        "label_names": list(dataset.label_names),
        "test_metrics": test_metrics,
        "retrain_history": retrained.history,
        "search_val_cross_entropy": record.val_cross_entropy,
        "data": info.identity["data"],
        "data_fingerprint": info.identity["fingerprint"],
        "splits": dataset.sizes(),
        "space_name": retrained.space.name,
        "vectorizer": retrained.space.settings["vectorizer"],  # as resolved on the training split
        "versions": versions(),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
