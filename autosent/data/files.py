"""User data on disk: CSV / TSV / JSONL files, or a folder with one sub-folder per class."""

from __future__ import annotations

import codecs
import csv
import io
import json
import shlex
import sys
from pathlib import Path

from autosent.data.bundled import BUNDLED
from autosent.errors import UsageError

RawRows = tuple[list[str], list[object]]

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}

#: `--delimiter` names for a tab, which a shell makes awkward to type.
TAB_NAMES = ("tab", "\\t")

#: Characters that, alone in a header cell, say the file is separated by them and not by its suffix's.
LIKELY_DELIMITERS = (";", "|", "\t", ",")


def delimiter_char(value: str) -> str:
    """The one character `--delimiter VALUE` names: itself, or a tab for `tab` or `\\t`."""
    char = "\t" if value.lower() in TAB_NAMES else value
    if len(char) != 1 or char in '"\r\n' or char.isalnum():
        raise UsageError(f"--delimiter {value!r}: give the one character between fields, e.g. --delimiter ';' (or tab)")
    return char


def delimiter_flag(char: str) -> str:
    """`--delimiter X` as a user types it into a shell."""
    value = "tab" if char == "\t" else shlex.quote(char)
    return f"--delimiter {value}"


def is_table_file(source: str) -> bool:
    """Whether `source` is a file `--delimiter` applies to."""
    return Path(source).suffix.lower() in TABLE_SUFFIXES and not Path(source).is_dir()


def check_delimiter(delimiter: str | None, sources: list[str]) -> None:
    """Refuse a `--delimiter` that is no single character, or that no source would read.

    It applies to .csv and .tsv files only; silently ignoring it elsewhere would hide a
    mistaken `--data`.
    """
    if delimiter is None:
        return
    delimiter_char(delimiter)
    if not any(is_table_file(source) for source in sources):
        raise UsageError(f"--delimiter applies to .csv and .tsv files only, and no data here is one ({', '.join(sources)})")


def check_encoding(encoding: str) -> None:
    """Refuse an `--encoding` that is not a text encoding (unknown, or `hex`, `base64`, `rot13`)."""
    try:
        "".encode(encoding)  # str.encode accepts text encodings only
    except LookupError:
        raise UsageError(f"--encoding {encoding}: not a text encoding (e.g. utf-8, latin-1, cp1252)") from None


def load_path(
    path: Path, text_column: str, label_column: str, encoding: str = "utf-8", delimiter: str | None = None
) -> RawRows:
    """Read texts and raw labels from a table file or a class-per-folder tree.

    `delimiter` (as `--delimiter` spells it) replaces the one a table file's suffix implies.
    """
    if text_column == label_column:
        raise UsageError(f"--text-column and --label-column are both {text_column!r}; the texts cannot be their own labels")
    if not path.exists():
        raise UsageError(f"data file not found: {path} (give --data {', '.join(BUNDLED)}, tfds:NAME, or an existing path)")
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
    separator = delimiter_char(delimiter) if delimiter is not None else TABLE_SUFFIXES[suffix]
    return _load_table(path, text, separator, text_column, label_column)


def _read_text(path: Path, encoding: str) -> str:
    """Decode the whole file, or refuse it naming the first bad line.

    Decoding with replacement would quietly turn every accented word of a Latin-1 file
    into a different token; a user who is told can pass the right `--encoding` instead.
    """
    check_encoding(encoding)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    _check_not_wide(path, data, encoding)
    try:
        # A byte-order mark (Excel's "CSV UTF-8") is no part of the first column's name.
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UsageError(
            f"{path}, line {line}: byte {data[e.start]:#04x} is not valid {encoding}; "
            f"pass --encoding (e.g. --encoding latin-1) or re-save the file as UTF-8"
        ) from None


#: Byte-order marks of the encodings whose text, read as UTF-8 or Latin-1, is refused or NUL-filled;
#: UTF-32's first, since UTF-32-LE's begins with UTF-16-LE's.
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def _check_not_wide(path: Path, data: bytes, encoding: str) -> None:
    """Refuse UTF-16 or UTF-32 data read with another encoding, naming the right `--encoding`.

    Latin-1 decodes any byte, so such a file "reads" into column names and texts full of
    NUL characters; UTF-8 refuses it with advice (`latin-1`) that leads there.
    """
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return
    wide = next((name for bom, name in WIDE_BOMS if data.startswith(bom)), None)
    if wide is not None:
        raise UsageError(f"{path} starts with a {wide.upper()} byte-order mark; pass --encoding {wide} or re-save the file as UTF-8")
    nul = data.find(b"\0")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        # ASCII text in UTF-16 without a byte-order mark: the NUL follows its character (LE) or leads it (BE).
        guess = "utf-16-le" if nul % 2 else "utf-16-be"
        raise UsageError(
            f"{path}, line {line}: a NUL byte, as in UTF-16 text read as {encoding}; "
            f"pass --encoding {guess} (or utf-16, if the file starts with a byte-order mark) or re-save the file as UTF-8"
        )


#: How much of a header an error shows.
SHOWN_CHARACTERS = 200


def _missing_column(path: Path, kind: str, name: str, available: list[str], delimiter: str | None = None) -> UsageError:
    """The error for a missing column, with the fix the columns suggest.

    Columns are shown quoted, so a space (`text, label`) shows; one that differs from `name`
    only in spaces or case is offered as the flag's value; a header that is one column with a
    likely delimiter in it says the file is separated by that character.
    """
    flag = "--text-column" if kind == "text" else "--label-column"
    fix = f"pass {flag} NAME"
    close = [column for column in available if column.strip().casefold() == name.casefold()]
    other = _other_delimiter(available, delimiter)
    if close:
        fix = f"pass {flag} {shlex.quote(close[0])}"
    elif other is not None:
        fix = f"the header is one column: its fields look separated by {other!r}, not {delimiter!r}; pass {delimiter_flag(other)}"
    shown = ", ".join(repr(column) for column in available) or "none"
    shown = shown if len(shown) <= SHOWN_CHARACTERS else shown[: SHOWN_CHARACTERS - 1] + "…"  # a file read in the wrong encoding is one huge "column"
    return UsageError(f"{path}: no {kind} column {name!r} (columns: {shown}); {fix}")


def _other_delimiter(columns: list[str], delimiter: str | None) -> str | None:
    """The likely delimiter inside a table's header read as one column (`text;label` split at ','), if any."""
    if delimiter is None or len(columns) != 1:
        return None
    return next((c for c in LIKELY_DELIMITERS if c != delimiter and c in columns[0]), None)


def _load_table(path: Path, content: str, delimiter: str, text_column: str, label_column: str) -> RawRows:
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    texts: list[str] = []
    labels: list[object] = []
    try:
        columns = list(reader.fieldnames or [])
        for kind, name in (("text", text_column), ("label", label_column)):
            if name not in columns:
                raise _missing_column(path, kind, name, columns, delimiter)
        for row in reader:
            if None in row:  # DictReader's key for the fields past the header's
                raise UsageError(
                    f"{path}, line {reader.line_num}: {len(columns) + len(row[None])} fields, but the header has "
                    f"{len(columns)} ({', '.join(map(repr, columns))}); quote texts that contain {delimiter!r}"
                )
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


#: The sub-folders of a data folder that holds its own splits, as aclImdb does (`train/`, `test/`,
#: and, if there is one, `val/`).
SPLIT_FOLDERS = ("train", "val", "test")

#: Sub-folders of a split that hold no class: aclImdb's unlabelled reviews.
UNLABELLED = frozenset({"unsup"})


def presplit_folder(path: Path) -> bool:
    """Whether `path` holds its splits in `train/` and `test/` (and maybe `val/`), each with one sub-folder per class."""
    return path.is_dir() and all((path / name).is_dir() for name in ("train", "test"))


def load_presplit_folder(path: Path, encoding: str) -> dict[str, RawRows]:
    """The `train`, `test` and (if present) `val` rows of an aclImdb-like tree: `path/<split>/<class>/`.

    Every split must have the same class folders: a class missing from one would be silently
    dropped or never tested. aclImdb's unlabelled `unsup/` is no class and is skipped.
    """
    splits = [name for name in SPLIT_FOLDERS if (path / name).is_dir()]
    unknown = [p.name for p in _visible([p for p in path.iterdir() if p.is_dir()]) if p.name not in SPLIT_FOLDERS]
    if unknown:  # a `valid/` or `Val/` would be silently left out, and its texts never used
        raise UsageError(
            f"{path}: {unknown[0]}/ is no split folder of a tree with train/ and test/ (split folders: "
            f"{', '.join(f'{n}/' for n in SPLIT_FOLDERS)}); rename it or move it out"
        )
    classes = {name: _class_folders(path / name) for name in splits}
    for name in splits:
        if not classes[name]:
            raise UsageError(
                f"{path / name}: no class sub-folders; each of {', '.join(f'{s}/' for s in splits)} "
                "needs one per class (e.g. pos/, neg/)"
            )
    every = sorted(set().union(*classes.values()))
    for label in every:
        has = [name for name in splits if label in classes[name]]
        lacks = [name for name in splits if label not in classes[name]]
        if lacks:
            raise UsageError(
                f"{path}: class folder {label!r} is in {' and '.join(f'{s}/' for s in has)} but not in "
                f"{' and '.join(f'{s}/' for s in lacks)}; every split needs each class (add {lacks[0]}/{label}/ or remove it)"
            )
    return {name: _load_folder(path / name, encoding, every) for name in splits}


def _class_folders(path: Path) -> list[str]:
    """The class sub-folders of one split folder: visible folders that are not `UNLABELLED`."""
    return [p.name for p in _visible([p for p in path.iterdir() if p.is_dir()]) if p.name not in UNLABELLED]


def _load_folder(path: Path, encoding: str, classes: list[str] | None = None) -> RawRows:
    """A class-per-folder tree: `path/<class>/*.txt`, the sub-folder name is the label.

    Hidden entries and unlabelled folders (`unsup/`) are skipped; `classes`, when given, names the
    sub-folders to read. A class folder with no file is refused, not dropped: a classifier trained
    without a class the user laid out would never predict it.
    """
    folders = [name for name in _class_folders(path) if classes is None or name in classes]
    files = {name: _visible([f for f in (path / name).iterdir() if f.is_file()]) for name in folders}
    empty = [name for name in folders if not files[name]]
    if empty and len(empty) < len(folders):
        raise UsageError(f"{path}: {_empty_folders_problem(path, empty)}")
    texts = [_read_text(file, encoding) for name in folders for file in files[name]]
    labels: list[object] = [name for name in folders for _ in files[name]]
    if not texts:
        splits = [name for name in SPLIT_FOLDERS if (path / name).is_dir()]
        if splits:  # an aclImdb-like tree that lacks a split: its class folders are one level down
            raise UsageError(
                f"{path}: holds {', '.join(f'{n}/' for n in splits)} but a tree of splits needs train/ and test/ "
                f"(val/ if you have one); add the missing one, or give --data {path / splits[0]}"
            )
        raise UsageError(f"{path}: {_why_no_text(path)}")
    return texts, labels


def _empty_folders_problem(path: Path, empty: list[str]) -> str:
    """Why class folders of `path` gave no text, and what to do: their files lie deeper, or they hold none."""
    shown = ", ".join(f"{name}/" for name in empty[:3]) + (f" and {len(empty) - 3} more" if len(empty) > 3 else "")
    deeper = any(f.is_file() and f.parent != path / name for name in empty for f in (path / name).rglob("[!.]*"))
    if deeper:
        return f"no file lies directly in {shown} (files in deeper folders are not read); put each class's files directly in its folder"
    return f"class folder {shown} holds no file; put each class's texts in its folder (one file per text), or remove it"


def _why_no_text(path: Path) -> str:
    """Why a data folder gave no text, and what to do, as the user will look for it: class folders
    that hold none, or files lying loose with no class folder."""
    folders = _class_folders(path)
    if folders:
        return _empty_folders_problem(path, folders)
    loose = _visible([f for f in path.iterdir() if f.is_file()])
    if loose:
        return f"holds {len(loose):,} file(s) but no class sub-folder; put each class's files in a sub-folder of its own (e.g. pos/, neg/)"
    skipped = [f"{name}/" for name in sorted(UNLABELLED) if (path / name).is_dir()]
    unlabelled = f" ({', '.join(skipped)} is skipped: its texts have no label)" if skipped else ""
    return f"holds no labelled file{unlabelled}; a data folder needs one sub-folder per class (e.g. pos/, neg/) holding that class's files"
