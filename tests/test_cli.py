"""The real `autosent` command, end to end: searches killed and interrupted in their own processes."""

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import RECORD_FIELDS, TESTS, write_reviews_csv

from autosent.runs.records import read_records
from autosent.runs.rundir import default_run_name
from autosent.search import pipeline as search_module
from autosent.search.distributed import EXPOSED_WARNING
from autosent.search.space import load_space


def test_readme_search_on_bundled_imdb_then_leaderboard_json(tmp_path, cli):
    result = cli("search", "--budget", "2", "--limit", "500", "--max-epochs", "1")
    assert result.code == 0, result.err
    assert "search finished: 2 trial(s)" in result.out
    run_dir = tmp_path / "results" / "imdb-default"
    files = sorted((run_dir / "trials").glob("trial_*.json"))
    assert len(files) == 2
    for path in files:
        record = json.loads(path.read_text())
        assert RECORD_FIELDS <= set(record), RECORD_FIELDS - set(record)
        assert record["status"] == "COMPLETED" and record["hyperparameters"]["encoder"] in load_space("default").encoders
        assert 0.0 < record["val_accuracy"] <= 1.0 and record["val_cross_entropy"] > 0

    board = cli("leaderboard", "--json")
    assert board.code == 0, board.err
    rows = json.loads(board.out)
    records = {r.trial_id: r for r in read_records(run_dir)}
    assert sorted(row["trial"] for row in rows) == sorted(records)
    for row in rows:
        record = records[row["trial"]]
        assert (row["val_cross_entropy"], row["val_accuracy"], row["best_epoch"], row["encoder"]) == (
            record.val_cross_entropy, record.val_accuracy, record.best_epoch, record.hyperparameters["encoder"],
        )  # fmt: skip
    assert [row["val_cross_entropy"] for row in rows] == sorted(row["val_cross_entropy"] for row in rows)
    assert [row["rank"] for row in rows] == [1, 2]

    table = cli("leaderboard")
    assert table.code == 0 and rows[0]["trial"] in table.out and "val_ce" in table.out


@pytest.mark.parametrize("output", [["--json"], []], ids=["json", "table"])
def test_output_into_a_pipe_its_reader_closed_ends_quietly(finished_run, output):
    """`autosent leaderboard --json | head -c 200`, where head has gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "autosent", "leaderboard", "--results", str(finished_run.parent), *output],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")


#: Runs `autosent ARGS` as `python -m autosent` does, then says whether TensorFlow was imported.
_MAIN_THEN_TENSORFLOW = "import sys; from autosent.cli import main; code = main(sys.argv[1:]); print('tensorflow' in sys.modules); sys.exit(code)"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["99", "--run", "nope"], "no run 'nope'"),
        (["99", "--run", "done"], "no finished trial '99'"),
        (["1", "--ensemble", "2"], "drop the trial id"),
        (["--out", "results/done/trials/x"], "inside the run folder"),
    ],
    ids=["no-run", "no-trial", "ensemble-and-trial", "out-inside-run"],
)
def test_an_export_refused_is_one_line_before_tensorflow_loads(finished_run, args, mentions):
    """TensorFlow's C++ start-up lines go to the terminal past Python, and it takes seconds to load: a refusal waits for neither."""
    result = subprocess.run(
        [sys.executable, "-c", _MAIN_THEN_TENSORFLOW, "export", *args], cwd=finished_run.parent.parent,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("autosent: error: "), result.stderr
    assert mentions in lines[0]
    assert result.stdout == "False\n", "TensorFlow was imported"


def test_a_data_file_whose_name_is_too_long_for_a_run_folder_gets_a_shortened_default_run_name(tmp_path, tiny_space, cli):
    """The default run name is the data file's name and the space's: 251 + 5 characters, one more than a folder name takes."""
    data = write_reviews_csv(tmp_path / f"{'r' * 251}.csv", n=120)
    result = cli("search", "--data", data.name, "--space", str(tiny_space), "--budget", "1")
    assert result.code == 0, result.err
    (run_dir,) = (tmp_path / "results").iterdir()
    assert len(run_dir.name) == 255 and run_dir.name.startswith("r" * 240), run_dir.name
    assert [r.status for r in read_records(run_dir)] == ["COMPLETED"]
    other = default_run_name(f"{'r' * 250}s.csv", str(tiny_space), tmp_path / "results")
    assert other != run_dir.name and len(other) == 255, "two long names that start alike named one run"


def test_quiet_keeps_the_warnings_on_stderr_a_data_profile_warning(tmp_path, tiny_space, cli):
    labels = ("neg", "pos")
    lines = ["text,label", *(f"{labels[i % 2]}word{i},{labels[i % 2]}" for i in range(120))]  # one word each
    (tmp_path / "short.csv").write_text("\n".join(lines) + "\n")
    result = cli("search", "--data", "short.csv", "--space", str(tiny_space), "--budget", "1", "--quiet")
    assert result.code == 0, result.err
    assert result.err.startswith("warning: half the texts have fewer than 2 words") and len(result.err.splitlines()) == 1, result.err
    assert result.out.strip().splitlines()[1:] == ["search finished: 1 trial(s) in results/short-tiny", "next: autosent export best --run short-tiny"]


def test_quiet_keeps_the_warnings_on_stderr_a_chief_serving_every_address(tmp_path, tiny_space, cli, monkeypatch):
    """keras-tuner's oracle service has no authentication: serving it beyond this machine is never silent."""
    monkeypatch.setattr(search_module, "serve", lambda oracle, cluster, on_tick: None)  # no worker comes: stop at once
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]
    write_reviews_csv(tmp_path / "reviews.csv", n=120)
    result = cli("search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "1", "--quiet",
                 "--chief", f"0.0.0.0:{port}", "--role", "chief")  # fmt: skip
    assert result.code == 0, result.err
    assert result.err.splitlines() == [f"warning: {EXPOSED_WARNING.format(address=f'0.0.0.0:{port}')}"]


def test_a_time_limit_spent_before_the_first_trial_says_so_instead_of_advising_a_re_run(tmp_path, tiny_space, cli):
    """The limit counts loading the data, so a re-run with it would stop at the same place, forever."""
    write_reviews_csv(tmp_path / "reviews.csv", n=120)
    result = cli("search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "1", "--time-limit", "0.01s", "--quiet")
    assert result.code == 0, result.err
    summary, advice = result.out.strip().splitlines()
    assert summary == "time limit reached: 0 trial(s) in results/reviews-tiny"
    assert re.fullmatch(r"loading and preparing took \d+s of --time-limit 0.01s, so the same command would stop here again: "
                        "give a longer limit", advice), advice  # fmt: skip


#: Where `kill_at.py` SIGKILLs a search, in the order one run meets them across resumes.
KILL_POINTS = [
    "write:run.json",  # data prepared, the run folder being created
    "write:vocabulary.txt",  # the vectorizer adapted, its vocabulary being saved
    "batch:2",  # mid-epoch in a trial
    "write:trial_*.json",  # our trial record half-written
    "write:oracle.json#3",  # keras-tuner's oracle state being rewritten after a trial
    "write:trial.json#2",  # keras-tuner's per-trial state
]


@pytest.mark.slow
def test_sigkill_at_many_points_then_rerun_completes_the_budget_and_keeps_every_record(tmp_path, tiny_space, cli):
    write_reviews_csv(tmp_path / "reviews.csv", n=250)
    args = ["search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "6", "--run", "k"]
    run_dir = tmp_path / "results" / "k"
    kept: dict[str, bytes] = {}  # every record on disk after each kill
    log = tmp_path / "killed.log"  # outside the run folder: the children's output, for a failure's message
    with log.open("w") as children_output:
        killer = subprocess.Popen([sys.executable, str(TESTS / "kill_at.py"), *args], cwd=tmp_path, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=children_output)  # fmt: skip
        try:
            for when in KILL_POINTS:
                killer.stdin.write(when + "\n")
                killer.stdin.flush()
                # One status line per kill point; a child that hangs instead of dying fails the test, not CI's clock.
                answered, _, _ = select.select([killer.stdout], [], [], 300)
                status = killer.stdout.readline().strip() if answered else "no answer in 300 s"
                assert status == str(-signal.SIGKILL), f"not killed at {when} ({status!r}): {log.read_text()[-3000:]}"
                for name, data in kept.items():
                    assert (run_dir / "trials" / name).read_bytes() == data, f"{name} changed by the run killed at {when}"
                kept |= {p.name: p.read_bytes() for p in (run_dir / "trials").glob("trial_*.json")}
        finally:
            killer.kill()
            killer.wait()
    assert kept, "no trial finished between the kills"

    result = cli(*args)  # the rerun, in this process: the kills above are what needed their own
    assert result.code == 0, result.err
    records = read_records(run_dir)
    assert [r.trial_id for r in records] == [str(i) for i in range(6)]
    assert all(r.status == "COMPLETED" for r in records)
    for name, data in kept.items():
        assert (run_dir / "trials" / name).read_bytes() == data, f"{name} was rewritten on resume"
    assert not list(run_dir.rglob("*.tmp")), "temp files of the interrupted writes were left behind"


@pytest.mark.slow
def test_a_running_search_locks_its_run_and_ctrl_c_stops_it_with_130(tmp_path, tiny_space, cli):
    write_reviews_csv(tmp_path / "reviews.csv", n=600)
    # A budget no machine finishes within the test, so the Ctrl-C always lands mid-search.
    args = ["search", "--data", "reviews.csv", "--space", str(tiny_space), "--budget", "1000", "--run", "busy"]
    trials = tmp_path / "results" / "busy" / "trials"
    process = subprocess.Popen(
        [sys.executable, "-m", "autosent", *args], cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        # As in a terminal: a test runner started in the background hands its children an
        # ignored SIGINT, and Python then never turns Ctrl-C into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 (the child runs only this call before exec)
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not any(trials.glob("trial_*.json")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the search ended before the test could race it"

        cli(*args).assert_usage_error(f"pid {process.pid}")

        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    # Resuming after a Ctrl-C is test_crash_safety's, in process.
    assert stderr.strip().endswith("autosent: interrupted; re-run the same command to resume"), stderr
    assert "Traceback" not in stderr, stderr
