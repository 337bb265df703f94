"""The export folder: its layout, reading its metadata, and swapping a new export in safely.

An export is built in a staging folder beside its destination and swapped in with two
renames, so an export killed half-way leaves the previous one intact (`recover` puts it back
if the kill fell between the renames). Every module that reads or writes an export (export,
predict, report) takes the file names from here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from autosent import atomic, removal
from autosent.errors import UsageError, first_line

MODEL_FILE = "model.keras"  # raw strings in, probabilities out; keras.saving.load_model reads it
SAVED_MODEL_DIR = "saved_model"  # the same model for TF Serving, with a `serve` signature
METADATA_FILE = "metadata.json"  # what the model is: trial, labels, test metrics, data, versions
MODEL_CARD_FILE = "MODEL_CARD.md"


def check_destination(out: Path) -> None:
    """Refuse `out` unless it is new, empty, or an earlier export (see `removal`)."""
    removal.check_owned(out, METADATA_FILE, "an autosent export")


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


def write(out: Path, model, metadata: dict[str, Any], model_card: str) -> None:
    """Write all four artefacts into a staging folder, then swap it in at `out` (checked by `check_destination`)."""
    staged = out.with_name(f".{out.name}.staging-{os.getpid()}")
    removal.remove(staged)  # one a killed export of an earlier process with this pid left
    staged.mkdir()
    model.save(staged / MODEL_FILE)
    model.export(str(staged / SAVED_MODEL_DIR), format="tf_saved_model", verbose=False)
    atomic.write_json(staged / METADATA_FILE, metadata)
    atomic.write_text(staged / MODEL_CARD_FILE, model_card)
    backup = _backup(out)
    if out.exists():
        os.rename(out, backup)
    os.rename(staged, out)
    if backup.exists():
        removal.remove(backup)


def is_export(folder: Path) -> bool:
    return (folder / METADATA_FILE).is_file() and (folder / MODEL_FILE).is_file()


def read_metadata(folder: Path) -> dict[str, Any]:
    """An export's metadata.json, or `UsageError` naming it if it cannot say what the labels are."""
    path = folder / METADATA_FILE
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path} is unreadable ({first_line(e)}); export the model again") from None
    names = metadata.get("label_names") if isinstance(metadata, dict) else None
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
        raise UsageError(f"{path} has no list of label_names; export the model again")
    return metadata
