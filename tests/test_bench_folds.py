"""bench/folds.py: nothing of a held-out fold shapes the model that predicts it, and the run is left as it was."""

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
from conftest import snapshot

from autosent.data import Split
from autosent.runs.records import read_records
from autosent.runs.run_data import load_run_data
from autosent.runs.rundir import NGRAM_VOCABULARY_FILE, VOCABULARY_FILE, RunRecord

MARK = "heldoutonly"


def _folds_bench():
    """bench/folds.py, imported from its file (bench/ is no package)."""
    path = Path(__file__).parent.parent / "bench" / "folds.py"
    spec = importlib.util.spec_from_file_location("folds", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_held_out_folds_words_reach_no_vocabulary_of_the_model_that_predicts_it(finished_run, tmp_path):
    folds = _folds_bench()
    dataset = load_run_data(finished_run, RunRecord.read(finished_run))
    first, second = folds.held_out_folds(dataset.train.labels, 4)[:2]
    # a word found only in the first fold's texts, twice or more: any vocabulary adapted on them would hold it
    texts = [f"{text} {MARK}" if row in set(first.tolist()) else text for row, text in enumerate(dataset.train.texts)]
    dataset = dataclasses.replace(dataset, train=Split(texts, dataset.train.labels))
    trial = next(r for r in read_records(finished_run) if r.finished).trial_id
    before = snapshot(finished_run)

    fold = folds.fold_dataset(dataset, first)
    assert sorted(fold.test.texts) == sorted(texts[row] for row in first)
    predicted = folds.trial_on_fold(finished_run.parent, finished_run.name, trial, fold, tmp_path / "held-out")
    assert predicted.shape == (len(first),)
    assert np.mean(predicted == fold.test.labels) >= 0.9  # each class has its own words: a fold learns them
    vocabularies = [tmp_path / "held-out" / name for name in (VOCABULARY_FILE, NGRAM_VOCABULARY_FILE)]
    assert vocabularies[0].is_file() and not any(MARK in p.read_text() for p in vocabularies if p.is_file())
    assert snapshot(finished_run) == before  # the run's own vocabularies were neither read nor rewritten

    # the same texts in a fold's training part do reach its vocabulary: the check above can fail
    folds.trial_on_fold(finished_run.parent, finished_run.name, trial, folds.fold_dataset(dataset, second), tmp_path / "trained")
    assert MARK in (tmp_path / "trained" / VOCABULARY_FILE).read_text()
