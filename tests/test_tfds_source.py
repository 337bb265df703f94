"""tensorflow-datasets loading, tested without network: mocked data, and the offline fast-fail."""

import os

import pytest
import tensorflow_datasets as tfds

from autosent.data import load_dataset, tfds_source
from autosent.errors import UsageError


def _prepare_metadata(data_dir, name: str, splits: tuple[str, ...]) -> None:
    """Write the dataset_info.json a real download would leave, without any records."""
    builder = tfds.builder(name, data_dir=str(data_dir))
    infos = [
        tfds.core.SplitInfo(name=s, shard_lengths=[40], num_bytes=0, filename_template=None) for s in splits
    ]
    builder.info.set_splits(tfds.core.SplitDict(infos))
    os.makedirs(builder.data_dir, exist_ok=True)
    builder.info.write_to_directory(builder.data_dir)


def test_tfds_imdb_reviews_through_the_real_loader(monkeypatch, tmp_path):
    """A locally prepared imdb_reviews (real metadata, tfds' mocked records) through our loader."""
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    _prepare_metadata(tmp_path, "imdb_reviews", ("train", "test", "unsupervised"))
    with tfds.testing.mock_data(num_examples=40, policy=tfds.testing.MockPolicy.USE_FILES, data_dir=str(tmp_path)):
        dataset = load_dataset("tfds:imdb_reviews")
    assert dataset.label_names == ("neg", "pos")
    # imdb_reviews has train and test but no validation: val is carved (10 %) from train.
    sizes = dataset.sizes()
    assert sizes["test"] == 40 and sizes["train"] + sizes["val"] == 40
    assert 3 <= sizes["val"] <= 6  # ~10 % per class; the mocked labels are random
    assert all(isinstance(t, str) for t in dataset.train.texts)


def test_offline_missing_dataset_is_refused_without_attempting_the_download(monkeypatch, tmp_path):
    """Offline, tfds' own download retries for minutes; autosent must not start it at all."""
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))  # nothing downloaded here
    monkeypatch.setattr(tfds_source, "DOWNLOAD_HOST", "127.0.0.1:9")  # a port nothing listens on
    attempts = []
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", lambda self, *a, **k: attempts.append(self.name))
    with pytest.raises(UsageError, match="not downloaded and the network is unreachable; use a local source"):
        load_dataset("tfds:imdb_reviews")
    assert attempts == []


def test_unknown_tfds_name():
    with pytest.raises(UsageError, match="unknown tensorflow-datasets name 'no_such_set'"):
        load_dataset("tfds:no_such_set")
