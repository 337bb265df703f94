"""Cost-aware allocation: the rules alone, then in a real tiny search, its dry-run plan and its log lines."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import TINY_SPACE, bench_module, write_reviews_csv

from autosent.runs.records import TrialRecord
from autosent.search.allocation import FLOOR, MARGIN, FamilyStats, draw_encoder, encoder_weights, epochs_for, family_stats
from autosent.search.plan import TIMED_BATCHES, hyperband_trials


def _stats(**families: tuple[float, float | None]) -> dict[str, FamilyStats]:
    return {name: FamilyStats(seconds, best, True) for name, (seconds, best) in families.items()}


def test_a_cheaper_family_gets_more_epochs_than_a_dearer_one_with_the_same_promise():
    stats = _stats(nbsvm=(2.0, 0.3), bag=(10.0, 0.3), conv1d=(12.0, 0.3), gru=(60.0, 0.3), bigru=(90.0, 0.3))
    assert epochs_for("nbsvm", 6, 0, stats) == epochs_for("bag", 6, 0, stats) == 6  # at most the median's cost: the rung's epochs
    assert epochs_for("gru", 6, 0, stats) == 1 < epochs_for("conv1d", 6, 0, stats) == 6  # conv1d is the median
    assert epochs_for("bigru", 6, 2, stats) == 3  # a continuation trains at least one epoch past its parent
    weights = encoder_weights(stats)
    assert weights["nbsvm"] > weights["bag"] > weights["conv1d"] > weights["gru"] > weights["bigru"]


def test_no_family_is_dropped_and_one_within_the_margin_keeps_its_cost_share():
    behind = 0.2 + MARGIN + 0.01
    stats = _stats(nbsvm=(2.0, 0.2), gru=(60.0, 0.2 + MARGIN / 2), conv1d=(2.0, behind))
    weights = encoder_weights(stats)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["conv1d"] == pytest.approx(FLOOR)  # as cheap as nbsvm but behind: the floor, never zero
    assert weights["gru"] > FLOOR  # dear but competitive: more than the floor
    assert weights["nbsvm"] > weights["gru"]


def test_every_family_is_tried_once_before_any_is_preferred():
    stats = {"nbsvm": FamilyStats(1.0, 0.2, True), "gru": FamilyStats(1.0, None, False), "bag": FamilyStats(1.0, None, False)}
    assert encoder_weights(stats) == {"nbsvm": 0.0, "gru": 0.5, "bag": 0.5}


def test_costs_and_promise_come_from_the_records():
    def record(trial_id: str, encoder: str, seconds: float, epochs: int, val: float | None) -> TrialRecord:
        status = "COMPLETED" if val is not None else "FAILED"
        history = [{"epoch": e + 1} for e in range(epochs)]
        return TrialRecord(trial_id, status, {"encoder": encoder}, history=history, seconds=seconds, val_cross_entropy=val)

    records = [record("0", "gru", 120, 2, 0.4), record("1", "gru", 60, 2, 0.3), record("2", "bag", 30, 3, None)]
    stats = family_stats(["gru", "bag", "nbsvm"], records)
    assert stats["gru"] == FamilyStats(45.0, 0.3, True)  # median of 60 and 30 s per epoch
    assert stats["bag"] == FamilyStats(10.0, None, True)  # failed: tried, no promise
    assert stats["nbsvm"] == FamilyStats(27.5, None, False)  # never tried: the median of the measured
    assert family_stats(["nbsvm"], [], {"nbsvm": 3.0})["nbsvm"].seconds_per_epoch == 3.0  # an estimate


def test_draws_follow_the_weights_and_repeat_for_the_same_seed():
    weights = {"nbsvm": 0.7, "bag": 0.2, "gru": 0.1}
    draws = Counter(draw_encoder(weights, 0, n) for n in range(2000))
    assert [draw_encoder(weights, 0, 7) for _ in range(3)] == [draw_encoder(weights, 0, 7)] * 3
    for encoder, share in weights.items():
        assert draws[encoder] / 2000 == pytest.approx(share, abs=0.04)


def test_a_real_search_tries_every_family_follows_its_dry_run_plan_and_logs_a_line_per_trial(cli, tmp_path):
    write_reviews_csv(tmp_path / "r.csv", n=160)
    # An [encoders.NAME] table, as the default space has: the dry run times each encoder with its own values.
    (tmp_path / "tiny.toml").write_text(TINY_SPACE.read_text() + "\n[encoders.gru]\nunits = { choice = [2, 3] }\nbatch_size = { steps_per_epoch = 4, min = 2, max = 64 }\n")
    args = ["search", "--data", "r.csv", "--space", "tiny.toml", "--budget", "6"]
    planned = cli(*args, "--dry-run")
    assert planned.code == 0, planned.err
    assert not (tmp_path / "results").exists(), "a dry run writes nothing"
    assert "plan: 6 trials of Hyperband" in planned.out and "total" in planned.out
    assert f"estimate, from {TIMED_BATCHES} timed batches per encoder after an untimed one" in planned.out  # not "one timed batch"
    assert "profile: scripts: Latin 100%" in planned.out and "warning" not in planned.out  # the data profile first
    batches = {line.split()[0]: line.split(" at batch ")[1].split()[0] for line in planned.out.splitlines() if " s per epoch at batch " in line}
    assert batches == {"conv1d": "64", "gru": "32", "bigru": "64", "bag": "64", "nbsvm": "64"}  # gru's rule: 128 training texts // 4 steps

    result = cli(*args)  # captured: not a terminal, so plain lines
    assert result.code == 0, result.err
    assert "profile: classes (train): neg 50%, pos 50%" in result.out.splitlines()
    run = json.loads((tmp_path / "results" / "r-tiny" / "run.json").read_text())
    assert run["profile"]["class_counts"] == {"neg": 64, "pos": 64} and run["profile"]["scripts"] == {"Latin": 1.0}
    records = [json.loads((tmp_path / "results" / "r-tiny" / "trials" / f"trial_{i}.json").read_text()) for i in range(6)]
    trial_lines = [line for line in result.out.splitlines() if line.startswith("[")]
    assert [line.split(" encoder=")[0] for line in trial_lines] == [
        f"[{i + 1}/6] trial {i}" + (f" (continues trial {r['hyperband']['trial_id']} at epoch {r['hyperband']['initial_epoch'] + 1})"
                                    if "trial_id" in r["hyperband"] else "")
        for i, r in enumerate(records)
    ]  # fmt: skip
    assert any("continues" in line for line in trial_lines)  # a budget of 6 reaches Hyperband's second round
    assert all("val_ce" in line and "best" in line and " | eta " in line for line in trial_lines[:-1])
    assert result.out.splitlines()[-3].startswith("best: trial ") and " | val_ce " in result.out.splitlines()[-3]
    assert result.out.splitlines()[-1] == "next: autosent export best --run r-tiny"

    plan = hyperband_trials(max_epochs=2, factor=2, budget=6)
    assert [(r["hyperband"]["bracket"], r["hyperband"]["round"]) for r in records] == [(t.bracket, t.round) for t in plan]
    new_configurations = [r["hyperparameters"]["encoder"] for r in records if r["hyperband"]["round"] == 0]
    assert set(new_configurations[:5]) == {"conv1d", "gru", "bigru", "bag", "nbsvm"}, new_configurations

    # Every decision is a function of the records before it (and the oracle's seed): replayed from
    # them, the run's encoders and epochs come back exactly, as bench/replay_allocation.py claims.
    replayed = bench_module("replay_allocation").replay(tmp_path / "results" / "r-tiny")
    assert replayed[-1] == "6 of 6 trials: the same encoder and epochs as the run decided", replayed


def test_quiet_prints_only_the_closing_summary_the_best_trial_and_the_next_command(cli, tmp_path):
    write_reviews_csv(tmp_path / "r.csv", n=120)
    result = cli("search", "--data", "r.csv", "--space", str(TINY_SPACE), "--budget", "1", "--quiet")
    assert result.code == 0, result.err
    best, finished, next_step = result.out.strip().splitlines()
    assert best.startswith("best: trial 0 encoder=") and " | val_ce " in best, best
    assert (finished, next_step) == ("search finished: 1 trial(s) in results/r-tiny", "next: autosent export best --run r-tiny")
