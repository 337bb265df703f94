"""What a search and `autosent leaderboard` show: the table at a terminal's width, the piped lines,
the live view's estimate and the closing summary. Driven by fake events and records, no search."""

import dataclasses
import io
import re

import pytest
from rich.console import Console

from autosent import cli as cli_module
from autosent.runs.records import TrialRecord, rank, write_record
from autosent.runs.rundir import RUN_FILE
from autosent.search import pipeline as search_module
from autosent.search.pipeline import SearchOutcome
from autosent.views.leaderboard import markdown, rows, table
from autosent.views.live import LiveSearchView
from autosent.views.pace import TrialPace
from autosent.views.plain import PlainSearchView, best_line

#: Hyperparameters as the default space draws them, binary noise included.
HPS = {"encoder": "bigru", "units": 64, "embedding_dim": 128, "dropout": 0.30000000000000004, "l2": 1.24e-06, "learning_rate": 0.00071}


def _record(trial_id, val_ce, val_acc, encoder="bigru", parent=None, worker="tuner0", seconds=123.4, status="COMPLETED"):
    hyperband = {"epochs": 6, "initial_epoch": 2, "bracket": 1, "round": 1, "trial_id": parent} if parent else {"epochs": 2, "initial_epoch": 0}
    return TrialRecord(
        trial_id=trial_id, status=status, hyperparameters={**HPS, "encoder": encoder}, hyperband=hyperband,
        best_epoch=3, val_cross_entropy=val_ce, val_accuracy=val_acc, train_cross_entropy=val_ce and val_ce - 0.2,
        train_accuracy=val_acc and val_acc + 0.1, overfit=True, params=1000, seconds=seconds, worker=worker,
        message="" if status == "COMPLETED" else "OOM",
    )  # fmt: skip


RECORDS = [
    _record("00", 0.62143, 0.78401, "nbsvm"),
    _record("01", 0.48462, 0.79812, "conv1d"),
    _record("03", 0.45991, 0.77113),
    _record("05", 0.44912, 0.78052, parent="03"),
    _record("06", 0.58273, 0.70001, "conv1d", parent="01"),
]


class _Clock:
    """A fake monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _render(renderable, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 60])
def test_in_a_narrow_terminal_the_leaderboard_keeps_rank_trial_encoder_val_ce_and_val_acc_whole(width):
    text = _render(table(RECORDS, title="run r: 5 trial(s)"), width)
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= width, text
    header = next(line for line in text.splitlines() if "val_ce" in line)
    assert header.split()[:2] == ["#", "trial"] and "val_acc" in header, text
    for position, record in enumerate(rank(RECORDS), start=1):
        (line,) = [line for line in text.splitlines() if line.split()[:2] == [str(position), record.trial_id]]
        for value in (record.encoder, f"{record.val_cross_entropy:.4f}", f"{record.val_accuracy:.4f}"):
            assert value in line.split(), (value, line)


def test_with_room_every_column_shows_and_the_worker_only_where_trials_ran_on_two_workers():
    local = _render(table(RECORDS), 200)
    header = next(line for line in local.splitlines() if "val_ce" in line).split()
    assert header == ["#", "trial", "continues", "encoder", "units", "drop", "l2", "ep", "val_ce", "val_acc", "gap", "overfit", "sec"]
    assert "tuner0" not in local
    two = [*RECORDS[:-1], _record("06", 0.58273, 0.70001, worker="worker-gpu-2")]
    shown = _render(table(two), 200)
    assert "worker" in shown and "worker-gpu-2" in shown and "tuner0" in shown
    assert "| worker |" not in markdown(RECORDS) and "| worker |" in markdown(two)


def test_a_hyperband_continuation_is_marked_in_the_leaderboard_and_in_its_piped_line():
    text = _render(table(RECORDS), 200)
    continued = {line.split()[1]: line.split()[2] for line in text.splitlines() if line.split()[:1] in (["1"], ["4"])}
    assert continued == {"05": "03", "06": "01"}, text  # ranks 1 and 4: trials 05 and 06, continuing 03 and 01
    assert "| continues |" in markdown(RECORDS) and "| continues |" not in markdown(RECORDS[:3])

    out = io.StringIO()
    view = PlainSearchView("r", out)
    view.on_search_begin(6, RECORDS[:3])
    view.on_trial_end(RECORDS[3])
    assert "] trial 05 (continues trial 03 at epoch 3) encoder=bigru " in out.getvalue().splitlines()[-1]


def test_the_json_rows_keep_their_keys():
    """Tables show a `continues` column; `leaderboard --json` stays as it was."""
    assert list(rows(RECORDS)[0]) == [
        "rank", "trial", "status", "encoder", "units", "dropout", "l2", "best_epoch", "val_cross_entropy",
        "val_accuracy", "val_macro_f1", "gap", "overfit", "seconds", "worker", "hyperparameters",
    ]  # fmt: skip


def test_the_pace_is_the_mean_measured_trial_time_from_the_first_ended_trial_on():
    clock = _Clock()
    pace = TrialPace(clock)
    pace.begin(budget=5, done=1)  # one trial of an earlier session
    clock.now = 30
    assert pace.remaining_seconds() is None  # no trial of this session has ended: nothing measured
    clock.now = 100
    pace.trial_ended()
    assert (pace.done, pace.left, pace.remaining_seconds()) == (2, 3, 300)
    clock.now = 130  # 30 s into the next trial: its share counts down
    assert pace.remaining_seconds() == 270
    clock.now = 400  # far over its share: never below the two trials after it
    assert pace.remaining_seconds() == 200
    pace.trial_ended()  # mean (400 - 0) / 2
    assert pace.remaining_seconds() == 400
    pace.trial_ended()
    pace.trial_ended()
    assert pace.left == 0 and pace.remaining_seconds() == 0


def test_piped_lines_count_the_budget_and_give_an_eta_from_the_first_trial_on():
    clock, out = _Clock(), io.StringIO()
    view = PlainSearchView("r", out, TrialPace(clock))
    view.on_search_begin(4, RECORDS[:1])
    for now, record in [(60, RECORDS[1]), (90, RECORDS[2]), (100, RECORDS[3])]:
        clock.now = now
        view.on_trial_end(record)
    begin, *trials = out.getvalue().splitlines()
    assert begin == "search: budget 4 trials, 1 already done"
    assert [line.split(" trial ")[0] for line in trials] == ["[2/4]", "[3/4]", "[4/4]"]
    assert trials[0].endswith("| best 0.4846 (trial 01) | eta 2m")  # 2 left, at 60 s each
    assert trials[1].endswith("| best 0.4599 (trial 03) | eta 45s")  # 1 left, at (90 s / 2)
    assert trials[2].endswith("| best 0.4491 (trial 05)")  # none left


def test_a_tie_is_broken_alike_in_each_piped_line_and_the_closing_best_line():
    """The leaderboard breaks a val_ce tie by fewer parameters: every "best" autosent prints is its first."""
    big, small = dataclasses.replace(RECORDS[1], trial_id="0", params=5000), dataclasses.replace(RECORDS[1], trial_id="1", params=100)
    out = io.StringIO()
    view = PlainSearchView("r", out)
    view.on_search_begin(2, [])
    view.on_trial_end(big)
    view.on_trial_end(small)
    assert out.getvalue().splitlines()[-1].endswith("| best 0.4846 (trial 1)")
    assert best_line([big, small]).startswith("best: trial 1 ")


def test_the_live_view_estimates_the_trials_left_from_the_first_trial_and_times_the_epoch_bar_per_trial():
    clock = _Clock()
    view = LiveSearchView(Console(width=100, file=io.StringIO()), "r", clock=clock)
    view.on_search_begin(3, [])
    view.on_trial_begin("0", HPS, 2)
    view.on_epoch_begin(1, 10)
    clock.now = 100
    view.on_trial_end(RECORDS[0])
    view.on_trial_begin("1", HPS, 2)
    view.on_epoch_begin(1, 10)
    clock.now = 110
    view.on_batch_end(5)
    text = _render(view, 100)
    trials = next(line for line in text.splitlines() if line.startswith("trials"))
    epoch = next(line for line in text.splitlines() if line.startswith("epoch"))
    assert re.search(r" 1/3 +elapsed 0:01:50 eta 0:03:10$", trials), trials  # 100 s a trial: 2 left, 10 s into one
    assert re.search(r" 5/10 +elapsed 0:00:10 ", epoch), epoch  # the trial's own time, not the search's


def _fake_search(monkeypatch, tmp_path, records, budget, stopped_by_time=False):
    """`autosent search` up to its view and closing lines: the run is these records, no training."""

    def run_prepared(prepared, listener):
        listener.on_search_begin(budget, [])
        for record in records:
            listener.on_trial_end(record)
        return SearchOutcome(tmp_path / "results" / "fake", records, stopped_by_time=stopped_by_time)

    monkeypatch.setattr(search_module, "prepare_search", lambda config: None)
    monkeypatch.setattr(search_module, "run_prepared", run_prepared)
    monkeypatch.setattr(cli_module, "_load_tensorflow", lambda args: None)


#: The closing best line of RECORDS: longer than any console's width used to be.
BEST = ("best: trial 05 (continues trial 03 at epoch 3) encoder=bigru units=64 embedding_dim=128 dropout=0.3 l2=1.2e-06 "
        "learning_rate=0.00071 | val_ce 0.4491 val_acc 0.7805")  # fmt: skip


def test_a_piped_search_wraps_no_line_and_ends_with_the_best_trial_and_the_next_command(cli, monkeypatch, tmp_path):
    _fake_search(monkeypatch, tmp_path, RECORDS, budget=5)
    result = cli("search", "--data", "r.csv", "--budget", "5", "--run", "fake", "--results", "my results")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(BEST) > 120 and lines[-3:] == [
        BEST, f"search finished: 5 trial(s) in {tmp_path / 'results' / 'fake'}", "next: autosent export best --run fake --results 'my results'",
    ], lines  # fmt: skip
    assert len([line for line in lines if re.match(r"\[\d/5\] trial \d\d ", line)]) == 5, lines


def test_quiet_names_the_best_trial_and_the_next_command(cli, monkeypatch, tmp_path):
    _fake_search(monkeypatch, tmp_path, RECORDS, budget=5)
    result = cli("search", "--data", "r.csv", "--budget", "5", "--run", "fake", "--quiet")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [BEST, f"search finished: 5 trial(s) in {tmp_path / 'results' / 'fake'}", "next: autosent export best --run fake"]


def test_a_search_stopped_by_its_time_limit_offers_the_export_beside_the_re_run(cli, monkeypatch, tmp_path):
    _fake_search(monkeypatch, tmp_path, RECORDS[:2], budget=5, stopped_by_time=True)
    result = cli("search", "--data", "r.csv", "--budget", "5", "--run", "fake", "--quiet")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-2:] == ["re-run the same command to continue", "or export the best so far: autosent export best --run fake"]


def test_the_live_views_closing_screen_names_the_best_trial(cli, monkeypatch, tmp_path):
    terminal = io.StringIO()
    monkeypatch.setattr(cli_module, "_console", lambda: Console(file=terminal, force_terminal=True, width=80))
    _fake_search(monkeypatch, tmp_path, RECORDS, budget=5)
    assert cli("search", "--data", "r.csv", "--budget", "5", "--run", "fake").code == 0
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())  # rich's colours and cursor moves
    assert BEST in shown and "next: autosent export best --run fake" in shown


def test_the_best_line_is_the_leaderboards_first_and_none_without_a_finished_trial():
    tie = _record("07", 0.44912, 0.79, "bag")  # same val_ce as trial 05, same parameters: the earlier trial first
    assert best_line([*RECORDS, tie]) == BEST
    assert best_line([_record("00", None, None, status="FAILED")]) is None


def test_the_leaderboard_in_a_pipe_prints_every_value_whole(cli, tmp_path):
    run = tmp_path / "results" / "r"
    run.mkdir(parents=True)
    (run / RUN_FILE).write_text("{}")
    for record in [_record("0", 0.5, 0.8, worker="worker-a-very-long-host-name.example.org-12345"), _record("1", 0.4, 0.7, worker="w2")]:
        write_record(run, record)
    result = cli("leaderboard")
    assert result.code == 0, result.err
    assert "…" not in result.out and "worker-a-very-long-host-name.example.org-12345" in result.out, result.out
