"""User data: table files, JSONL, class folders, labels, and their errors."""

import json

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


def test_a_huge_single_text_is_cut_to_the_sequence_length(tmp_path):
    from autosent.space import load_space
    from autosent.vectorize import fitted_tokenizer, vectorize

    path = write_reviews_csv(tmp_path / "r.csv", n=60)
    huge = " ".join(f"word{i % 5000}" for i in range(1_000_000))  # ~8 MB, a million tokens
    path.write_text(path.read_text() + f'"{huge}",pos\n')
    dataset = load_dataset(str(path))
    space = load_space(str(TINY_SPACE))  # words and word n-grams, both cut to their lengths
    data = vectorize(dataset, fitted_tokenizer(dataset.train.texts, space, tmp_path))
    assert data.x_train.shape == (len(dataset.train), space.input_length)
    assert max(map(len, dataset.train.texts + dataset.val.texts + dataset.test.texts)) == len(huge)
