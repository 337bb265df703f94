"""Held-out folds (`export best` on a small val split, bench/folds.py): nothing of a held-out fold shapes the model that
predicts it, and the run is left as it was."""

import dataclasses
import json
import re
import tempfile

import numpy as np
import pytest
from conftest import TINY_SPACE, snapshot

from autosent.data import Dataset, Split
from autosent.runs.records import read_records
from autosent.runs.run_data import load_run_data
from autosent.runs.rundir import NGRAM_VOCABULARY_FILE, VOCABULARY_FILE, RunRecord
from autosent.ship.cross_validation import fold_dataset, fold_plan, held_out_cross_entropy, held_out_folds, held_out_probabilities
from autosent.ship.export import check_export, cross_validated, fold_predictions

MARK = "heldoutonly"


def test_a_held_out_folds_words_reach_no_vocabulary_of_the_model_that_predicts_it(finished_run, tmp_path):
    dataset = load_run_data(finished_run, RunRecord.read(finished_run))
    first, second = held_out_folds(dataset.train.texts, dataset.train.labels, 4, same_text=None)[:2]
    # a word found only in the first fold's texts, twice or more: any vocabulary adapted on them would hold it
    texts = [f"{text} {MARK}" if row in set(first.tolist()) else text for row, text in enumerate(dataset.train.texts)]
    dataset = dataclasses.replace(dataset, train=Split(texts, dataset.train.labels))
    trial = next(r for r in read_records(finished_run) if r.finished).trial_id
    before = snapshot(finished_run)
    job = check_export(finished_run.parent, finished_run.name, out=tmp_path / "unused")

    fold = fold_dataset(dataset, first)
    assert sorted(fold.test.texts) == sorted(texts[row] for row in first)
    (tmp_path / "held-out").mkdir()
    probabilities = fold_predictions(job, [trial], full=True)(fold, tmp_path / "held-out")[trial]
    assert probabilities.shape == (len(first), 2)
    assert np.mean(probabilities.argmax(1) == fold.test.labels) >= 0.9  # each class has its own words: a fold learns them
    vocabularies = [tmp_path / "held-out" / name for name in (VOCABULARY_FILE, NGRAM_VOCABULARY_FILE)]
    assert vocabularies[0].is_file() and not any(MARK in p.read_text() for p in vocabularies if p.is_file())
    assert snapshot(finished_run) == before  # the run's own vocabularies were not rewritten

    # the same texts in a fold's training part do reach its vocabulary: the check above can fail
    (tmp_path / "trained").mkdir()
    fold_predictions(job, [trial], full=True)(fold_dataset(dataset, second), tmp_path / "trained")
    assert MARK in (tmp_path / "trained" / VOCABULARY_FILE).read_text()


def test_texts_with_the_same_words_are_held_out_together():
    """Two copies of a text in two folds would let a model be scored on a text it trained on."""
    from autosent.data.leakage import SplitRule

    texts = [f"review {i % 30} plot" if i % 3 else f"Review {i % 30}, plot!" for i in range(90)]  # 30 texts, 3 spellings each
    labels = np.array([(i % 30) % 2 for i in range(90)])
    same_text = SplitRule("unicode_words").same_text()
    held_out = held_out_folds(texts, labels, 3, same_text)
    fold_of = {same_text(texts[row]): number for number, rows in enumerate(held_out) for row in rows}
    assert len(fold_of) == 30 and all(fold_of[same_text(texts[row])] == number for number, rows in enumerate(held_out) for row in rows)
    assert sorted(np.concatenate(held_out).tolist()) == list(range(90))
    # without the rule, the copies fall apart: the check above can fail
    apart = {row: number for number, rows in enumerate(held_out_folds(texts, labels, 3, None)) for row in rows}
    assert any(len({apart[row] for row in range(90) if same_text(texts[row]) == key}) > 1 for key in fold_of)


def _noisy_reviews_csv(path, n: int) -> None:
    """Texts of random filler words and a word that tells the label, but a fifth of the labels flipped: models
    that differ a little differ text by text both ways, as real ones do (on clean data one is better on every text)."""
    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(n):
        label = ("neg", "pos")[i % 2]
        told = label if rng.random() > 0.2 else ("pos", "neg")[i % 2]
        lines.append(f"{' '.join(rng.choice([f'filler{k}' for k in range(30)], size=6))} {told}word,{label}")
    path.write_text("\n".join(lines) + "\n")


def test_export_best_ranks_the_tied_trials_of_the_cheapest_family_on_held_out_folds_and_leaves_no_trace(tmp_path, cli, monkeypatch):
    """Two nbsvm trials on 12 val texts: the val split cannot rank them, so the folds do."""
    _noisy_reviews_csv(tmp_path / "reviews.csv", n=120)
    choice = 'encoder = { choice = ["conv1d", "gru", "bigru", "bag", "nbsvm"] }'
    (tmp_path / "nbsvm.toml").write_text(TINY_SPACE.read_text().replace(choice, 'encoder = "nbsvm"'))
    searched = cli("search", "--data", "reviews.csv", "--space", "nbsvm.toml", "--budget", "2", "--run", "two")
    assert searched.code == 0, searched.err
    run_dir = tmp_path / "results" / "two"
    before = snapshot(run_dir)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    result = cli("export", "best", "--run", "two", "--out", "exported")
    assert result.code == 0, result.err
    (ranking,) = [line for line in result.out.splitlines() if line.startswith("export: ranking")]
    assert ranking.startswith("export: ranking 2 trials the val split cannot tell apart on 5 held-out folds of the training split: 5 retrains each, about ")
    assert re.fullmatch(r"\d+s", ranking.rsplit(" ", 1)[1])  # two tiny trials: seconds, not "1m"
    assert [line for line in result.out.splitlines() if line.startswith("export: fold")] == [f"export: fold {k}/5 done" for k in range(1, 6)]
    metadata = json.loads((tmp_path / "exported" / "metadata.json").read_text())
    rule = metadata["selection"]["rule"]
    assert "; of its 2 trials within that noise, the lowest cross-entropy on 5 held-out folds of the training split" in rule
    assert f"(trial {metadata['trial_id']}: 0." in rule  # the shipped trial is the one the folds ranked first
    assert rule in (tmp_path / "exported" / "MODEL_CARD.md").read_text()
    assert snapshot(run_dir) == before and not list(scratch.glob("autosent-*"))  # the folds' text layers lived in scratch folders, now gone


def _toy(texts: list[str], labels: list[int]) -> Dataset:
    empty = Split([], np.array([], dtype=np.int64))
    return Dataset("toy", ("neg", "pos"), Split(texts, np.array(labels)), empty, empty)


def test_a_fold_plan_partitions_the_training_texts_and_each_fold_trains_on_every_class_or_there_is_none():
    plan = fold_plan(_toy([f"text {i}" for i in range(10)], [0, 1] * 5), 5, None)
    assert sorted(np.concatenate(plan).tolist()) == list(range(10)) and all(len(held_out) == 2 for held_out in plan)
    assert fold_plan(_toy([f"text {i}" for i in range(8)], [0, 1] * 4), 5, None) is None  # four texts a class: a fold holds none out
    # five pos texts, but one text: its copies stay in one fold, and that fold's model would never see pos
    copied = _toy([f"text {i}" if i % 2 == 0 else "the same" for i in range(10)], [0, 1] * 5)
    assert fold_plan(copied, 5, None) is not None and fold_plan(copied, 5, lambda text: text) is None


def test_every_training_text_is_predicted_once_by_the_fold_that_held_it_out_in_a_scratch_folder_of_its_own():
    texts = [f"text {i}" for i in range(10)]
    dataset = _toy(texts, [0, 1] * 5)
    plan = fold_plan(dataset, 5, None)
    folders = []

    def predict(fold, folder):
        assert not set(fold.test.texts) & set(fold.train.texts) and folder.is_dir() and not any(folder.iterdir())
        folders.append(folder)
        number = next(n for n, held_out in enumerate(plan) if [texts[i] for i in held_out] == fold.test.texts)
        return {"m": np.tile([number / 10, 1 - number / 10], (len(fold.test), 1))}  # which fold predicted it

    done = []
    probabilities = held_out_probabilities(dataset, plan, predict, done.append)["m"]
    assert done == [1, 2, 3, 4, 5] and len(set(folders)) == 5 and not any(folder.exists() for folder in folders)
    for number, held_out in enumerate(plan):
        np.testing.assert_allclose(probabilities[held_out, 0], number / 10)


def test_a_model_that_gave_no_number_ranks_last_on_held_out_folds():
    labels = np.array([0, 1])
    assert held_out_cross_entropy(np.array([[0.5, 0.5], [0.5, 0.5]]), labels) == pytest.approx(np.log(2))
    assert held_out_cross_entropy(np.array([[np.nan, np.nan], [0.5, 0.5]]), labels) == np.inf


def test_export_best_keeps_the_val_order_without_training_where_no_fold_plan_exists(finished_run, tmp_path):
    """One training text a class (found by a hostile try: the folds' first adapt crashed on an empty vocabulary)."""
    job = check_export(finished_run.parent, finished_run.name, out=tmp_path / "unused")
    job = dataclasses.replace(job, dataset=dataclasses.replace(job.dataset, train=Split(["good film", "bad film"], np.array([1, 0]))))
    assert cross_validated(job, full=True)([r for r in job.records if r.finished]) is None
    assert not (tmp_path / "unused").exists()
