"""What autosent asks of keras-tuner's oracle, checked without training a model.

As keras-tuner's own `hyperband_test.py` does, each test drives a real oracle through
`create_trial` / `update_trial` / `end_trial`; here a fake trainer stands in for the tuner and
writes the trial record a real trial would, with a measured cost. They cover the cost-aware
allocation (`tuner.CostAwareHyperbandOracle`), the resume repair (`resume.repair_oracle`) and the
chief's liveness (`distributed`), each through `autosent.search.keras_tuner_internals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import keras_tuner
import pytest
from conftest import TINY_SPACE
from keras_tuner.engine.trial import Trial

from autosent.models.objective import OBJECTIVE
from autosent.runs.records import COMPLETED, FAILED, TrialRecord, write_record
from autosent.search import distributed
from autosent.search.keras_tuner_internals import hyperband_rounds
from autosent.search.resume import repair_oracle
from autosent.search.space import load_space
from autosent.search.tuner import CostAwareHyperbandOracle, split_hyperparameters

SPACE = load_space(str(TINY_SPACE))
MAX_EPOCHS, FACTOR = 9, 3


@dataclass(frozen=True)
class Measured:
    """What the fake trainer measures of each family: its seconds per epoch and its val cross-entropy."""

    seconds_per_epoch: dict[str, float]
    score: dict[str, float]

    @classmethod
    def of(cls, dear: str, cost: float, score: float, others: float) -> Measured:
        """Every family costs 1 s an epoch and scores `others`, but `dear`, which costs `cost` and scores `score`."""
        return cls({e: cost if e == dear else 1.0 for e in SPACE.encoders}, {e: score if e == dear else others for e in SPACE.encoders})


#: `gru` costs 40 times the others' epoch and does no better.
AS_GOOD_BUT_DEAR = Measured.of("gru", cost=40.0, score=0.5, others=0.5)


def make_oracle(run_dir: Path, budget: int = 50, seed: int = 7) -> CostAwareHyperbandOracle:
    """The search's oracle with the space declared, in `run_dir/tuner`, as the tuner makes it."""
    oracle = CostAwareHyperbandOracle(
        run_dir=run_dir, encoders=SPACE.encoders, objective=keras_tuner.Objective(OBJECTIVE, "min"),
        max_epochs=MAX_EPOCHS, factor=FACTOR, seed=seed,
    )  # fmt: skip
    oracle._set_project_dir(str(run_dir), "tuner")  # what the tuner's constructor does, as in keras-tuner's tests
    oracle.verbose = 0
    oracle.max_trials = budget
    hp = oracle.get_space()
    SPACE.declare_all(hp)
    oracle.update_space(hp)
    return oracle


def resumed(run_dir: Path) -> CostAwareHyperbandOracle:
    """A fresh oracle that reloads the state the last one saved and is repaired, as a resumed search's tuner does."""
    oracle = make_oracle(run_dir)
    oracle.reload()
    repair_oracle(oracle, run_dir)
    return oracle


def record(trial, status: str = COMPLETED, measured: Measured = AS_GOOD_BUT_DEAR) -> TrialRecord:
    """The record a real trial of `trial` would leave, having trained its epochs as `measured`."""
    model, bookkeeping = split_hyperparameters(trial.hyperparameters.values)
    epochs = range(bookkeeping["initial_epoch"] + 1, bookkeeping["epochs"] + 1)
    score = measured.score[model["encoder"]]
    history = [{"epoch": e, OBJECTIVE: score, "cross_entropy": score} for e in epochs]
    return TrialRecord(
        trial_id=trial.trial_id, status=status, hyperparameters=SPACE.model_values(model), hyperband=bookkeeping, history=history,
        best_epoch=epochs[-1] if status == COMPLETED else None, val_cross_entropy=score if status == COMPLETED else None,
        seconds=measured.seconds_per_epoch[model["encoder"]] * len(history), message="" if status == COMPLETED else "diverged",
    )  # fmt: skip


def train(oracle: CostAwareHyperbandOracle, measured: Measured = AS_GOOD_BUT_DEAR, tuner_id: str = "tuner0"):
    """Ask for a trial and run it the way the tuner does: record first, then tell the oracle."""
    trial = oracle.create_trial(tuner_id)
    if trial.status == "RUNNING":
        finished = record(trial, measured=measured)
        write_record(oracle.run_dir, finished)
        oracle.update_trial(trial.trial_id, {OBJECTIVE: finished.val_cross_entropy}, step=finished.best_epoch - 1)
        trial.status = COMPLETED
        # Not followed by the tuner's save: a stop here is a kill just after end_trial's own save,
        # whose oracle.json still lists the trial as running.
        oracle.end_trial(trial)
    return trial


def new_configurations(measured: Measured, run_dir: Path, trials: int = 30) -> list[dict]:
    """The values of each new configuration (a bracket's first round) of a search of `trials` trials."""
    oracle = make_oracle(run_dir)
    values = [train(oracle, measured).hyperparameters.values for _ in range(trials)]
    return [v for v in values if v["tuner/round"] == 0]


#: Hyperband's epochs for a new configuration of each bracket.
RUNG_EPOCHS = {bracket: rounds[0][1] for bracket, rounds in hyperband_rounds(MAX_EPOCHS, FACTOR)}


def test_every_family_is_tried_once_then_a_dear_one_no_better_than_the_others_is_drawn_less(tmp_path):
    new = new_configurations(AS_GOOD_BUT_DEAR, tmp_path)
    assert sorted(v["encoder"] for v in new[: len(SPACE.encoders)]) == sorted(SPACE.encoders)
    later = [v["encoder"] for v in new[len(SPACE.encoders) :]]
    assert later.count("gru") < len(later) / len(SPACE.encoders), later  # fewer than its even share


def test_a_dear_family_that_leads_is_drawn_most_and_trains_fewer_epochs_than_its_rung(tmp_path):
    new = new_configurations(Measured.of("gru", cost=4.0, score=0.3, others=0.6), tmp_path)
    later = new[len(SPACE.encoders) :]
    assert sum(v["encoder"] == "gru" for v in later) > len(later) / 2
    trained = [(v["encoder"], v["tuner/epochs"], RUNG_EPOCHS[v["tuner/bracket"]]) for v in later]
    cut = [(epochs, rung) for encoder, epochs, rung in trained if encoder == "gru" and rung > 1]  # a rung of 1 cannot be cut
    assert cut and all(epochs < rung for epochs, rung in cut), cut
    assert all(epochs == rung for encoder, epochs, rung in trained if encoder != "gru"), trained


def test_a_resumed_oracle_decides_as_an_uninterrupted_one(tmp_path):
    """Its draws are seeded by the trial's number and read from the records, so a kill changes nothing,
    even one that leaves the last ended trial listed as running (the repair ends it again)."""
    straight = make_oracle(tmp_path / "straight")
    expected = [train(straight).hyperparameters.values for _ in range(12)]

    interrupted = make_oracle(tmp_path / "interrupted")
    got = [train(interrupted).hyperparameters.values for _ in range(5)]
    again = resumed(tmp_path / "interrupted")
    got += [train(again).hyperparameters.values for _ in range(7)]
    assert got == expected


def test_a_trial_created_just_before_a_kill_runs_on_resume_under_its_own_id(tmp_path):
    """A kill inside `create_trial`: trial.json written (running), oracle.json not yet."""
    oracle = make_oracle(tmp_path)
    train(oracle)
    state = tmp_path / "tuner" / "oracle.json"
    before = state.read_bytes()
    created = oracle.create_trial("tuner0")
    state.write_bytes(before)  # the kill: the oracle's file never heard of trial 1

    again = resumed(tmp_path)
    rerun = again.create_trial("tuner0")
    assert (rerun.trial_id, rerun.hyperparameters.values) == (created.trial_id, created.hyperparameters.values)


@pytest.mark.parametrize("status", [COMPLETED, FAILED])
def test_a_trial_whose_record_was_written_before_a_kill_is_ended_as_recorded_not_run_again(tmp_path, status):
    """A kill after the tuner wrote the trial's record, before the oracle heard the trial ended."""
    oracle = make_oracle(tmp_path)
    trial = oracle.create_trial("tuner0")
    written = record(trial, status, Measured.of("gru", cost=1.0, score=0.25, others=0.25))
    write_record(tmp_path, written)  # the kill comes here

    again = resumed(tmp_path)
    ended = again.trials[trial.trial_id]
    assert (ended.status, ended.message) == (status, written.message)
    assert trial.trial_id in again.end_order
    if status == COMPLETED:
        assert ended.score == 0.25  # Hyperband promotes by it
    assert again.create_trial("tuner0").trial_id != trial.trial_id


class Chief:
    """The chief's oracle service, called as keras-tuner's worker clients call it, on a clock the test moves."""

    def __init__(self, run_dir: Path, budget: int, monkeypatch, worker_timeout: float = 10.0):
        self.now = 0.0
        monkeypatch.setattr(distributed.time, "monotonic", lambda: self.now)
        self.oracle = make_oracle(run_dir, budget)
        self.service = distributed._liveness_servicer(self.oracle, worker_timeout)

    def ask(self, worker: str) -> Trial:
        return Trial.from_proto(self.service.CreateTrial(SimpleNamespace(tuner_id=worker), None).trial)

    def heartbeat(self, trial: Trial) -> None:
        self.service.GetTrial(SimpleNamespace(trial_id=trial.trial_id), None)

    def finish(self, trial: Trial) -> None:
        finished = record(trial)
        write_record(self.oracle.run_dir, finished)
        self.service.UpdateTrial(SimpleNamespace(trial_id=trial.trial_id, metrics={OBJECTIVE: 0.5}, step=0), None)
        trial.status = COMPLETED
        self.service.EndTrial(SimpleNamespace(trial=trial.to_proto()), None)

    def wait(self, seconds: float) -> list[tuple[str, str | None]]:
        self.now += seconds
        return self.service.requeue_lost()


def test_a_silent_workers_trial_goes_to_the_next_worker_and_a_heartbeat_keeps_one_alive(tmp_path, monkeypatch):
    chief = Chief(tmp_path, budget=3, monkeypatch=monkeypatch)
    lost_one, alive = chief.ask("w1"), chief.ask("w2")
    assert chief.wait(6) == []
    chief.heartbeat(alive)
    assert chief.wait(6) == [("w1", lost_one.trial_id)]  # 12 s silent; w2 spoke 6 s ago
    chief.finish(alive)
    taken_over = chief.ask("w2")
    assert (taken_over.trial_id, taken_over.hyperparameters.values) == (lost_one.trial_id, lost_one.hyperparameters.values)


def test_no_worker_is_released_while_another_trains_and_the_chief_ends_when_all_have_left(tmp_path, monkeypatch):
    chief = Chief(tmp_path, budget=2, monkeypatch=monkeypatch)
    first, second = chief.ask("w1"), chief.ask("w2")
    chief.finish(first)
    assert chief.ask("w1").status == "IDLE"  # the budget is handed out, but w2's trial may need a runner
    assert not chief.service.finished
    chief.wait(5)
    assert chief.ask("w1").status == "IDLE"  # still waiting, and heard from
    assert chief.wait(6) == [("w2", second.trial_id)]  # 11 s silent; w1 spoke 6 s ago
    rerun = chief.ask("w1")
    assert rerun.trial_id == second.trial_id
    chief.finish(rerun)
    assert chief.ask("w1").status == "STOPPED"
    assert chief.service.finished

