"""The export folder: its layout, proving it is autosent's, reading its metadata, and swapping a new export in safely.

An export is built in a staging folder beside its destination and swapped in with two
renames, so an export killed half-way leaves the previous one intact (`recover` puts it back
if the kill fell between the renames). Every module that reads or writes an export (export,
predict, report) takes the file names from here.

A folder is replaced only if it is autosent's beyond doubt (`removal`): its `metadata.json`
carries autosent's marker (`PRODUCER` and a `format`), or, for exports made before the
marker, every key those exports wrote; and it holds nothing but the four entries an export
writes. A user's folder with a `metadata.json` of its own, or an export the user added a
file to, is refused, naming what is not autosent's.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autosent.errors import UsageError, first_line
from autosent.runs import atomic, removal
from autosent.runs.lock import export_busy, export_lock, folder_lock

if TYPE_CHECKING:  # what the file holds is typed by `export_metadata`, which reads it
    from autosent.ship.export_metadata import ExportMetadata

MODEL_FILE = "model.keras"  # raw strings in, probabilities out; keras.saving.load_model reads it
SAVED_MODEL_DIR = "saved_model"  # the same model for TF Serving: named label and probabilities by default, `serve` beside
METADATA_FILE = "metadata.json"  # what the model is: trial, labels, test metrics, data, versions
MODEL_CARD_FILE = "MODEL_CARD.md"
#: Everything an export folder holds; anything else in it is the user's.
ENTRIES = frozenset({MODEL_FILE, SAVED_MODEL_DIR, METADATA_FILE, MODEL_CARD_FILE})

#: metadata.json's marker: who wrote it, and the format of what it says (`export_metadata` reads it).
PRODUCER = "autosent"
FORMAT = 1
#: Keys every metadata.json has had since the first export: an unmarked one with all of them is
#: an export made before the marker (a user's own metadata.json is refused).
LEGACY_KEYS = frozenset({"run", "trial_id", "label_names", "test_metrics", "data_fingerprint", "versions", "exported_at"})


def _sibling(out: Path, role: str) -> Path:
    """The hidden folder beside `out` that its swap uses (`out` may be `.`: absolute first)."""
    absolute = Path(os.path.abspath(out))
    return absolute.parent / f".{absolute.name}.{role}"


def _backup(out: Path) -> Path:
    return _sibling(out, "previous")


def made_by_autosent(metadata: Any) -> bool:
    """Whether a metadata.json's content is one autosent wrote: its marker, or every key of an unmarked older one."""
    if not isinstance(metadata, dict):
        return False
    if "producer" in metadata:
        return metadata["producer"] == PRODUCER and isinstance(metadata.get("format"), int)
    return LEGACY_KEYS <= metadata.keys() and isinstance(metadata["versions"], dict) and "autosent" in metadata["versions"]


def _parsed(path: Path) -> Any:
    """A JSON file's content, or None when it is unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def refusal(folder: Path, advice: str = "or export to another --out") -> str | None:
    """Why the non-empty `folder` is not an export autosent may replace (a whole refusal, naming it, ending
    with `advice` where a file was added to an export), or None."""
    replace_only = "autosent replaces only folders it made: choose a new or empty folder"
    if not (folder / METADATA_FILE).is_file():
        return f"{folder} is not an autosent export (no {METADATA_FILE}) and is not empty; {replace_only}"
    if not made_by_autosent(_parsed(folder / METADATA_FILE)):
        return f"{folder} is not an autosent export (its {METADATA_FILE} is not one autosent wrote) and is not empty; {replace_only}"
    foreign = sorted(entry.name for entry in folder.iterdir() if entry.name not in ENTRIES)
    if foreign:
        return f"export folder {folder} holds {foreign[0]!r}, which autosent did not make; move it out, {advice}"
    return None


def check_destination(out: Path) -> None:
    """Refuse `out` unless it is new, empty, or an earlier export with nothing else in it, and not where autosent runs.

    A swap renames the whole folder away: the current folder, or one holding it, would leave
    the user's shell in a deleted folder.
    """
    target, here = Path(os.path.realpath(out)), Path(os.path.realpath(os.curdir))
    if target == here or target in here.parents:
        where = "the current folder" if target == here else "a folder holding the current folder"
        raise UsageError(
            f"export folder {out} is {where}, and an export replaces its whole folder; "
            "give a new folder's name (e.g. --out model) or run autosent from elsewhere"
        )
    inside = next((parent for parent in target.parents if is_export(parent)), None)
    if inside is not None:  # its next swap would take this one away, and a re-export refuses it
        raise UsageError(f"export folder {out} is inside the export {inside}; give a folder outside it")
    removal.check_owned(out, refusal)


def recover(out: Path) -> bool:
    """Undo a swap that a crash interrupted: put the previous export back in place.

    False, touching nothing, if an export is swapping into `out` right now (it holds the
    backup's lock). The backup is deleted only if it is one autosent made: otherwise it is left.
    """
    backup = _backup(out)
    if backup.is_symlink() or not backup.is_dir():
        return True
    with folder_lock(backup) as free:
        if not free:
            return False
        if not removal.is_owned(backup, refusal):
            return True
        if out.exists():
            removal.remove(backup)
        else:
            os.rename(backup, out)
    return True


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold `out`'s lock from an export's first training step until its swap, after putting back an interrupted swap's export.

    `out`'s parent exists; `out` is made (empty) if it does not.
    """
    if not recover(out):
        raise export_busy(out)
    with export_lock(out):
        backup = _backup(out)
        if backup.exists() or backup.is_symlink():  # left by `recover`, or another export's first rename since
            if removal.is_owned(backup, refusal):
                raise export_busy(out)
            raise UsageError(f"{backup}, where an export keeps the previous one during its swap, is not autosent's; move it away")
        yield


def write(out: Path, model, metadata: ExportMetadata, model_card: str) -> None:
    """Write all four artefacts into a staging folder, then swap it in at `out` (held by `locked`).

    The staging folder is locked before it becomes
    `out`, so no other export takes `out` before the backup is gone.
    """
    staged = _sibling(out, f"staging-{os.getpid()}")
    removal.remove(staged)  # one a killed export of an earlier process with this pid left
    staged.mkdir()
    try:
        with folder_lock(staged):
            with _writing(staged / MODEL_FILE):
                model.save(staged / MODEL_FILE)
            with _writing(staged / SAVED_MODEL_DIR):
                model.export(str(staged / SAVED_MODEL_DIR), format="tf_saved_model", verbose=False)
            atomic.write_json(staged / METADATA_FILE, metadata.to_json())
            atomic.write_text(staged / MODEL_CARD_FILE, model_card)
            backup = _backup(out)
            if out.exists():
                os.rename(out, backup)
            os.rename(staged, out)
            removal.remove(backup)
    except BaseException:  # a full disk, a file-size limit, Ctrl-C: the half-written export is not left behind
        removal.remove(staged)
        raise


#: TensorFlow's file writers say why a write failed only in words; the error numbers they stand for.
_TENSORFLOW_REASONS = {
    "No space left": errno.ENOSPC, "File too large": errno.EFBIG, "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES, "Disk quota exceeded": errno.EDQUOT,
}  # fmt: skip


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A write that fails is an `OSError` naming `path`: Keras' zip writer names no file, and
    TensorFlow's SavedModel writer raises its own error type (`errors.io_error_line` reads either)."""
    import tensorflow as tf

    try:
        yield
    except OSError as e:
        raise OSError(e.errno, e.strerror or first_line(e), str(path)) from e
    except tf.errors.OpError as e:
        reason = next((n for words, n in _TENSORFLOW_REASONS.items() if words in e.message), errno.EIO)
        raise OSError(reason, os.strerror(reason), str(path)) from e


def is_export(folder: Path) -> bool:
    return (folder / METADATA_FILE).is_file() and (folder / MODEL_FILE).is_file()
