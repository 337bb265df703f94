"""keras-tuner's own state survives a crash: atomic writes, and trials finished before it."""

import contextlib
import gc
import json
import resource
import signal
import sys

import pytest
from conftest import snapshot, write_reviews_csv

from autosent.runs import atomic
from autosent.runs.records import read_records
from autosent.search import keras_tuner_internals
from autosent.search import tuner as tuner_module
from autosent.search.pipeline import SearchConfig, run_search


class Crash(Exception):
    pass


def test_keras_tuner_state_writes_leave_the_old_file_when_cut_short(tmp_path, monkeypatch):
    oracle = tmp_path / "oracle.json"
    oracle.write_text('{"old": 1}')

    def die(fd):
        raise Crash  # the process dies after writing, before the data is durable and renamed

    monkeypatch.setattr(atomic.os, "fsync", die)
    keras_tuner_internals.install()  # as a search does
    with pytest.raises(Crash):
        keras_tuner_internals._utils.save_json(str(oracle), {"new": 2})  # what keras-tuner calls
    assert oracle.read_text() == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["oracle.json"], "no temp file left behind"


def test_a_crash_right_after_a_trial_record_neither_loses_nor_reruns_it(tmp_path, tiny_space, monkeypatch):
    """Die between our record write and keras-tuner's bookkeeping, then resume."""
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(tiny_space), budget=3, results=tmp_path, run="c")
    real_write = tuner_module.write_record

    def write_then_die(run_dir, record):
        real_write(run_dir, record)
        raise Crash  # the oracle never hears that trial 0 ended; no tuner state is saved after it

    monkeypatch.setattr(tuner_module, "write_record", write_then_die)
    with pytest.raises(Crash):
        run_search(config)
    monkeypatch.setattr(tuner_module, "write_record", real_write)
    record = tmp_path / "c" / "trials" / "trial_0.json"
    kept = record.read_bytes()

    resumed = run_search(config)
    assert [r.trial_id for r in resumed.records] == ["0", "1", "2"]
    assert record.read_bytes() == kept, "trial 0 was trained again"
    trial_state = json.loads((tmp_path / "c" / "tuner" / "trial_0" / "trial.json").read_text())
    assert trial_state["status"] == "COMPLETED"


def test_a_trial_created_just_before_a_kill_is_run_on_resume(tmp_path, tiny_space, finished_run):
    """Die inside keras-tuner's create_trial: trial.json written, oracle.json not yet.

    The state such a kill leaves is made from a finished two-trial run by undoing its trial 1.
    """
    run_dir = finished_run
    data = json.loads((run_dir / "run.json").read_text())["identity"]["data"]  # the path the run was made with
    config = SearchConfig(data=data, space=str(tiny_space), budget=2, results=run_dir.parent, run=run_dir.name)
    (run_dir / "trials" / "trial_1.json").unlink()
    oracle_path = run_dir / "tuner" / "oracle.json"
    state = json.loads(oracle_path.read_text())
    for key in ("start_order", "end_order"):
        state[key].remove("1")
    state["run_times"].pop("1")
    oracle_path.write_text(json.dumps(state))
    trial_path = run_dir / "tuner" / "trial_1" / "trial.json"
    trial = json.loads(trial_path.read_text())
    trial["status"], trial["metrics"] = "RUNNING", {"metrics": {}}
    trial_path.write_text(json.dumps(trial))

    resumed = run_search(config)
    assert [r.trial_id for r in resumed.records] == ["0", "1"]
    assert json.loads(trial_path.read_text())["status"] == "COMPLETED"


class _CtrlCInAFinalizer:
    """Deleted, it receives a Ctrl-C inside `__del__`, where Python prints and drops the KeyboardInterrupt."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


@pytest.fixture
def terminal_ctrl_c():
    """SIGINT as a terminal delivers it, even where the test runner's parent ignores it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_that_python_swallows_in_a_finalizer_still_stops_the_search(tmp_path, tiny_space, cli, monkeypatch, terminal_ctrl_c):
    """Where a CI run's Ctrl-C landed: in the garbage collection Keras runs before each trial."""
    write_reviews_csv(tmp_path / "reviews.csv", n=250)
    args = ["search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "2", "--run", "i"]
    run_dir = tmp_path / "results" / "i"
    real_collect, fired = gc.collect, []

    def collect_during_a_ctrl_c(*a, **kw):
        if not fired and any(run_dir.glob("trials/trial_*.json")):
            fired.append(True)
            _CtrlCInAFinalizer()  # created and deleted at once
        return real_collect(*a, **kw)

    monkeypatch.setattr(gc, "collect", collect_during_a_ctrl_c)
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)  # Python's own, which prints to stderr
    interrupted = cli(*args)
    assert fired, "no garbage was collected after the first trial; the test no longer races what it names"
    assert interrupted.code == 130, "the search went on after a Ctrl-C"
    assert interrupted.err.strip() == "autosent: interrupted; re-run the same command to resume"
    assert len(read_records(run_dir)) == 1

    resumed = cli(*args)
    assert resumed.code == 0, resumed.err
    assert len(read_records(run_dir)) == 2


@contextlib.contextmanager
def file_size_limit(size: int):
    """`ulimit -f` for this process: a write past `size` bytes fails with EFBIG (Python ignores SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@pytest.mark.parametrize("limit, unwritten", [(1_000, "run.json"), (10_000, "tuner/trial_0/checkpoint.weights.h5")])
def test_a_write_the_disk_refuses_is_one_line_naming_the_file_and_the_same_command_resumes(tmp_path, tiny_space, cli, limit, unwritten):
    """run.json goes through autosent.runs.atomic; a checkpoint is written inside a trial, by Keras."""
    write_reviews_csv(tmp_path / "reviews.csv", n=120)
    args = ["search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "1", "--run", "f"]
    with file_size_limit(limit):
        failed = cli(*args)
    assert failed.code == 1, failed.err
    assert failed.err.strip() == (
        f"autosent: error: cannot write results/f/{unwritten}: File too large; "
        "raise the file-size limit (ulimit -f), then re-run the same command"
    )
    assert read_records(tmp_path / "results" / "f") == [], "a trial the disk stopped was recorded"

    resumed = cli(*args)
    assert resumed.code == 0, resumed.err
    assert [r.status for r in read_records(tmp_path / "results" / "f")] == ["COMPLETED"]


@pytest.mark.parametrize("limit, unwritten", [(10_000, "model.keras"), (60_000, "saved_model")])
def test_an_export_the_disk_refuses_is_one_line_naming_the_file_and_leaves_nothing_half_written(finished_run, cli, limit, unwritten):
    """Keras' zip writer names no file, TensorFlow's SavedModel writer raises its own error type: both become one line."""
    before = snapshot(finished_run)
    with file_size_limit(limit):
        failed = cli("export", "--run", "done")
    assert failed.code == 1, failed.err
    line = failed.err.strip()
    assert line.startswith("autosent: error: cannot write ") and f"/{unwritten}: File too large; raise the file-size limit" in line, line
    assert snapshot(finished_run) == before  # no staging folder, no export folder left
