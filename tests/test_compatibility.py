"""A run and an export made at ee3e106, before the Unicode standardisation, the character encoders, the data
profile and the selection rule, are read, ranked, re-exported and predict exactly as they did then.

`fixtures/ee3e106/` was written by that commit's code (`make_fixture.py` says how); `expected.json` holds
the probabilities its export gave.
"""

import json
import shutil

import numpy as np
import pytest
from conftest import TESTS

from autosent.runs.records import read_records
from autosent.runs.rundir import RunRecord
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.export import export_trial
from autosent.ship.predict import Predictor

FIXTURE = TESTS / "fixtures" / "ee3e106"


@pytest.fixture
def old(tmp_path):
    """A copy of the fixture (its run names its data by a relative path: tests run in the copy)."""
    shutil.copytree(FIXTURE, tmp_path / "old")
    return tmp_path / "old"


@pytest.fixture
def expected() -> dict:
    return json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))


def test_an_old_export_predicts_and_explains_exactly_as_it_did(old, expected):
    predictor = Predictor(old / "results" / "old" / "export")
    np.testing.assert_allclose(predictor.probabilities(expected["texts"]), expected["probabilities"], atol=1e-6)
    assert predictor.standardize == "split_at_punctuation"  # not the unicode_words of new runs
    explained = predictor.predict(expected["texts"][:1], explain_top=2)[0].explanation
    assert explained.method == "exact" and {c.term for c in explained.towards + explained.against} <= {"splendid", "lovely", "a", "film", "a splendid", "splendid lovely", "lovely film"}


def test_an_old_run_ranks_and_exports_its_trial_exactly_as_it_did(old, expected, cli, monkeypatch):
    monkeypatch.chdir(old)  # the run names its data as reviews.csv
    info = RunRecord.read(old / "results" / "old")
    assert info.profile is None and info.identity.space["vectorizer"]["standardize"] == "split_at_punctuation"
    board = cli("leaderboard", "--run", "old", "--json")
    assert board.code == 0, board.err
    assert {row["trial"] for row in json.loads(board.out)} == {"0", "1"}
    # Into the run's own export folder: an export made before metadata.json had autosent's marker is replaced.
    # On train alone, as exports were made then (a small val split now joins train by default: --no-full keeps it out).
    result = export_trial(old / "results", "old", trial=expected["trial_id"], full=False)
    assert "char_ngrams" not in result.metadata.vectorizer and result.metadata.profile is None
    assert json.loads((result.out / "metadata.json").read_text())["producer"] == "autosent"
    np.testing.assert_allclose(Predictor(result.out).probabilities(expected["texts"]), expected["probabilities"], atol=1e-6)


def test_an_old_run_resumes_with_the_command_that_made_it(old, monkeypatch):
    monkeypatch.chdir(old)
    before = read_records(old / "results" / "old")
    outcome = run_search(SearchConfig(data="reviews.csv", space="space.toml", budget=3, results=old / "results", run="old"))
    assert [r.trial_id for r in outcome.records] == ["0", "1", "2"] and outcome.records[:2] == before
    assert RunRecord.read(old / "results" / "old").profile is None  # resuming does not rewrite what the run was made from
