"""Distributed search: a chief and workers as separate processes on 127.0.0.1, as a user runs them."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import RECORD_FIELDS, TINY_SPACE, write_reviews_csv

from autosent.errors import UsageError
from autosent.runs.records import read_records
from autosent.runs.rundir import RunRecord, join_run
from autosent.search import pipeline as search_module
from autosent.search.devices import distribution_strategy
from autosent.search.pipeline import SearchConfig, run_search

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A chief and named workers of one tiny search, started as `autosent search` processes."""

    def __init__(self, folder: Path, budget: int, worker_timeout: str = "60s"):
        self.folder = folder
        self.run_dir = folder / "results" / "d"
        write_reviews_csv(folder / "reviews.csv", n=400)
        self.args = [
            "search", "--data", "reviews.csv", "--space", str(TINY_SPACE), "--limit", "300", "--budget", str(budget), "--run", "d",
            "--chief", f"127.0.0.1:{_free_port()}", "--worker-timeout", worker_timeout,
        ]  # fmt: skip
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        role = ["--role", "chief"] if name == "chief" else ["--role", "worker", "--worker-id", name]
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "autosent", *self.args, *role], cwd=self.folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def wait(self, timeout: float = 600) -> dict[str, tuple[int, str, str]]:
        """Every process's exit code, stdout and stderr."""
        deadline = time.monotonic() + timeout
        try:
            return {name: (p.wait(max(1.0, deadline - time.monotonic())), *p.communicate()) for name, p in self.processes.items()}
        finally:
            for p in self.processes.values():
                p.kill()

    def oracle(self) -> dict:
        return json.loads((self.run_dir / "tuner" / "oracle.json").read_text())


def test_two_workers_share_the_budget_and_a_killed_workers_trial_goes_to_the_other(tmp_path, cli):
    """One cluster for both: the healthy path (each trial ends once, both workers on the leaderboard) and a lost worker."""
    cluster = Cluster(tmp_path, budget=4, worker_timeout="4s")
    for name in ("chief", "w1", "w2"):
        cluster.start(name)
    victim = cluster.processes["w1"]
    deadline = time.monotonic() + 300
    running = None
    while time.monotonic() < deadline and victim.poll() is None:  # until w1, one trial done, trains another
        try:
            running = cluster.oracle()["ongoing_trials"].get("w1")
        except (OSError, ValueError):
            running = None
        finished_by_w1 = [r for r in read_records(cluster.run_dir) if r.worker == "w1"]
        if running is not None and finished_by_w1 and not (cluster.run_dir / "trials" / f"trial_{running}.json").exists():
            break
        time.sleep(0.1)
    assert victim.poll() is None and running is not None, "w1 never ran a second trial"
    time.sleep(0.5)
    os.kill(victim.pid, signal.SIGKILL)
    exits = cluster.wait()

    assert exits["w1"][0] == -signal.SIGKILL
    assert exits["chief"][0] == 0 and exits["w2"][0] == 0, exits
    assert "search finished: 4 trial(s)" in exits["chief"][1]
    assert f"worker w1 stopped answering; its trial {running} goes to another worker" in exits["chief"][1]
    records = {r.trial_id: r for r in read_records(cluster.run_dir)}
    assert sorted(records) == [str(i) for i in range(4)]
    for path in (cluster.run_dir / "trials").glob("*.json"):
        record = json.loads(path.read_text())
        assert RECORD_FIELDS <= set(record) and record["status"] == "COMPLETED", record
    assert records[running].worker == "w2"
    oracle = cluster.oracle()
    assert sorted(oracle["end_order"]) == [str(i) for i in range(4)]  # each trial ended once
    assert set(oracle["run_times"].values()) == {1}, oracle["run_times"]  # the lost one's rerun counts as its only run

    board = cli("leaderboard", "--run", "d", "--json")
    assert board.code == 0, board.err
    rows = json.loads(board.out)
    assert {row["worker"] for row in rows} == {"w1", "w2"}
    assert sorted(row["trial"] for row in rows) == [str(i) for i in range(4)]


def test_a_worker_without_a_chief_gives_up_after_its_connect_timeout(tmp_path, cli, monkeypatch):
    """In this process, with the real wait shortened from 10 s to half a second."""
    real_wait = search_module.wait_for_chief
    monkeypatch.setattr(search_module, "wait_for_chief", lambda c: real_wait(dataclasses.replace(c, connect_timeout=0.5)))
    cluster = Cluster(tmp_path, budget=2)
    line = cli(*cluster.args, "--role", "worker").assert_usage_error("no chief answers at 127.0.0.1:")
    assert "after 0.5s; start `autosent search --role chief" in line
    assert not (tmp_path / "results").exists()


def test_a_worker_with_other_data_is_refused(tmp_path, cli):
    cluster = Cluster(tmp_path, budget=2)
    cluster.start("chief")
    try:
        deadline = time.monotonic() + 300  # the worker waits 10 s for the chief's server, which starts after run.json
        while not (cluster.run_dir / "run.json").exists() and cluster.processes["chief"].poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        other = [a if a != "300" else "200" for a in cluster.args]  # --limit 200: another training set
        cli(*other, "--role", "worker").assert_usage_error("this worker's fingerprint differs from the chief's run 'd'")
    finally:
        cluster.processes["chief"].kill()


def test_a_worker_joins_the_chiefs_run_whatever_path_spells_the_same_data(finished_run):
    """Across machines a shared data file's path need not match the chief's; its texts (the fingerprint) must."""
    chief = RunRecord.read(finished_run).identity
    elsewhere = dataclasses.replace(chief, data=f"/mnt/shared/{chief.data}")
    assert join_run(finished_run.parent, "done", elsewhere) == finished_run
    with pytest.raises(UsageError, match=r"this worker's data and fingerprint differ from the chief's run 'done' \(data: "):
        join_run(finished_run.parent, "done", dataclasses.replace(elsewhere, fingerprint="0" * 64))


def test_devices_runs_trials_under_a_mirrored_strategy_and_refuses_too_many(tmp_path, monkeypatch, cli):
    entered = []

    def watched(devices):
        """The real strategy, noting each time a model is built or trained in its scope."""
        strategy = distribution_strategy(devices)
        real_scope = strategy.scope
        strategy.scope = lambda: (entered.append(devices), real_scope())[1]
        return strategy

    monkeypatch.setattr(search_module, "distribution_strategy", watched)
    data = write_reviews_csv(tmp_path / "reviews.csv")
    config = SearchConfig(data=str(data), space=str(TINY_SPACE), budget=1, results=tmp_path, run="m", devices="1")
    assert [r.status for r in run_search(config).records] == ["COMPLETED"]
    assert entered and set(entered) == {"1"}, "the trial did not run inside the MirroredStrategy"
    cli("search", "--data", str(data), "--space", str(TINY_SPACE), "--devices", "64").assert_usage_error("--devices 64: this machine has")
