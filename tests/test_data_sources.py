"""User data: table files, JSONL, class folders, labels, and their errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autosent.data import load_dataset
from autosent.errors import UsageError
from conftest import TINY_SPACE, write_reviews_csv


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
    from autosent.space import load_space
    from autosent.vectorize import NGRAMS, WORDS, fitted_tokenizer, vectorize

    path = write_reviews_csv(tmp_path / "r.csv", n=60)
    huge = " ".join(f"word{i % 5000}" for i in range(1_000_000))  # ~8 MB, a million tokens
    path.write_text(path.read_text() + f'"{huge}",pos\n')
    dataset = load_dataset(str(path))
    space = load_space(str(TINY_SPACE))
    tokenizer = fitted_tokenizer(dataset.train.texts, space, tmp_path)
    data = vectorize(dataset, tokenizer)
    assert data.x_train[WORDS].shape == (len(dataset.train), space.sequence_length)
    assert tuple(data.x_train[NGRAMS].dense_shape) == (len(dataset.train), tokenizer.vocabulary_sizes[NGRAMS])
    split, x = next((s, x) for s, x in ((dataset.train, data.x_train), (dataset.val, data.x_val), (dataset.test, data.x_test)) if huge in s.texts)
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


def test_hidden_folders_and_files_in_a_class_folder_tree_are_no_data(tmp_path):
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(20):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review {i}")
        (tmp_path / label / ".DS_Store").write_bytes(b"\x00\x01binary")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "0-checkpoint.txt").write_text("a notebook's copy")
    dataset = load_dataset(str(tmp_path))
    assert dataset.label_names == ("neg", "pos")
    assert sum(dataset.sizes().values()) == 40


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
