"""User data on disk: CSV / TSV / JSONL files, or a folder with one sub-folder per class."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from autosent.errors import UsageError

RawRows = tuple[list[str], list[object]]

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def load_path(path: Path, text_column: str, label_column: str, encoding: str = "utf-8") -> RawRows:
    """Read texts and raw labels from a table file or a class-per-folder tree."""
    if text_column == label_column:
        raise UsageError(f"--text-column and --label-column are both {text_column!r}; the texts cannot be their own labels")
    if not path.exists():
        raise UsageError(f"data file not found: {path} (give --data imdb, tfds:NAME, or an existing path)")
    if path.is_dir():
        return _load_folder(path, encoding)
    suffix = path.suffix.lower()
    if suffix not in (*TABLE_SUFFIXES, ".jsonl"):
        raise UsageError(f"unsupported data file type {suffix!r} for {path}: use .csv, .tsv, .jsonl or a folder")
    text = _read_text(path, encoding)
    if not text.strip():
        raise UsageError(f"{path}: the file is empty; it needs a header line and one row per text")
    if suffix == ".jsonl":
        return _load_jsonl(path, text, text_column, label_column)
    return _load_table(path, text, TABLE_SUFFIXES[suffix], text_column, label_column)


def _read_text(path: Path, encoding: str) -> str:
    """Decode the whole file, or refuse it naming the first bad line.

    Decoding with replacement would quietly turn every accented word of a Latin-1 file
    into a different token; a user who is told can pass the right `--encoding` instead.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    try:
        # A byte-order mark (Excel's "CSV UTF-8") is no part of the first column's name.
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UsageError(
            f"{path}, line {line}: byte {data[e.start]:#04x} is not valid {encoding}; "
            f"pass --encoding (e.g. --encoding latin-1) or re-save the file as UTF-8"
        ) from None


def _missing_column(path: Path, kind: str, name: str, available: list[str]) -> UsageError:
    flag = "--text-column" if kind == "text" else "--label-column"
    return UsageError(
        f"{path}: no {kind} column {name!r} (columns: {', '.join(available) or 'none'}); pass {flag} NAME"
    )


def _load_table(path: Path, content: str, delimiter: str, text_column: str, label_column: str) -> RawRows:
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    texts: list[str] = []
    labels: list[object] = []
    try:
        columns = list(reader.fieldnames or [])
        for kind, name in (("text", text_column), ("label", label_column)):
            if name not in columns:
                raise _missing_column(path, kind, name, columns)
        for row in reader:
            text, label = row.get(text_column), row.get(label_column)
            if text is None or label is None or not label.strip():
                raise UsageError(
                    f"{path}, line {reader.line_num}: no {label_column!r} value "
                    f"(a row needs {len(columns)} fields: {', '.join(columns)}; quote texts that contain {delimiter!r})"
                )
            texts.append(text)
            labels.append(label)
    except csv.Error as e:
        # line_num counts the lines before the row that failed
        raise UsageError(f"{path}, line {reader.line_num + 1}: cannot parse the row ({e}); check its quoting") from None
    return texts, labels


def _load_jsonl(path: Path, content: str, text_column: str, label_column: str) -> RawRows:
    texts: list[str] = []
    labels: list[object] = []
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}, line {line_no}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise UsageError(f"{path}, line {line_no}: expected a JSON object per line")
        for kind, name in (("text", text_column), ("label", label_column)):
            if name not in row:
                raise _missing_column(path, kind, name, sorted(row))
        text, label = row[text_column], row[label_column]
        if not isinstance(text, str):
            raise UsageError(f"{path}, line {line_no}: {text_column!r} is {_json_kind(text)}, not a string of text")
        if isinstance(label, (dict, list)) or label is None or (isinstance(label, str) and not label.strip()):
            raise UsageError(f"{path}, line {line_no}: {label_column!r} is {_json_kind(label)}; a label is a string or a number")
        texts.append(text)
        labels.append(label)
    return texts, labels


def _json_kind(value: object) -> str:
    """How a JSON value reads in an error message: `null`, `an object`, `an empty string`, ..."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    kinds = {dict: "an object", list: "a list", bool: "a boolean", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _visible(entries: list[Path]) -> list[Path]:
    """Entries that are not hidden: `.ipynb_checkpoints/`, `.DS_Store` and the like are no data."""
    return sorted(p for p in entries if not p.name.startswith("."))


#: The sub-folders of a data folder that holds its own splits, as aclImdb does (`train/`, `test/`).
SPLIT_FOLDERS = ("train", "test")


def presplit_folder(path: Path) -> bool:
    """Whether `path` holds its splits in `train/` and `test/`, each with one sub-folder per class."""
    return path.is_dir() and all((path / name).is_dir() for name in SPLIT_FOLDERS)


def load_presplit_folder(path: Path, encoding: str) -> dict[str, RawRows]:
    """`train` and `test` rows of an aclImdb-like tree: `path/train/<class>/`, `path/test/<class>/`.

    The classes are the sub-folders of `test/`; other folders of `train/` (aclImdb's
    unlabelled `unsup/`) are no class and are skipped.
    """
    classes = [p.name for p in _visible([p for p in (path / "test").iterdir() if p.is_dir()])]
    return {name: _load_folder(path / name, encoding, classes) for name in SPLIT_FOLDERS}


def _load_folder(path: Path, encoding: str, classes: list[str] | None = None) -> RawRows:
    """A class-per-folder tree: `path/<class>/*.txt`, the sub-folder name is the label.

    Hidden entries are skipped; `classes`, when given, names the sub-folders to read.
    """
    texts: list[str] = []
    labels: list[object] = []
    class_dirs = _visible([p for p in path.iterdir() if p.is_dir()])
    for class_dir in (d for d in class_dirs if classes is None or d.name in classes):
        for file in _visible([f for f in class_dir.iterdir() if f.is_file()]):
            texts.append(_read_text(file, encoding))
            labels.append(class_dir.name)
    if not texts:
        raise UsageError(f"{path}: no files found; a data folder needs one sub-folder per class (e.g. pos/, neg/)")
    return texts, labels
