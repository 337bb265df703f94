"""Export: retrain a trial to its best epoch, test it, and ship a raw-text-in model.

The export folder is built beside its destination and swapped in with renames, so an
export killed half-way leaves the previous export intact (`recover` puts it back if the
kill fell between the two renames).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from autosent import atomic, model_card, removal
from autosent.data import Dataset, load_dataset
from autosent.errors import UsageError
from autosent.leaderboard import rank
from autosent.lock import export_lock
from autosent.metrics import classification_metrics
from autosent.records import TrialRecord, epochs_trained, history_rows, read_records
from autosent.rundir import EXPORT_DIR, RunRecord, find_run, read_run, versions
from autosent.space import SearchSpace

METADATA_FILE = "metadata.json"
MODEL_FILE = "model.keras"
SAVED_MODEL_DIR = "saved_model"


@dataclass(frozen=True)
class ExportResult:
    out: Path
    metadata: dict[str, Any]


def choose_trial(records: list[TrialRecord], trial: str) -> TrialRecord:
    """`best` (lowest val_loss, ties: fewer parameters) or a finished trial by id."""
    finished = [r for r in rank(records) if r.finished]
    if not finished:
        raise UsageError("the run has no finished trial yet; run `autosent search` first")
    if trial == "best":
        return finished[0]
    for record in finished:
        if record.trial_id == trial or record.trial_id.lstrip("0") == trial.lstrip("0"):
            return record
    raise UsageError(f"no finished trial {trial!r} in this run (finished: {', '.join(r.trial_id for r in finished)})")


def _backup(out: Path) -> Path:
    return out.with_name(f".{out.name}.previous")


def recover(out: Path) -> None:
    """Undo a swap that a crash interrupted: put the previous export back in place.

    The backup is deleted only if it is one autosent made (`removal`): otherwise it is left.
    """
    backup = _backup(out)
    if not backup.exists() or not removal.is_owned(backup, METADATA_FILE):
        return
    if out.exists():
        removal.remove(backup)
    else:
        os.rename(backup, out)


def _swap_in(staged: Path, out: Path) -> None:
    """Replace `out` (checked by `check_owned` before any work) with `staged`, keeping the old one until the new is in."""
    backup = _backup(out)
    if out.exists():
        os.rename(out, backup)
    os.rename(staged, out)
    if backup.exists():
        removal.remove(backup)


def end_to_end_model(tokenizer, model):
    """Raw strings in, probabilities out: the run's adapted text layers inside the model."""
    import keras

    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, model(tokenizer(text)), name="autosent_end_to_end")


def predict_texts(model, texts: list[str], batch_size: int = 512):
    """Probabilities of an end-to-end model for a list of strings, batch by batch."""
    import numpy as np
    import tensorflow as tf

    batches = [model.predict_on_batch(tf.constant(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
    return np.concatenate([np.asarray(b) for b in batches]) if batches else np.zeros((0, 1))


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
    info = read_run(run_dir)
    identity = info.identity
    records = read_records(run_dir)
    record = choose_trial(records, trial)
    out = Path(out) if out is not None else run_dir / EXPORT_DIR
    removal.check_owned(out, METADATA_FILE, "an autosent export")
    dataset = load_dataset(
        identity["data"],
        text_column=info.text_column,
        label_column=info.label_column,
        encoding=info.encoding,
        limit=info.limit,
        seed=identity["seed"],
    )
    if dataset.fingerprint() != identity["fingerprint"]:
        raise UsageError(f"the data of {identity['data']!r} changed since run {run_dir.name!r} was searched; re-run the search")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {out.parent}: {e.strerror}; pass --out DIR in a writable folder") from None
    with export_lock(out.parent):
        recover(out)
        return _retrain_and_write(run_dir, info, records, record, dataset, out, full, verbose)


def _retrain_and_write(
    run_dir: Path, info: RunRecord, records: list[TrialRecord], record: TrialRecord, dataset: Dataset,
    out: Path, full: bool, verbose: str | int,
) -> ExportResult:  # fmt: skip
    """Retrain `record`'s model, test it, and swap the export folder in at `out`."""
    import keras
    import tensorflow as tf

    from autosent.hypermodel import SentimentHyperModel, early_stopping
    from autosent.vectorize import fitted_tokenizer, vectorize

    identity = info.identity
    space = SearchSpace.from_dict(Path(info.space_file).stem, identity["space"])
    keras.utils.set_random_seed(identity["seed"])
    tokenizer = fitted_tokenizer(dataset.train.texts, space, run_dir)
    data = vectorize(dataset, tokenizer)
    hypermodel = SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, identity["seed"], data)
    hp = hypermodel.hyperparameters_for(record.hyperparameters)
    model = hypermodel.build(hp)
    epochs = epochs_trained(record, {r.trial_id: r for r in records})
    if full:
        train = tf.data.Dataset.from_tensor_slices(
            (tf.concat([data.x_train, data.x_val], 0), tf.concat([data.y_train, data.y_val], 0))
        )
        history = hypermodel.fit(hp, model, train, epochs=epochs, verbose=verbose)
    else:
        history = hypermodel.fit(
            hp, model, tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train)),
            validation_data=tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val)),
            epochs=epochs, callbacks=[early_stopping(space.patience)], verbose=verbose,
        )  # fmt: skip

    shipped = end_to_end_model(tokenizer, model)
    test_metrics = classification_metrics(data.y_test, predict_texts(shipped, dataset.test.texts), list(dataset.label_names))
    metadata = {
        "run": run_dir.name,
        "trial_id": record.trial_id,
        "hyperparameters": record.hyperparameters,
        "epochs": epochs,
        "full": full,
        "label_names": list(dataset.label_names),
        "test_metrics": test_metrics,
        "retrain_history": history_rows(history.epoch, history.history),
        "search_val_loss": record.val_loss,
        "data": identity["data"],
        "data_fingerprint": identity["fingerprint"],
        "splits": dataset.sizes(),
        "space_name": space.name,
        "max_tokens": space.max_tokens,
        "sequence_length": space.sequence_length,
        "versions": versions(),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    staged = out.with_name(f".{out.name}.staging-{os.getpid()}")
    removal.remove(staged)  # one a killed export of an earlier process with this pid left
    staged.mkdir()
    shipped.save(staged / MODEL_FILE)
    shipped.export(str(staged / SAVED_MODEL_DIR), format="tf_saved_model", verbose=False)
    atomic.write_json(staged / METADATA_FILE, metadata)
    atomic.write_text(staged / "MODEL_CARD.md", model_card.render(metadata, records))
    _swap_in(staged, out)
    return ExportResult(out, metadata)
