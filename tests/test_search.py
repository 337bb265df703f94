"""A real (tiny) search through the library API: records, resume, vectorise once."""

import json
import time

import keras
import pytest
from conftest import RECORD_FIELDS, write_reviews_csv

from autosent.errors import UsageError
from autosent.runs.records import read_records
from autosent.search import tuner as tuner_module
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.export import export_trial
from autosent.views.events import SearchListener


@pytest.fixture
def adapt_calls(monkeypatch):
    """Count real `TextVectorization.adapt` calls (the real method still runs)."""
    calls = []
    original = keras.layers.TextVectorization.adapt

    def counting(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.layers.TextVectorization, "adapt", counting)
    return calls


def test_search_records_every_trial_vectorises_once_and_resumes(tmp_path, tiny_space, adapt_calls):
    csv = write_reviews_csv(tmp_path / "reviews.csv", n=250)
    config = SearchConfig(data=str(csv), limit=160, space=str(tiny_space), budget=3, results=tmp_path, run="t")
    outcome = run_search(config)
    run_dir = tmp_path / "t"
    # The tiny space can pick `bag`: a words layer and a word n-grams layer, each adapted once.
    assert len(adapt_calls) == 2, "the text layers must be adapted once per run, not per trial"
    assert [r.trial_id for r in outcome.records] == ["0", "1", "2"]
    for path in sorted((run_dir / "trials").glob("*.json")):
        data = json.loads(path.read_text())
        assert RECORD_FIELDS <= set(data), RECORD_FIELDS - set(data)
        assert data["status"] == "COMPLETED"
        assert len(data["history"]) >= 1 and data["best_epoch"] in [h["epoch"] for h in data["history"]]
        assert data["val_cross_entropy"] == min(h["val_cross_entropy"] for h in data["history"])
    assert any(r.hyperband.get("trial_id") for r in outcome.records), "Hyperband should continue a trial"
    run = json.loads((run_dir / "run.json").read_text())
    assert run["splits"] == {"train": 160, "val": 24, "test": 26}  # 125 per class: 100 / 12 / 13
    assert run["identity"]["data"] == str(csv) and len(run["identity"]["fingerprint"]) == 64
    assert {"film", "plot", "poswordpos"} <= set((run_dir / "vocabulary.txt").read_text().split("\n"))

    before = {p.name: p.read_bytes() for p in (run_dir / "trials").glob("*.json")}
    resumed = run_search(SearchConfig(**{**config.__dict__, "budget": 4}))
    assert len(adapt_calls) == 2, "a resumed run reuses the saved vocabularies"
    assert len(resumed.records) == 4
    assert all((run_dir / "trials" / name).read_bytes() == data for name, data in before.items())

    with pytest.raises(UsageError, match="differs from this command in its space"):
        run_search(SearchConfig(**{**config.__dict__, "space": "seed"}))
    assert read_records(run_dir) == resumed.records, "a refused run must not touch the existing one"


class _Clock:
    """`time` for the tuner module, whose monotonic clock jumps an hour when a trial ends."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleep = time.sleep

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


class _HourPerTrial(SearchListener):
    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    def on_trial_end(self, record) -> None:
        self.clock.offset += 3600


def test_time_limit_stops_between_trials_not_before_the_first(tmp_path, tiny_space, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(tuner_module, "time", clock)
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(tiny_space), budget=3, results=tmp_path, time_limit=1800)
    outcome = run_search(config, listener=_HourPerTrial(clock))
    assert outcome.stopped_by_time and [r.trial_id for r in outcome.records] == ["0"]


def test_encoder_tables_reach_the_trials_records_and_export(tmp_path, tiny_space):
    space = tmp_path / "space.toml"
    space.write_text(
        tiny_space.read_text().replace('["conv1d", "gru", "bigru", "bag", "nbsvm"]', '["gru", "bag"]')
        + "\n[encoders.gru]\nunits = { choice = [2, 3] }\nbatch_size = 32\n[encoders.bag]\ndense_units = 4\n"
    )
    data = write_reviews_csv(tmp_path / "reviews.csv", n=300)
    outcome = run_search(SearchConfig(data=str(data), space=str(space), budget=2, results=tmp_path, run="e"))
    by_encoder = {r.hyperparameters["encoder"]: r for r in outcome.records}
    assert set(by_encoder) == {"gru", "bag"}, "every family is tried before any twice"
    for record in outcome.records:
        hps = record.hyperparameters
        assert not any("." in name for name in hps), "records use the hypermodel's names"
        if hps["encoder"] == "gru":
            assert hps["units"] in (2, 3) and hps["batch_size"] == 32 and hps["dense_units"] == 8
        else:
            assert "units" not in hps and hps["batch_size"] == 64 and hps["dense_units"] == 4

    gru = by_encoder["gru"]
    result = export_trial(tmp_path, "e", trial=gru.trial_id)
    assert result.metadata.hyperparameters == gru.hyperparameters
    layer = keras.saving.load_model(result.out / "model.keras").get_layer("autosent_gru").get_layer("gru")
    assert layer.units == gru.hyperparameters["units"]
