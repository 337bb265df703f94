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

from hypothesis import HealthCheck, event, given, settings
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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=ROWS,
    form=st.sampled_from(["csv", "tsv", "jsonl"]),
    raw=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_a_table_loads_into_leak_free_splits_of_the_users_labels_or_is_refused_in_one_line(tmp_path, rows, form, raw, encoding):
    path = tmp_path / f"data.{form}"
    if form == "jsonl":
        content = "".join(json.dumps({"text": text, "label": label}) + "\n" for text, label in rows)
    else:
        content = _table(rows, "," if form == "csv" else "\t", raw)
    path.write_bytes(content.encode(encoding))
    try:
        dataset = load_dataset(str(path))
    except UsageError as refused:
        assert "\n" not in str(refused) and str(refused).strip()
        event(f"refused: {str(refused).split(': ', 1)[-1][:40]}")
        return
    event("loaded")
    assert encoding != "utf-16"  # read as UTF-8, a UTF-16 file is refused, never misread
    splits = [dataset.train, dataset.val, dataset.test]
    same_text = GROUPED.same_text()
    keys = [{same_text(t) for t in split.texts} - {""} for split in splits]
    assert not keys[0] & keys[1] and not keys[0] & keys[2] and not keys[1] & keys[2]
    kept = [(text, label) for text, label in rows if text.strip()]
    assert sorted(t for split in splits for t in split.texts) == sorted(text for text, _ in kept)
    written = {_written(label) for _, label in kept}
    assert set(dataset.label_names) <= written
    by_text = {}
    for split in splits:
        for text, label in zip(split.texts, split.labels.tolist()):
            by_text.setdefault(text, set()).add(dataset.label_names[label])
    for text, label in kept:  # each row's class is one of the spellings of its own value
        assert by_text[text] & written


def test_the_property_sees_real_refusals_and_real_splits(tmp_path):
    """The drawn tables reach both outcomes: a property that only ever saw refusals would prove nothing."""
    ok = tmp_path / "ok.csv"
    ok.write_text(_table([(f"good film {i}", ["pos", "neg"][i % 2]) for i in range(40)], ",", raw=False))
    assert load_dataset(str(ok)).label_names == ("neg", "pos")
    stray = tmp_path / "stray.tsv"
    stray.write_text(_table([(f"tab\there {i}", ["pos", "neg"][i % 2]) for i in range(40)], "\t", raw=True))
    try:
        load_dataset(str(stray))
    except UsageError as refused:
        assert "fields" in str(refused)
    else:
        raise AssertionError("a raw tab inside a text was read as a field")
