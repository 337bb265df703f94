"""keras-tuner's own state survives a crash: atomic writes, and trials finished before it."""

import json

import pytest
from keras_tuner.src import utils as keras_tuner_utils

from autosent import atomic
from autosent.search import SearchConfig, run_search
from autosent.tuner import make_keras_tuner_writes_atomic


class Crash(Exception):
    pass


def test_keras_tuner_state_writes_leave_the_old_file_when_cut_short(tmp_path, monkeypatch):
    make_keras_tuner_writes_atomic()
    oracle = tmp_path / "oracle.json"
    oracle.write_text('{"old": 1}')

    def die(fd):
        raise Crash  # the process dies after writing, before the data is durable and renamed

    monkeypatch.setattr(atomic.os, "fsync", die)
    with pytest.raises(Crash):
        keras_tuner_utils.save_json(str(oracle), {"new": 2})
    assert oracle.read_text() == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["oracle.json"], "no temp file left behind"


def test_a_trial_recorded_just_before_a_crash_is_not_run_again(tmp_path, tiny_space):
    config = SearchConfig(data="imdb", limit=100, space=str(tiny_space), budget=2, results=tmp_path, run="c")
    run_search(config)
    run_dir = tmp_path / "c"
    record = run_dir / "trials" / "trial_1.json"
    kept = record.read_bytes()

    # Put keras-tuner's state back to where a kill between our record write and the oracle's
    # end_trial leaves it: trial 1 still running, not ended.
    oracle_path = run_dir / "tuner" / "oracle.json"
    state = json.loads(oracle_path.read_text())
    state["ongoing_trials"] = {"tuner0": "1"}
    state["end_order"].remove("1")
    state["run_times"].pop("1")
    oracle_path.write_text(json.dumps(state))
    trial_path = run_dir / "tuner" / "trial_1" / "trial.json"
    trial = json.loads(trial_path.read_text())
    trial["status"] = "RUNNING"
    trial_path.write_text(json.dumps(trial))

    resumed = run_search(config)
    assert [r.trial_id for r in resumed.records] == ["0", "1"]
    assert record.read_bytes() == kept, "trial 1 was trained again"
    assert json.loads(trial_path.read_text())["status"] == "COMPLETED"
    assert json.loads(oracle_path.read_text())["ongoing_trials"] == {}
