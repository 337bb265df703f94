"""`autosent report`'s figures say what the search did: checked through the data and axes they are drawn from."""

import numpy as np
import pytest

from autosent.models.objective import CROSS_ENTROPY, OBJECTIVE
from autosent.runs.records import TrialRecord, rank, read_records
from autosent.ship.evaluate import calibration_bins, reliability_figure
from autosent.ship.export_metadata import ExportMetadata
from autosent.views.report import (
    MIN_SPAN,
    curves_figure,
    encoder_scores,
    encoders_figure,
    make_report,
)


def _trial(trial_id: str, encoder: str, val_ce: float, val_acc: float, parent: str | None = None, epochs: int = 2) -> TrialRecord:
    history = [{"epoch": e, CROSS_ENTROPY: val_ce - 0.01 * e, OBJECTIVE: val_ce + 0.01 * (epochs - e)} for e in range(1, epochs + 1)]
    return TrialRecord(
        trial_id, "COMPLETED", {"encoder": encoder}, {"trial_id": parent} if parent else {}, history,
        best_epoch=epochs, val_cross_entropy=val_ce, val_accuracy=val_acc, params=100,
    )  # fmt: skip


def _ticks_in_view(axis_ticks: np.ndarray, limits: tuple[float, float]) -> list[float]:
    return [t for t in axis_ticks if limits[0] <= t <= limits[1]]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_encoders_are_shown_as_the_val_cross_entropy_ranks_them_each_configuration_once():
    # The walk-through's case: nbsvm has the best val accuracy, but val cross-entropy, the ranking, puts it last.
    records = [
        _trial("00", "nbsvm", 0.62, 0.784),
        _trial("01", "bag", 0.46, 0.770),
        _trial("02", "nbsvm", 0.60, 0.780),
        _trial("03", "bag", 0.50, 0.760),
        _trial("04", "bag", 0.45, 0.781, parent="01"),  # Hyperband continuing trial 01: the same configuration
        _trial("05", "conv1d", 0.65, 0.700),
    ]
    scores = encoder_scores(records)
    assert [s.encoder for s in scores] == ["bag", "nbsvm", "conv1d"]  # by each encoder's best val cross-entropy, not by name
    bag = scores[0]
    assert bag.val_cross_entropy == [0.45, 0.50] and bag.val_accuracy == [0.781, 0.760]  # 01+04 once, at 04's scores
    assert bag.best_rank == 1 and scores[1].best_rank == 4 and scores[2].best_rank == 6
    assert scores[1].val_cross_entropy == [0.60, 0.62] and scores[1].val_accuracy == [0.780, 0.784]
    ce, accuracy = encoders_figure(records).axes
    assert ce.get_ylabel() == "val cross-entropy (lower is better)" and accuracy.get_ylabel() == "val accuracy"
    assert accuracy.get_title() == "accuracy at the lowest-val-CE epoch"
    assert [t.get_text() for t in ce.get_xticklabels()] == ["bag\n2 configs\nbest #1", "nbsvm\n2 configs\nbest #4", "conv1d\n1 config\nbest #6"]


def test_encoders_a_millionth_apart_are_not_drawn_as_far_apart():
    for ax in encoders_figure([_trial("00", "nbsvm", 0.580140, 0.9), _trial("01", "nbsvm", 0.580142, 0.9)]).axes:
        low, high = ax.get_ylim()
        assert high - low >= MIN_SPAN and low >= 0.0, (ax.get_ylabel(), low, high)


def test_one_epoch_curves_get_whole_epoch_ticks_one_shared_scale_and_no_magnified_noise(finished_run):
    records = read_records(finished_run)
    ranked = [r for r in rank(records) if r.finished]
    assert any(len(r.history) == 1 for r in ranked)  # Hyperband's first round: one epoch each
    flat = _trial("09", "bag", 0.6931, 0.5, epochs=1)
    flat.history[0][CROSS_ENTROPY] = 0.6935  # train and val 0.0004 apart: noise, not a gap
    axes = curves_figure([flat, *ranked], None, top=3).axes
    assert len(axes) == 3
    for ax in axes:
        ticks = _ticks_in_view(ax.get_xticks(), ax.get_xlim())
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert _ticks_in_view(axes[0].get_xticks(), axes[0].get_xlim()) == [1.0]
    assert len({ax.get_ylim() for ax in axes}) == 1  # one y scale: the panels' heights compare
    low, high = axes[0].get_ylim()
    assert high - low >= MIN_SPAN and low >= 0.0


def test_a_long_curve_keeps_whole_epoch_ticks():
    ax = curves_figure([_trial("00", "bag", 0.4, 0.8, epochs=23)], None, top=1).axes[0]
    ticks = _ticks_in_view(ax.get_xticks(), ax.get_xlim())
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks) and ticks[0] >= 1 and ticks[-1] <= 23


@pytest.mark.parametrize("full, trained_on", [(True, "train + val"), (False, "train")])
def test_the_retrain_panel_names_what_the_export_trained_on(full, trained_on):
    history = [{"epoch": e, CROSS_ENTROPY: 0.6 - 0.1 * e} for e in (1, 2)]
    if not full:  # a retrain on train alone reads val, for its early stopping
        history = [{**h, OBJECTIVE: 0.55} for h in history]
    export = ExportMetadata(["neg", "pos"], full=full, trial_id="07", epochs=2, retrain_history=history)
    retrain = curves_figure([_trial("07", "tfidf", 0.5, 0.8)], export, top=1).axes[1]
    assert retrain.get_title() == "export: trial 07 retrained"
    assert [t.get_text() for t in retrain.get_legend().get_texts()] == [trained_on, *([] if full else ["val"]), "best epoch 2"]


def test_the_report_of_a_finished_run_draws_the_encoders_figure_under_its_new_name(finished_run):
    report = make_report(finished_run)
    assert [p.name for p in report.figures] == ["learning_curves.png", "best_so_far.png", "val_by_encoder.png"]
    best = rank(read_records(finished_run))[0]
    assert encoder_scores(read_records(finished_run))[0].encoder == best.encoder


def test_the_reliability_diagram_writes_each_bins_count_on_its_bar():
    confidence = np.array([0.55] * 3 + [0.95] * 120)
    correct = np.array([True, False, False] + [True] * 110 + [False] * 10)
    ax = reliability_figure(calibration_bins(confidence, correct), 0.1).axes[0]
    assert [t.get_text() for t in ax.texts] == ["3", "120"]
