"""Trial records and the leaderboard built from them, rendered to a string."""

import json

from rich.console import Console

from autosent.runs.records import TrialRecord, epochs_trained, history_rows, rank, read_records, summarise, write_record
from autosent.views.leaderboard import rows, table
from autosent.views.report import markdown


def _record(
    trial_id: str, val_losses: list[float], losses: list[float], params: int = 100, first_epoch: int = 1, **hps
) -> TrialRecord:
    history = history_rows(
        list(range(first_epoch - 1, first_epoch - 1 + len(val_losses))),
        {"cross_entropy": losses, "accuracy": [0.9] * len(losses), "val_cross_entropy": val_losses, "val_accuracy": [0.8] * len(losses)},
    )
    return TrialRecord(
        trial_id=trial_id, status="COMPLETED", hyperparameters={"encoder": "gru", "units": 8, **hps},
        history=history, params=params, seconds=1.5, **summarise(history),
    )  # fmt: skip


def test_summary_flags_the_seed_notebooks_overfitting_signature():
    # The notebook: val_loss 0.29 at epoch 2, then rising to 0.84 while train loss kept falling.
    overfit = _record("0", [0.35, 0.29, 0.40, 0.84], [0.5, 0.3, 0.1, 0.02])
    assert overfit.best_epoch == 2 and overfit.val_cross_entropy == 0.29
    assert overfit.overfit and abs(overfit.val_cross_entropy_rise - 0.55) < 1e-9
    assert abs(overfit.gap - 0.1) < 1e-9
    healthy = _record("1", [0.5, 0.4, 0.35], [0.6, 0.5, 0.45])
    assert healthy.best_epoch == 3 and not healthy.overfit and healthy.val_cross_entropy_rise == 0


def test_ranking_is_by_val_loss_then_fewer_parameters_failed_last():
    a = _record("0", [0.5], [0.5], params=10)
    b = _record("1", [0.3], [0.5], params=50)
    c = _record("2", [0.3], [0.5], params=20)
    failed = TrialRecord(trial_id="3", status="FAILED", hyperparameters={"encoder": "gru"}, message="OOM")
    assert [r.trial_id for r in rank([a, failed, b, c])] == ["2", "1", "0", "3"]
    ranked = rows([a, failed, b, c])
    assert [r["rank"] for r in ranked] == [1, 2, 3, None]
    assert [r["trial"] for r in rows([a, failed, b, c], top=2)] == ["2", "1"]


def test_table_renders_ranked_trials_to_text():
    records = [_record("0", [0.5], [0.5], dropout=0.2, l2=1e-4), _record("1", [0.25, 0.3], [0.4, 0.3], dropout=0.1, l2=1e-3)]
    console = Console(record=True, width=120)
    console.print(table(records, top=5, title="leaders"))
    text = console.export_text()
    lines = [line for line in text.splitlines() if line.strip()]
    header = next(line for line in lines if "val_ce" in line)
    for column in ("trial", "encoder", "units", "drop", "l2", "ep", "val_acc", "gap", "overfit", "sec"):
        assert column in header
    first, second = [line for line in lines if line.strip().startswith(("1 ", "2 "))]
    assert "0.2500" in first and "yes" in first  # trial 1: best val_loss, then rose
    assert "0.5000" in second and "yes" not in second


def test_records_round_trip_through_disk_in_trial_order(tmp_path):
    for trial_id in ("10", "2", "1"):
        write_record(tmp_path, _record(trial_id, [0.4], [0.4]))
    loaded = read_records(tmp_path)
    assert [r.trial_id for r in loaded] == ["1", "2", "10"]
    assert loaded[0] == _record("1", [0.4], [0.4])


def test_a_hyperband_continuation_counts_the_epochs_its_weights_really_had():
    def record(trial_id, best_epoch, hyperband):
        return TrialRecord(trial_id, "COMPLETED", {}, hyperband=hyperband, best_epoch=best_epoch, val_cross_entropy=0.3)

    fresh = record("0", 1, {"epochs": 3, "initial_epoch": 0})  # trained 3 epochs, best was its 1st
    child = record("1", 4, {"epochs": 8, "initial_epoch": 3, "trial_id": "0"})  # from trial 0's best weights
    grandchild = record("2", 9, {"epochs": 12, "initial_epoch": 8, "trial_id": "1"})
    records = {r.trial_id: r for r in (fresh, child, grandchild)}
    assert epochs_trained(fresh, records) == 1
    assert epochs_trained(child, records) == 2  # 1 from its parent, then epoch 4 = its 1st
    assert epochs_trained(grandchild, records) == 3


def test_the_reports_overfitting_table_says_where_a_hyperband_continuation_began():
    fresh = _record("0", [0.4, 0.3], [0.5, 0.4])
    continued = _record("1", [0.32, 0.28, 0.33], [0.3, 0.2, 0.1], first_epoch=3)  # resumed its parent at epoch 3
    text = markdown("r", [fresh, continued], [], top=10)
    assert "| 0 | 2 | 1–2 | 0.0000 |  |" in text
    assert "| 1 | 4 | 3–5 | 0.0500 | yes |" in text


def test_records_written_before_the_rename_read_with_todays_names(tmp_path):
    """Records of earlier versions called the validation cross-entropy val_loss, in the record and its curve."""
    old = {
        "trial_id": "3", "status": "COMPLETED", "hyperparameters": {"encoder": "bag"}, "best_epoch": 1,
        "val_loss": 0.25, "train_loss": 0.2, "val_loss_rise": 0.01, "val_accuracy": 0.9,
        "history": [{"epoch": 1, "loss": 0.2, "val_loss": 0.25}, {"epoch": 2, "loss": 0.1, "val_loss": 0.26}],
    }  # fmt: skip
    (tmp_path / "trials").mkdir()
    (tmp_path / "trials" / "trial_3.json").write_text(json.dumps(old))
    (record,) = read_records(tmp_path)
    assert (record.val_cross_entropy, record.train_cross_entropy, record.val_cross_entropy_rise) == (0.25, 0.2, 0.01)
    assert record.history[1] == {"epoch": 2, "cross_entropy": 0.1, "val_cross_entropy": 0.26}
    assert record.finished


def test_a_run_with_three_classes_logs_macro_f1_and_its_leaderboard_shows_it(tmp_path):
    from conftest import TINY_SPACE, write_reviews_csv

    from autosent.search.pipeline import SearchConfig, run_search

    write_reviews_csv(tmp_path / "r.csv", n=150, labels=("meh", "neg", "pos"))
    outcome = run_search(SearchConfig(data=str(tmp_path / "r.csv"), space=str(TINY_SPACE), budget=2, results=tmp_path / "results"))
    finished = [r for r in outcome.records if r.finished]
    assert finished and all(0.0 <= r.val_macro_f1 <= 1.0 for r in finished)
    console = Console(record=True, width=160)
    console.print(table(outcome.records))
    assert "val_f1" in console.export_text()
    assert "val_f1" not in markdown("two", [_record("0", [0.5], [0.5])], [], top=1)  # two balanced classes: no column
