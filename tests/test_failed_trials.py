"""Trials that diverge or run out of memory are recorded as failed with their reason; only a streak stops a search."""

import json
import re
from pathlib import Path

import pytest
from conftest import TINY_SPACE, snapshot, unallocatable_space, write_reviews_csv

from autosent.search import memory
from autosent.search import tuner as tuner_module
from autosent.search.pipeline import SearchConfig, run_search

#: The one-line reason of a trial stopped by a non-finite loss. A learning rate of 1e30 overflows to
#: nan or to +-inf depending on the model and the machine's arithmetic; the promise is the same.
NON_FINITE_LOSS = re.compile(r"FailedTrialError: (loss|val_loss) became (nan|-?inf) in epoch \d+(, batch \d+)?")


def _space_with_learning_rate(folder: Path, value: str) -> Path:
    """The tiny space, with a learning rate large enough to overflow the weights to NaN (and its
    two encoders that build fastest: what fails does not depend on the encoder)."""
    text = TINY_SPACE.read_text().replace("learning_rate = 0.003", f"learning_rate = {value}")
    text = text.replace('["conv1d", "gru", "bigru", "bag", "nbsvm"]', '["conv1d", "nbsvm"]')
    path = folder / "diverging.toml"
    path.write_text(text)
    return path


def test_a_diverging_trial_is_recorded_as_failed_and_the_search_goes_on(tmp_path):
    space = _space_with_learning_rate(tmp_path, "{ choice = [1e30, 0.003] }")
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(space), budget=6, results=tmp_path, run="mixed")
    outcome = run_search(config)

    assert not outcome.failed_in_a_row
    assert len(outcome.records) == 6
    failed = [r for r in outcome.records if r.failed]
    done = [r for r in outcome.records if r.finished]
    assert failed and done, [(r.trial_id, r.status) for r in outcome.records]
    for record in failed:
        assert record.hyperparameters["learning_rate"] == 1e30
        assert NON_FINITE_LOSS.fullmatch(record.message), record.message
        trial_state = json.loads((tmp_path / "mixed" / "tuner" / f"trial_{record.trial_id}" / "trial.json").read_text())
        assert trial_state["status"] == "FAILED"  # keras-tuner will neither retry it nor pick it for a bracket
    assert all(r.hyperparameters["learning_rate"] == 0.003 for r in done)


def test_failures_in_a_row_stop_the_search_with_their_reasons_and_resume_goes_on(tmp_path, monkeypatch):
    streak = 2  # the real streak is MAX_CONSECUTIVE_FAILURES; a shorter one runs the same code in fewer trials
    monkeypatch.setattr(tuner_module, "MAX_CONSECUTIVE_FAILURES", streak)
    space = _space_with_learning_rate(tmp_path, "1e30")
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(space), budget=20, results=tmp_path, run="nan")

    outcome = run_search(config)
    assert [r.trial_id for r in outcome.failed_in_a_row] == [f"{i:02d}" for i in range(streak)]
    assert all(NON_FINITE_LOSS.fullmatch(r.message) for r in outcome.failed_in_a_row), [r.message for r in outcome.failed_in_a_row]
    assert len(outcome.records) == streak

    resumed = run_search(config)  # state was saved before stopping: the next trials run, and fail
    assert len(resumed.records) == 2 * streak
    assert [r.trial_id for r in resumed.failed_in_a_row] == [f"{i:02d}" for i in range(streak, 2 * streak)]


@pytest.fixture
def larger_machine(monkeypatch):
    """A machine large enough for the up-front estimate (`memory.check_fits`, which would refuse the
    unallocatable space: that is its job), so that the model is allocated, as when other programs hold the memory
    the estimate counted on. What fails is then TensorFlow's real allocation."""
    monkeypatch.setattr(memory, "machine_memory", lambda: (2**62, "the memory this test pretends to have"))


#: The one-line reason of a trial whose model could not be allocated.
OUT_OF_MEMORY = re.compile(r"ResourceExhaustedError: OOM when allocating tensor with shape\[10000,65536,65536\] .*")


def test_a_trial_that_runs_out_of_memory_is_recorded_as_failed_and_the_search_goes_on(tmp_path, larger_machine):
    """Also the first model of all: keras-tuner's tuner built one in its constructor, outside any trial."""
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(unallocatable_space(tmp_path)), budget=3, results=tmp_path, run="oom")
    outcome = run_search(config)

    assert not outcome.failed_in_a_row and len(outcome.records) == 3
    failed = [r for r in outcome.records if r.failed]
    assert failed and all(r.hyperparameters["encoder"] == "conv1d" for r in failed), [(r.encoder, r.status) for r in outcome.records]
    assert all(OUT_OF_MEMORY.fullmatch(r.message) for r in failed), [r.message for r in failed]
    assert any(r.finished and r.hyperparameters["encoder"] == "nbsvm" for r in outcome.records)


def test_a_dry_run_whose_model_runs_out_of_memory_says_so_in_one_line(cli, tmp_path, larger_machine):
    write_reviews_csv(tmp_path / "reviews.csv")
    space = unallocatable_space(tmp_path)
    before = snapshot(tmp_path)
    result = cli("search", "--data", "reviews.csv", "--space", str(space), "--dry-run")
    result.assert_usage_error("--dry-run: a conv1d model of space unallocatable ran out of memory on this machine (ResourceExhaustedError)")
    assert snapshot(tmp_path) == before
