"""User data: table files, JSONL, class folders, labels, and their errors."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import TINY_SPACE, write_reviews_csv

from autosent.data import load_dataset, load_labelled
from autosent.errors import UsageError
from autosent.runs.rundir import RunRecord
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.export import check_export


def test_csv_binary_with_string_labels(tmp_path):
    dataset = load_dataset(str(write_reviews_csv(tmp_path / "r.csv", n=100)))
    assert dataset.label_names == ("neg", "pos")
    assert sum(dataset.sizes().values()) == 100
    assert dataset.sizes() == {"train": 80, "val": 10, "test": 10}
    assert "negwordneg" in dataset.train.texts[0]  # class 0 ("neg") rows come first in each split
    assert set(np.unique(dataset.train.labels)) == {0, 1}


def test_tsv_multiclass_and_custom_columns(tmp_path):
    path = tmp_path / "r.tsv"
    rows = ["body\tstars"] + [f"text number {i}\t{1 + i % 3}" for i in range(90)]
    path.write_text("\n".join(rows), encoding="utf-8")
    dataset = load_dataset(str(path), text_column="body", label_column="stars")
    assert dataset.label_names == ("1", "2", "3")
    assert dataset.num_classes == 3


def test_integer_labels_sort_numerically(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps({"text": f"t {i}", "label": [2, 10][i % 2]}) + "\n" for i in range(40)))
    assert load_dataset(str(path)).label_names == ("2", "10")


def test_class_folder_layout(tmp_path):
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(20):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review {i}")
    dataset = load_dataset(str(tmp_path))
    assert dataset.label_names == ("neg", "pos")
    assert sum(dataset.sizes().values()) == 40


def test_empty_texts_are_dropped_and_counted(tmp_path):
    path = write_reviews_csv(tmp_path / "r.csv", n=60)
    path.write_text(path.read_text() + '"   ",pos\n"",neg\n')
    dataset = load_dataset(str(path))
    assert dataset.dropped_empty == 2
    assert sum(dataset.sizes().values()) == 60


@pytest.mark.parametrize(
    "content, expected",
    [
        ("text,label\n", "no data rows"),
        ("review,label\nfine,1\n", "no text column 'text'"),
        ("text,stars\nfine,1\n", "no label column 'label'"),
        ("text,label\n" + "".join(f"t{i},pos\n" for i in range(30)), "only one class"),
    ],
)
def test_bad_tables_name_the_problem(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(UsageError, match=expected):
        load_dataset(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_dataset(str(tmp_path / "nope.csv"))


def test_a_latin1_file_reads_with_encoding_and_is_refused_without(tmp_path):
    path = write_reviews_csv(tmp_path / "r.csv", n=60)
    path.write_bytes(path.read_bytes() + "\"caf\u00e9 cr\u00e8me film\",pos\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"line 62: byte 0xe9 is not valid utf-8"):
        load_dataset(str(path))
    dataset = load_dataset(str(path), encoding="latin-1")
    texts = dataset.train.texts + dataset.val.texts + dataset.test.texts
    assert "café crème film" in texts


def test_a_huge_single_text_is_cut_to_the_sequence_length_for_words_and_counted_whole_for_ngrams(tmp_path):
    from autosent.search.space import load_space
    from autosent.text.inputs import NGRAMS, WORDS
    from autosent.text.vectorize import fitted_tokenizer, vectorize

    path = write_reviews_csv(tmp_path / "r.csv", n=60)
    huge = " ".join(f"word{i % 5000}" for i in range(1_000_000))  # ~8 MB, a million tokens
    path.write_text(path.read_text() + f'"{huge}",pos\n')
    dataset = load_dataset(str(path))
    space = load_space(str(TINY_SPACE))
    tokenizer = fitted_tokenizer(dataset.train.texts, space, tmp_path)
    data = vectorize(dataset, tokenizer)
    assert data.x_train[WORDS].shape == (len(dataset.train), space.sequence_length)
    assert tuple(data.x_train[NGRAMS].dense_shape) == (len(dataset.train), tokenizer.vocabulary_sizes[NGRAMS])
    split, x = next((s, x) for s, x in ((dataset.train, data.x_train), (dataset.val, data.x_val)) if huge in s.texts)
    row = next(i for i, text in enumerate(split.texts) if text == huge)
    counted = x[NGRAMS].values.numpy()[x[NGRAMS].indices.numpy()[:, 0] == row].sum()
    assert counted == 2 * 1_000_000 - 1  # every unigram and bigram, known or not


def _jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ({"text": "fine", "label": None}, r"r.jsonl, line 31: 'label' is null"),
        ({"text": "fine", "label": ""}, r"line 31: 'label' is an empty string"),
        ({"text": "fine", "label": {"stars": 5}}, r"line 31: 'label' is an object"),
        ({"text": {"title": "fine"}, "label": "pos"}, r"line 31: 'text' is an object, not a string of text"),
        ({"text": None, "label": "pos"}, r"line 31: 'text' is null"),
    ],
)
def test_jsonl_values_that_are_no_text_or_label_are_refused_with_their_line(tmp_path, bad_row, expected):
    rows = [{"text": f"t {i}", "label": ["neg", "pos"][i % 2]} for i in range(30)] + [bad_row]
    with pytest.raises(UsageError, match=expected):
        load_dataset(_jsonl(tmp_path / "r.jsonl", rows))


def test_numeric_labels_are_compared_as_numbers(tmp_path):
    labels = [1, 1.0, "1", "01", 0, "0.0"]
    rows = [{"text": f"t {i}", "label": labels[i % len(labels)]} for i in range(60)]
    dataset = load_dataset(_jsonl(tmp_path / "r.jsonl", rows))
    assert dataset.label_names == ("0", "1")
    assert np.bincount(np.concatenate([dataset.train.labels, dataset.val.labels, dataset.test.labels])).tolist() == [20, 40]


def test_integer_labels_are_compared_exactly_and_named_as_written(tmp_path):
    """Two IDs a float cannot tell apart stay two classes, each named by the user's own label."""
    labels = [9007199254740993, "9007199254740992", 7, "1e3"]
    rows = [{"text": f"t {i}", "label": labels[i % len(labels)]} for i in range(80)]
    assert load_dataset(_jsonl(tmp_path / "r.jsonl", rows)).label_names == ("7", "1e3", "9007199254740992", "9007199254740993")


def test_json_booleans_are_one_class_with_the_strings_that_print_as_them(tmp_path):
    labels = [True, False, "true", "false"]
    rows = [{"text": f"t {i}", "label": labels[i % len(labels)]} for i in range(40)]
    dataset = load_dataset(_jsonl(tmp_path / "r.jsonl", rows))
    assert dataset.label_names == ("false", "true")
    assert sum(dataset.sizes().values()) == 40


@pytest.mark.parametrize("other", ["True", "pos", 1])
def test_json_booleans_beside_other_labels_are_refused_as_mixed_types(tmp_path, other):
    labels = [True, False, other]
    rows = [{"text": f"t {i}", "label": labels[i % len(labels)]} for i in range(60)]
    with pytest.raises(UsageError, match=rf"mixed label types: the JSON boolean false and the \w+ {str(other)!r}"):
        load_dataset(_jsonl(tmp_path / "r.jsonl", rows))


def test_the_fingerprint_is_the_same_in_every_process(tmp_path):
    """Class order (and so the fingerprint) must not depend on PYTHONHASHSEED."""
    rows = [{"text": f"t {i}", "label": ["1", "01", "2"][i % 3]} for i in range(90)]
    path = _jsonl(tmp_path / "r.jsonl", rows)
    code = f"from autosent.data import load_dataset; d = load_dataset({path!r}); print(d.label_names, d.fingerprint())"
    seen = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2", "3", "4", "5", "6")
    }  # fmt: skip
    assert len(seen) == 1, seen


def test_the_text_column_cannot_be_the_label_column(tmp_path):
    with pytest.raises(UsageError, match="--text-column and --label-column are both 'label'"):
        load_dataset(str(write_reviews_csv(tmp_path / "r.csv")), text_column="label")


def test_hidden_and_unlabelled_folders_in_a_class_folder_tree_are_no_data(tmp_path):
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(20):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review {i}")
        (tmp_path / label / ".DS_Store").write_bytes(b"\x00\x01binary")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "0-checkpoint.txt").write_text("a notebook's copy")
    (tmp_path / "unsup").mkdir()  # aclImdb/train's unlabelled reviews, given as a plain class-folder tree
    (tmp_path / "unsup" / "0.txt").write_text("an unlabelled review")
    dataset = load_dataset(str(tmp_path))
    assert dataset.label_names == ("neg", "pos")
    assert sum(dataset.sizes().values()) == 40


@pytest.mark.parametrize(
    "layout, mentions",
    [
        (["{i}.txt"], "holds 400 file(s) but no class sub-folder; put each class's files in a sub-folder of its own"),
        (["{label}/sub/{i}.txt"], "no file lies directly in neg/, pos/ (files in deeper folders are not read)"),
        (["{label}/sub/{i}.txt", "README.txt"], "no file lies directly in neg/, pos/"),  # a loose file beside them, as in aclImdb/train
        (["{label}{k}/sub/{i}.txt"], "no file lies directly in neg0/, neg1/, neg2/ and 3 more ("),
        ([], "holds no labelled file (unsup/ is skipped: its texts have no label); a data folder needs one sub-folder per class"),
    ],
)
def test_a_data_folder_without_class_folders_of_files_says_what_it_holds(tmp_path, layout, mentions):
    """Not "no files found" over 400 files: the user is told where autosent looked and what it found."""
    (tmp_path / "data" / "unsup").mkdir(parents=True)  # skipped, as aclImdb's unlabelled reviews are
    for pattern in layout:
        for i in range(400):
            file = tmp_path / "data" / pattern.format(i=i, label=("neg", "pos")[i % 2], k=i % 3)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(f"review {i}")
    with pytest.raises(UsageError, match=re.escape(f"{tmp_path / 'data'}: {mentions}")):
        load_dataset(str(tmp_path / "data"))


@pytest.mark.parametrize("with_texts", [("neg", "pos"), ()])
def test_an_empty_class_folder_is_refused_not_dropped(tmp_path, with_texts):
    """A model trained without a class the user laid out would never predict it."""
    for label in (*with_texts, "mixed", "neutral"):
        (tmp_path / "data" / label).mkdir(parents=True)
    for label in with_texts:
        for i in range(20):
            (tmp_path / "data" / label / f"{i}.txt").write_text(f"{label} review {i}")
    (tmp_path / "data" / "neutral" / ".DS_Store").write_bytes(b"\x00")  # hidden: no text
    expected = f"{tmp_path / 'data'}: class folder mixed/, neutral/ holds no file; put each class's texts in its folder (one file per text), or remove it"
    with pytest.raises(UsageError, match=re.escape(expected)):
        load_dataset(str(tmp_path / "data"))


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = write_reviews_csv(tmp_path / "r.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Excel's "CSV UTF-8"
    assert load_dataset(str(path)).label_names == ("neg", "pos")


def test_every_split_must_hold_every_class(tmp_path):
    rows = ["text,label", *(f"great {i},pos" for i in range(59)), "awful,neg"]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(UsageError, match=r"class 'neg' has no text in train and val \(train 0, val 0, test 1\)"):
        load_dataset(str(tmp_path / "r.csv"))


def test_tfds_needs_a_name():
    with pytest.raises(UsageError, match="needs a data set name"):
        load_dataset("tfds:")


def test_val_and_test_data_are_used_as_given_and_change_the_fingerprint(tmp_path):
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    val = write_reviews_csv(tmp_path / "val.csv", n=14, first=100)
    test = write_reviews_csv(tmp_path / "test.csv", n=16, first=200)
    alone = load_dataset(str(data))
    given = load_dataset(str(data), val_source=str(val), test_source=str(test))
    assert given.sizes() == {"train": 100, "val": 14, "test": 16}  # nothing cut from --data
    assert sorted(given.test.texts) == sorted(f"review {i} {w} film plot" for i, w in zip(range(200, 216), ["negwordneg negish", "poswordpos posish"] * 8))
    only_test = load_dataset(str(data), test_source=str(test))
    assert only_test.sizes() == {"train": 90, "val": 10, "test": 16}  # val is 10 % of --data
    assert len({alone.fingerprint(), given.fingerprint(), only_test.fingerprint()}) == 3


def test_a_class_seen_only_in_the_test_data_is_refused_naming_it(tmp_path):
    data = write_reviews_csv(tmp_path / "train.csv", n=100)
    test = write_reviews_csv(tmp_path / "test.csv", n=30, labels=("neg", "pos", "meh"), first=100)
    with pytest.raises(UsageError, match=r"test.csv: class 'meh' is in the test split but not in the training data"):
        load_dataset(str(data), test_source=str(test))


def test_an_aclimdb_style_tree_keeps_its_own_test_split_and_skips_unsup(tmp_path):
    for split, n in (("train", 30), ("test", 8)):
        for label in ("neg", "pos"):
            (tmp_path / split / label).mkdir(parents=True)
            for i in range(n):
                (tmp_path / split / label / f"{i}.txt").write_text(f"{split} {label} review {i}")
    (tmp_path / "train" / "unsup").mkdir()
    (tmp_path / "train" / "unsup" / "0.txt").write_text("an unlabelled review")
    dataset = load_dataset(str(tmp_path))
    assert dataset.label_names == ("neg", "pos")
    assert dataset.sizes() == {"train": 54, "val": 6, "test": 16}  # val: 10 % of train/
    assert all(text.startswith("test ") for text in dataset.test.texts)
    assert not any(text.startswith("test ") for text in dataset.train.texts + dataset.val.texts)


def test_a_bundled_set_takes_a_test_file_labelled_by_name_or_index(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\ngreat film,positive\nawful film,0\n")
    dataset = load_dataset("rotten_tomatoes", test_source=str(tmp_path / "t.csv"))
    assert dataset.test.labels.tolist() == [1, 0]
    assert dataset.sizes()["train"] + dataset.sizes()["val"] == 8530
    (tmp_path / "bad.csv").write_text("text,label\ngreat film,pos\nawful film,neg\n")
    with pytest.raises(UsageError, match=r"label 'neg' is not a class of the training data \(classes: negative, positive"):
        load_dataset("rotten_tomatoes", test_source=str(tmp_path / "bad.csv"))


def _rows(n: int = 60) -> list[tuple[str, str]]:
    return [(f"review {i} {'great' if i % 2 else 'awful'} film", "pos" if i % 2 else "neg") for i in range(n)]


def _table(path, delimiter: str, header: str | None = None, encoding: str = "utf-8"):
    header = header if header is not None else f"text{delimiter}label"
    path.write_text("\n".join([header, *(f"{t}{delimiter}{lab}" for t, lab in _rows())]) + "\n", encoding=encoding)
    return str(path)


@pytest.mark.parametrize(
    "name, delimiter, flag, hint",
    [("semi.csv", ";", ";", "pass --delimiter ';'"), ("pipe.csv", "|", "|", "pass --delimiter '|'"),
     ("tabs.csv", "\t", "tab", "pass --delimiter tab"), ("commas.tsv", ",", ",", "pass --delimiter ,")],
)  # fmt: skip
def test_a_table_separated_by_another_character_reads_with_delimiter_and_without_says_which(tmp_path, name, delimiter, flag, hint):
    path = _table(tmp_path / name, delimiter)
    with pytest.raises(UsageError, match="the header is one column") as refused:
        load_dataset(path)
    assert str(refused.value).endswith(hint)
    assert load_dataset(path, delimiter=flag).label_names == ("neg", "pos")
    assert sum(load_labelled(path, ("neg", "pos"), delimiter=flag).labels == 1) == 30  # evaluate's reading


@pytest.mark.parametrize(
    "delimiter, sources, expected",
    [(";;", ["r.csv"], "--delimiter ';;': give the one character"), ("a", ["r.csv"], "give the one character"),
     (";", ["imdb"], "applies to .csv and .tsv files only"), (";", ["r.jsonl"], "no data here is one (r.jsonl)")],
)  # fmt: skip
def test_a_delimiter_that_is_no_character_or_that_nothing_reads_is_refused(tmp_path, monkeypatch, delimiter, sources, expected):
    monkeypatch.chdir(tmp_path)
    write_reviews_csv(tmp_path / "r.csv")
    with pytest.raises(UsageError, match=re.escape(expected)):
        load_dataset(sources[0], delimiter=delimiter)


def test_columns_are_shown_quoted_and_a_near_miss_is_offered_as_the_flag_value(tmp_path):
    path = _table(tmp_path / "r.csv", ",", header="text, label")
    with pytest.raises(UsageError, match=re.escape("(columns: 'text', ' label'); pass --label-column ' label'")):
        load_dataset(path)
    assert load_dataset(path, label_column=" label").label_names == ("neg", "pos")
    with pytest.raises(UsageError, match=re.escape("pass --text-column Text")):
        load_dataset(_table(tmp_path / "c.csv", ",", header="Text,label"))


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-16", "starts with a UTF-16 byte-order mark; pass --encoding utf-16"),
     ("utf-16-le", "line 1: a NUL byte, as in UTF-16 text read as latin-1; pass --encoding utf-16-le"),
     ("utf-16-be", "pass --encoding utf-16-be"),
     ("utf-32", "starts with a UTF-32 byte-order mark; pass --encoding utf-32")],
)  # fmt: skip
def test_utf16_and_utf32_files_read_with_another_encoding_name_the_right_one(tmp_path, encoding, expected):
    """Latin-1 decodes any byte: without the check a UTF-16 file "reads" as NUL-filled columns."""
    path = _table(tmp_path / "r.csv", ",", encoding=encoding)
    for wrong in ("utf-8", "latin-1"):
        with pytest.raises(UsageError, match=re.escape(expected.replace("latin-1", wrong))):
            load_dataset(path, encoding=wrong)
    assert load_dataset(path, encoding=encoding).label_names == ("neg", "pos")


def test_an_unknown_encoding_is_refused_for_every_reader(tmp_path):
    """`evaluate` reads data without a search's checks; its --encoding is checked where files are read."""
    path = str(write_reviews_csv(tmp_path / "r.csv"))
    with pytest.raises(UsageError, match="--encoding klingon: not a text encoding"):
        load_labelled(path, ("neg", "pos"), encoding="klingon", split="all")


@pytest.mark.parametrize(
    "name, row, expected",
    [("r.tsv", "a stray\ttab\tpos", r"r.tsv, line 62: 3 fields, but the header has 2 \('text', 'label'\); quote texts that contain '\\t'"),
     ("r.csv", "great film, loved it,pos", r"r.csv, line 62: 3 fields, but the header has 2"),
     ("r.csv", "a,b,c,pos", r"line 62: 4 fields")],
)  # fmt: skip
def test_a_row_with_more_fields_than_the_header_is_refused_with_its_line(tmp_path, name, row, expected):
    """Read by the header, its extra field would be dropped and a piece of text taken as its label."""
    path = tmp_path / name
    _table(path, "\t" if name.endswith(".tsv") else ",")
    path.write_text(path.read_text() + row + "\n")
    with pytest.raises(UsageError, match=expected):
        load_dataset(str(path))


def test_raising_the_limit_is_advised_only_where_the_limit_cut_the_class(tmp_path):
    rows = ["text,label", *(f"great {i},pos" for i in range(59)), "awful,neg"]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(UsageError, match=r"class 'neg' has no text in train and val") as refused:
        load_dataset(str(tmp_path / "r.csv"), limit=300)
    assert "--limit" not in str(refused.value)  # 60 rows: the limit cut nothing
    path = write_reviews_csv(tmp_path / "even.csv", n=100)
    with pytest.raises(UsageError, match=r"has no text in train \(train 0, val 5, test 5\); raise --limit 1 or give it more rows"):
        load_dataset(str(path), limit=1)


def _acl_tree(root, splits: dict[str, tuple[str, ...]], n: int = 10):
    for split, labels in splits.items():
        (root / split).mkdir(parents=True, exist_ok=True)
        for label in labels:
            (root / split / label).mkdir()
            for i in range(n):
                (root / split / label / f"{i}.txt").write_text(f"{split} {label} review {i}")
    return str(root)


def test_an_aclimdb_style_tree_with_a_flat_test_folder_names_test(tmp_path):
    root = _acl_tree(tmp_path, {"train": ("neg", "pos"), "test": ()})
    (tmp_path / "test" / "0.txt").write_text("a review without a class folder")
    with pytest.raises(UsageError, match=re.escape(f"{tmp_path / 'test'}: no class sub-folders")):
        load_dataset(root)


@pytest.mark.parametrize(
    "splits, expected",
    [({"train": ("neg", "neutral", "pos"), "test": ("neg", "pos")}, "class folder 'neutral' is in train/ but not in test/"),
     ({"train": ("neg", "pos"), "test": ("neg", "neutral", "pos")}, "class folder 'neutral' is in test/ but not in train/"),
     ({"train": ("neg", "pos"), "val": ("neg",), "test": ("neg", "pos")}, "class folder 'pos' is in train/ and test/ but not in val/")],
)  # fmt: skip
def test_an_aclimdb_style_tree_refuses_a_class_folder_one_split_lacks(tmp_path, splits, expected):
    with pytest.raises(UsageError, match=re.escape(expected)):
        load_dataset(_acl_tree(tmp_path, splits))


def test_an_aclimdb_style_tree_with_a_val_folder_takes_it_as_the_val_split(tmp_path):
    root = _acl_tree(tmp_path, {"train": ("neg", "pos"), "val": ("neg", "pos"), "test": ("neg", "pos")}, n=12)
    (tmp_path / "train" / "unsup").mkdir()
    (tmp_path / "train" / "unsup" / "0.txt").write_text("an unlabelled review")
    dataset = load_dataset(root)
    assert dataset.sizes() == {"train": 24, "val": 24, "test": 24}  # nothing cut from train/
    assert all(text.startswith("val ") for text in dataset.val.texts)


@pytest.mark.parametrize("name", ["valid", "Val"])
def test_an_aclimdb_style_tree_refuses_a_folder_that_is_no_split_rather_than_leave_it_out(tmp_path, name):
    root = _acl_tree(tmp_path, {"train": ("neg", "pos"), name: ("neg", "pos"), "test": ("neg", "pos")}, n=12)
    with pytest.raises(UsageError, match=rf"{name}/ is no split folder of a tree with train/ and test/ \(split folders: train/, val/, test/\)"):
        load_dataset(root)


def test_a_tree_of_splits_without_test_names_what_it_lacks(tmp_path):
    root = _acl_tree(tmp_path, {"train": ("neg", "pos")}, n=12)
    with pytest.raises(UsageError, match=r"holds train/ but a tree of splits needs train/ and test/ .* or give --data .*train"):
        load_dataset(root)


@pytest.fixture(scope="module")
def relative_run(tmp_path_factory):
    """A tiny search run in `searched_here/` on `--data s.csv --delimiter ';'` (a relative path), results outside it."""
    root = tmp_path_factory.mktemp("relative")
    (root / "searched_here").mkdir()
    _table(root / "searched_here" / "s.csv", ";")
    before = os.getcwd()
    os.chdir(root / "searched_here")
    try:
        config = SearchConfig(data="s.csv", delimiter=";", space=str(TINY_SPACE), budget=1, results=root / "results", run="rel")
        assert [r.status for r in run_search(config).records] == ["COMPLETED"]
    finally:
        os.chdir(before)
    return root


def _export_check_from(monkeypatch, folder, root):
    """What `autosent export --results ROOT/results --run rel` run in `folder` checks before training."""
    monkeypatch.chdir(folder)
    return check_export(root / "results", "rel", out=root / "out")


def test_export_reads_a_runs_data_as_its_search_did_from_any_folder(relative_run, monkeypatch, tmp_path):
    """The delimiter and the data's absolute path are in run.json; the identity keeps the path as given."""
    info = RunRecord.read(relative_run / "results" / "rel")
    assert info.identity.data == "s.csv" and info.delimiter == ";"
    assert info.data_paths == {"data": str(relative_run / "searched_here" / "s.csv")}
    job = _export_check_from(monkeypatch, tmp_path, relative_run)
    assert job.dataset.fingerprint() == info.identity.fingerprint


def test_an_older_runs_relative_data_path_is_said_to_be_relative_not_changed(relative_run, monkeypatch, tmp_path):
    """Runs made before the absolute path was recorded: from another folder, say where to run the command."""
    old = tmp_path / "old"
    shutil.copytree(relative_run / "results", old / "results")
    run_json = old / "results" / "rel" / "run.json"
    record = json.loads(run_json.read_text())
    del record["data_paths"], record["delimiter"]
    record["identity"]["data"] = str(relative_run / "searched_here" / "s.csv")  # absolute, but no delimiter recorded
    run_json.write_text(json.dumps(record))
    with pytest.raises(UsageError, match="no text column 'text'"):  # an old run knew no --delimiter
        _export_check_from(monkeypatch, tmp_path, old)
    record["identity"]["data"] = "s.csv"
    run_json.write_text(json.dumps({**record, "delimiter": ";"}))
    relative = "s.csv, which is not found: run.json gives that path relative to the folder the search ran in; run this command from that folder"
    with pytest.raises(UsageError, match=re.escape(f"run 'rel' was searched on --data {relative}")):
        _export_check_from(monkeypatch, tmp_path, old)
    other = tmp_path / "s.csv"
    _table(other, ";")
    other.write_text(other.read_text() + "one more review;pos\n")  # another file of that name here
    with pytest.raises(UsageError, match=re.escape("s.csv here is not the data run 'rel' was searched on: run.json gives that path relative")):
        _export_check_from(monkeypatch, tmp_path, old)
    assert _export_check_from(monkeypatch, relative_run / "searched_here", old).dataset.fingerprint() == record["identity"]["fingerprint"]


def test_a_recorded_data_path_that_is_gone_is_named(relative_run, monkeypatch, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(relative_run, moved)
    (moved / "searched_here" / "s.csv").rename(moved / "s.csv")  # the copy's run.json still names relative_run's file
    run_json = moved / "results" / "rel" / "run.json"
    record = json.loads(run_json.read_text())
    record["data_paths"]["data"] = str(moved / "searched_here" / "s.csv")
    run_json.write_text(json.dumps(record))
    with pytest.raises(UsageError, match=re.escape(f"which is not at {moved / 'searched_here' / 's.csv'} any more; put it back there")):
        _export_check_from(monkeypatch, tmp_path, moved)


def test_a_run_resumes_whatever_spelling_names_its_data_file_and_not_for_another_file(cli, tmp_path):
    """`en.csv`, `./en.csv` and its absolute path are one file (run.json's `data_paths`); the hint to
    --overwrite, which deletes the run, is for data that is not the run's."""
    write_reviews_csv(tmp_path / "reviews.csv", n=60)
    args = ["search", "--space", str(TINY_SPACE), "--budget", "1", "--max-epochs", "1", "--run", "r"]
    assert cli(*args, "--data", "reviews.csv").code == 0
    for spelling in ("./reviews.csv", str(tmp_path / "reviews.csv")):
        resumed = cli(*args, "--data", spelling)
        assert resumed.code == 0, resumed.err
    assert json.loads((tmp_path / "results" / "r" / "run.json").read_text())["identity"]["data"] == "reviews.csv"
    os.mkdir(tmp_path / "elsewhere")
    shutil.copy(tmp_path / "reviews.csv", tmp_path / "elsewhere" / "reviews.csv")  # the same name and texts, another file
    cli(*args, "--data", "elsewhere/reviews.csv").assert_usage_error('differs from this command in its data (data: "reviews.csv" → "elsewhere/reviews.csv")')
