"""User data on disk: CSV / TSV / JSONL files, or a folder with one sub-folder per class."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from autosent.errors import UsageError

RawRows = tuple[list[str], list[object]]

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def load_path(path: Path, text_column: str, label_column: str) -> RawRows:
    """Read texts and raw labels from a table file or a class-per-folder tree."""
    if not path.exists():
        raise UsageError(f"data file not found: {path} (give --data imdb, tfds:NAME, or an existing path)")
    if path.is_dir():
        return _load_folder(path)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _load_table(path, TABLE_SUFFIXES[suffix], text_column, label_column)
    if suffix == ".jsonl":
        return _load_jsonl(path, text_column, label_column)
    raise UsageError(f"unsupported data file type {suffix!r} for {path}: use .csv, .tsv, .jsonl or a folder")


def _read_text(path: Path) -> str:
    """Decode as UTF-8, replacing undecodable bytes: one bad byte must not cost a review."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _missing_column(path: Path, kind: str, name: str, available: list[str]) -> UsageError:
    flag = "--text-column" if kind == "text" else "--label-column"
    return UsageError(
        f"{path}: no {kind} column {name!r} (columns: {', '.join(available) or 'none'}); pass {flag} NAME"
    )


def _load_table(path: Path, delimiter: str, text_column: str, label_column: str) -> RawRows:
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(_read_text(path).splitlines(), delimiter=delimiter)
    columns = list(reader.fieldnames or [])
    for kind, name in (("text", text_column), ("label", label_column)):
        if name not in columns:
            raise _missing_column(path, kind, name, columns)
    texts: list[str] = []
    labels: list[object] = []
    for line, row in enumerate(reader, start=2):
        text, label = row.get(text_column), row.get(label_column)
        if text is None or label is None or label == "":
            raise UsageError(f"{path}, row {line}: missing {text_column!r} or {label_column!r} value")
        texts.append(text)
        labels.append(label)
    return texts, labels


def _load_jsonl(path: Path, text_column: str, label_column: str) -> RawRows:
    texts: list[str] = []
    labels: list[object] = []
    for line_no, line in enumerate(_read_text(path).splitlines(), start=1):
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
        texts.append(str(row[text_column]))
        labels.append(row[label_column])
    return texts, labels


def _load_folder(path: Path) -> RawRows:
    """aclImdb layout: `path/<class>/*.txt`, the sub-folder name is the label."""
    texts: list[str] = []
    labels: list[object] = []
    for class_dir in sorted(p for p in path.iterdir() if p.is_dir()):
        for file in sorted(f for f in class_dir.iterdir() if f.is_file()):
            texts.append(_read_text(file))
            labels.append(class_dir.name)
    if not texts:
        raise UsageError(f"{path}: no files found; a data folder needs one sub-folder per class (e.g. pos/, neg/)")
    return texts, labels
