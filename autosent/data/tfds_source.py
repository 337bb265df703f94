"""Loading a tensorflow-datasets data set, failing fast when it would need a download offline.

Offline, `download_and_prepare` retries for minutes before giving up. We check whether the
data is already prepared and, if it is not, whether the download host answers at all, and
tell the user to use a local source within seconds instead.
"""

from __future__ import annotations

import logging
import os
import socket

import numpy as np

from autosent.errors import UsageError

#: The host tfds downloads most data sets from; overridable so the offline path is testable.
DOWNLOAD_HOST = os.environ.get("AUTOSENT_TFDS_PROBE", "storage.googleapis.com:443")


def _download_host_reachable(address: str, timeout: float = 3.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def _builder(name: str):
    import tensorflow_datasets as tfds

    # tfds warns through absl about folders of data sets that are not prepared yet; we
    # tell the user what that means for them below.
    logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        return tfds.builder(name)
    except tfds.core.registered.DatasetNotFoundError:
        raise UsageError(
            f"unknown tensorflow-datasets name {name!r} (see https://www.tensorflow.org/datasets/catalog)"
        ) from None


def _as_arrays(builder, split: str, keys: tuple[str, str]) -> tuple[list[str], np.ndarray]:
    import tensorflow_datasets as tfds

    text_key, label_key = keys
    texts: list[str] = []
    labels: list[int] = []
    for example in tfds.as_numpy(builder.as_dataset(split=split)):
        text = example[text_key]
        texts.append(text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text))
        labels.append(int(example[label_key]))
    return texts, np.array(labels, dtype=np.int32)


def load_tfds(name: str) -> tuple[dict[str, tuple[list[str], np.ndarray]], tuple[str, ...]]:
    """Return the data set's text splits (`train`, and `validation`/`test` where it has them)."""
    builder = _builder(name)
    if not builder.is_prepared():
        if not _download_host_reachable(DOWNLOAD_HOST):
            raise UsageError(
                f"tfds:{name} is not downloaded and the network is unreachable; "
                f"use a local source instead (--data imdb, or a CSV/JSONL file or folder)"
            )
        builder.download_and_prepare()
    keys = builder.info.supervised_keys
    if not keys or len(keys) != 2:
        raise UsageError(f"tfds:{name} has no (text, label) supervised keys; it is not a text classification set")
    label_feature = builder.info.features[keys[1]]
    names = getattr(label_feature, "names", None)
    if not names:
        raise UsageError(f"tfds:{name}: label {keys[1]!r} is not a class label")
    splits = {
        split: _as_arrays(builder, split, keys)
        for split in ("train", "validation", "test")
        if split in builder.info.splits
    }
    if "train" not in splits:
        raise UsageError(f"tfds:{name} has no 'train' split")
    return splits, tuple(names)
