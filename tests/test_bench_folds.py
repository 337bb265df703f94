"""bench/folds.py: nothing of a held-out fold shapes the model that predicts it, and the run is left as it was."""

import dataclasses

import numpy as np
from conftest import bench_module, snapshot

from autosent.data import Split
from autosent.runs.records import read_records
from autosent.runs.run_data import load_run_data
from autosent.runs.rundir import NGRAM_VOCABULARY_FILE, VOCABULARY_FILE, RunRecord
from autosent.ship.export import check_export

MARK = "heldoutonly"


def test_a_held_out_folds_words_reach_no_vocabulary_of_the_model_that_predicts_it(finished_run, tmp_path):
    folds = bench_module("folds")
    dataset = load_run_data(finished_run, RunRecord.read(finished_run))
    first, second = folds.held_out_folds(dataset.train.texts, dataset.train.labels, 4, same_text=None)[:2]
    # a word found only in the first fold's texts, twice or more: any vocabulary adapted on them would hold it
    texts = [f"{text} {MARK}" if row in set(first.tolist()) else text for row, text in enumerate(dataset.train.texts)]
    dataset = dataclasses.replace(dataset, train=Split(texts, dataset.train.labels))
    trial = next(r for r in read_records(finished_run) if r.finished).trial_id
    before = snapshot(finished_run)
    job = check_export(finished_run.parent, finished_run.name, out=tmp_path / "unused")

    fold = folds.fold_dataset(dataset, first)
    assert sorted(fold.test.texts) == sorted(texts[row] for row in first)
    predicted = folds.trial_on_fold(job, trial, fold, tmp_path / "held-out", full=True)
    assert predicted.shape == (len(first),)
    assert np.mean(predicted == fold.test.labels) >= 0.9  # each class has its own words: a fold learns them
    vocabularies = [tmp_path / "held-out" / name for name in (VOCABULARY_FILE, NGRAM_VOCABULARY_FILE)]
    assert vocabularies[0].is_file() and not any(MARK in p.read_text() for p in vocabularies if p.is_file())
    assert snapshot(finished_run) == before  # the run's own vocabularies were not rewritten

    # the same texts in a fold's training part do reach its vocabulary: the check above can fail
    folds.trial_on_fold(job, trial, folds.fold_dataset(dataset, second), tmp_path / "trained", full=True)
    assert MARK in (tmp_path / "trained" / VOCABULARY_FILE).read_text()


def test_texts_with_the_same_words_are_held_out_together():
    """Two copies of a text in two folds would let a model be scored on a text it trained on."""
    from autosent.data.leakage import SplitRule

    texts = [f"review {i % 30} plot" if i % 3 else f"Review {i % 30}, plot!" for i in range(90)]  # 30 texts, 3 spellings each
    labels = np.array([(i % 30) % 2 for i in range(90)])
    same_text = SplitRule("unicode_words").same_text()
    held_out = bench_module("folds").held_out_folds(texts, labels, 3, same_text)
    fold_of = {same_text(texts[row]): number for number, rows in enumerate(held_out) for row in rows}
    assert len(fold_of) == 30 and all(fold_of[same_text(texts[row])] == number for number, rows in enumerate(held_out) for row in rows)
    assert sorted(np.concatenate(held_out).tolist()) == list(range(90))
    # without the rule, the copies fall apart: the check above can fail
    apart = {row: number for number, rows in enumerate(bench_module("folds").held_out_folds(texts, labels, 3, None)) for row in rows}
    assert any(len({apart[row] for row in range(90) if same_text(texts[row]) == key}) > 1 for key in fold_of)
