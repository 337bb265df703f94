"""Property: whatever a table file holds, loading and splitting it either refuses it in one line
(`UsageError`) or gives splits that share no text, every row in exactly one of them, and classes
named by the user's own labels as written.

The tables are drawn to hit what real files get wrong: labels of mixed types and spellings
(strings, numbers, JSON booleans, IDs past a float's precision), repeated texts, delimiters and
quotes inside texts (quoted, or written raw as a careless export would), byte-order marks and
UTF-16 read as UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

from hypothesis import HealthCheck, Phase, event, find, given, settings
from hypothesis import strategies as st

from autosent.data import GROUPED, load_dataset
from autosent.errors import UsageError

#: Labels a user might write, in every form autosent must keep apart or join.
LABELS = ["pos", "neg", "Pos", "1", "01", "1.0", 0, 1, 2, 1.5, "true", True, False, 9007199254740993, 9007199254740992, " neg"]
#: Few words, so that texts repeat; with the characters that break naive tables.
WORDS = ["good", "bad", "film", "Film!", "a,b", "tab\there", 'say "hi"', "ça", "好", " "]

TEXTS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def tables(draw) -> list[tuple[str, object]]:
    """Forty rows of two classes, which alone would load, with drawn rows mixed in: repeats of
    them, new texts, any label."""
    pair = draw(st.lists(st.sampled_from(LABELS), min_size=2, max_size=2, unique_by=lambda x: (type(x), x)))
    base = [(f"{draw(TEXTS)} review {i}", pair[i % 2]) for i in range(40)]
    repeats = st.sampled_from(base).flatmap(lambda row: st.tuples(st.just(row[0]), st.sampled_from([*pair, *LABELS])))
    extra = draw(st.lists(st.one_of(repeats, st.tuples(TEXTS, st.sampled_from([*pair, *LABELS]))), max_size=20))
    return draw(st.permutations(base + extra))


ROWS = tables()


def _table(rows: list[tuple[str, object]], delimiter: str, raw: bool) -> str:
    """The rows as a table: quoted by the csv module, or joined raw as a careless export would."""
    cells = [(text, label if isinstance(label, str) else _written(label)) for text, label in rows]
    if raw:
        return "".join(f"{text}{delimiter}{label}\n" for text, label in [("text", "label"), *cells])
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([("text", "label"), *cells])
    return out.getvalue()


def _written(label: object) -> str:
    """The label as the file spells it, in a JSON line or a table cell alike (stripped, as autosent reads it)."""
    return (label if isinstance(label, str) else json.dumps(label)).strip()


TABLES = st.tuples(ROWS, st.sampled_from(["csv", "tsv", "jsonl"]), st.booleans(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))


def _load(folder: Path, rows: list[tuple[str, object]], form: str, raw: bool, encoding: str):
    """Write the drawn table in `folder` and load it: its `Dataset`, or the `UsageError` that refused it."""
    path = folder / f"data.{form}"
    if form == "jsonl":
        content = "".join(json.dumps({"text": text, "label": label}) + "\n" for text, label in rows)
    else:
        content = _table(rows, "," if form == "csv" else "\t", raw)
    path.write_bytes(content.encode(encoding))
    try:
        return load_dataset(str(path))
    except UsageError as refused:
        return refused


def _is_number(spelling: str) -> bool:
    try:
        return Decimal(spelling).is_finite()
    except InvalidOperation:
        return False


def _class_of(label: object, names: tuple[str, ...]) -> str:
    """The class a row of `label` must be in: its own spelling, or, when every class is a number, the class of its value."""
    try:
        value = Decimal(_written(label))
        return next(name for name in names if Decimal(name) == value)
    except (InvalidOperation, StopIteration):
        return _written(label)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=TABLES)
def test_a_table_loads_into_leak_free_splits_of_the_users_labels_or_is_refused_in_one_line(tmp_path, table):
    rows, _, _, encoding = table
    dataset = _load(tmp_path, *table)
    if isinstance(dataset, UsageError):
        assert "\n" not in str(dataset) and str(dataset).strip()
        event(f"refused: {str(dataset).split(': ', 1)[-1][:40]}")
        return
    event("loaded")
    assert encoding != "utf-16"  # read as UTF-8, a UTF-16 file is refused, never misread
    splits = [dataset.train, dataset.val, dataset.test]
    same_text = GROUPED.same_text()
    keys = [{same_text(t) for t in split.texts} - {""} for split in splits]
    assert not keys[0] & keys[1] and not keys[0] & keys[2] and not keys[1] & keys[2]
    kept = [(text, label) for text, label in rows if text.strip()]
    assert set(dataset.label_names) <= {_written(label) for _, label in kept}  # every class one of the user's labels
    found = Counter((text, dataset.label_names[i]) for split in splits for text, i in zip(split.texts, split.labels.tolist()))
    names = dataset.label_names if all(_is_number(name) for name in dataset.label_names) else ()
    assert found == Counter((text, _class_of(label, names)) for text, label in kept)  # every row, in its own class


def test_the_drawn_tables_reach_both_outcomes(tmp_path):
    """A property that only ever saw refusals, or only loads, would prove little."""
    loads = find(TABLES, lambda table: not isinstance(_load(tmp_path, *table), UsageError), settings=settings(database=None, phases=[Phase.generate]))
    refused = find(TABLES, lambda table: isinstance(_load(tmp_path, *table), UsageError), settings=settings(database=None, phases=[Phase.generate]))
    assert loads and refused
