"""`autosent runs`: listing the runs under --results, and deleting one by the one deletion rule
(only a run folder autosent made, never while a search or an export works in it). In-process
calls on a copy of the session's finished tiny run (`results/done`); no search."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
from conftest import snapshot

from autosent.runs import listing
from autosent.runs.lock import folder_lock, run_lock
from autosent.runs.records import rank, read_records
from autosent.runs.rundir import EXPORT_DIRS, RunRecord, open_run
from autosent.search.memory import readable
from autosent.ship.export_folder import PRODUCER


def _size(folder) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())


def test_runs_lists_each_runs_data_space_trials_best_trial_and_size(cli, finished_run):
    results = finished_run.parent
    listed = cli("runs", "--results", str(results), "--json")
    assert listed.code == 0, listed.err
    [row] = json.loads(listed.out)
    record, best = RunRecord.read(finished_run), rank(read_records(finished_run))[0]
    assert row == {
        "run": "done", "data": record.identity.data, "space": record.space_file, "finished": 2, "failed": 0,
        "budget": 2, "best_trial": best.trial_id, "best_val_cross_entropy": best.val_cross_entropy,
        "exports": {}, "bytes": _size(finished_run), "searched_by": None, "problem": None,
    }  # fmt: skip
    shown = cli("runs", "--results", str(results))
    row_line = next(line for line in shown.out.splitlines() if line.strip().startswith("done"))
    assert row_line.split()[:7] == ["done", "reviews.csv", "tiny", "2/2", best.trial_id, f"{best.val_cross_entropy:.4f}", "–"]
    assert row_line.rstrip().endswith(readable(_size(finished_run)))
    assert cli("runs", "--results", str(results / "none")).out == f"no runs in {results / 'none'}; start one with: autosent search\n"


def test_a_run_whose_run_json_is_unreadable_is_listed_with_its_trials_and_the_problem(cli, finished_run):
    """The trials are what restoring run.json gets back, so the listing still counts them."""
    best = rank(read_records(finished_run))[0]
    (finished_run / "run.json").write_text('{"run": "done", "identi')
    listed = cli("runs", "--results", str(finished_run.parent), "--json")
    assert listed.code == 0, listed.err
    [row] = json.loads(listed.out)
    assert (row["data"], row["finished"], row["best_trial"]) == (None, 2, best.trial_id)
    assert "run.json is unreadable" in row["problem"]


def test_a_resumed_search_records_its_budget_and_nothing_else_in_run_json(finished_run):
    before = json.loads((finished_run / "run.json").read_text())
    resumed = dataclasses.replace(RunRecord.read(finished_run), budget=9, created="now", versions={})
    with open_run(finished_run.parent, resumed, overwrite=False):
        pass
    assert json.loads((finished_run / "run.json").read_text()) == {**before, "budget": 9}


def test_a_run_being_searched_is_listed_as_such_and_its_deletion_refused(cli, finished_run):
    results = finished_run.parent
    with run_lock(finished_run):  # what a search holds: this process, as the holder
        row = json.loads(cli("runs", "--results", str(results), "--json").out)[0]
        assert row["searched_by"].startswith(f"pid {os.getpid()} on ")
        assert f"\ndone: being searched by pid {os.getpid()} on " in cli("runs", "--results", str(results)).out
        before = snapshot(results)
        cli("runs", "--results", str(results), "--delete", "done").assert_usage_error(
            f"run 'done' is being searched by pid {os.getpid()} on "
        )
        assert snapshot(results) == before


def test_delete_removes_the_run_and_its_export_and_leaves_the_other_runs(cli, finished_run):
    results = finished_run.parent
    (finished_run / "export").mkdir()
    (finished_run / "export" / "metadata.json").write_text(json.dumps(_export_metadata(trial_id="1")))
    (finished_run / "export" / "model.keras").write_bytes(b"zip")
    other = results / "other"
    other.mkdir()
    (other / "run.json").write_bytes((finished_run / "run.json").read_bytes())
    kept = snapshot(other)
    size = readable(_size(finished_run))
    result = cli("runs", "--results", str(results), "--delete", "done")
    assert (result.code, result.err) == (0, "")
    assert result.out == f"deleted run done from {results} ({size}, its export/ of trial 1 included)\n"
    assert not finished_run.exists() and snapshot(other) == kept


def _export_metadata(**fields) -> dict:
    """An export's metadata.json as autosent writes it: its marker, and `fields`."""
    return {"producer": PRODUCER, "format": 1, "label_names": ["neg", "pos"], **fields}


def _export_holding(export, name: str) -> None:
    """An export folder of autosent's, and a file of the user's beside its model."""
    export.mkdir()
    (export / "metadata.json").write_text(json.dumps(_export_metadata(trial_id="1")))
    (export / name).write_text("mine")


def _report_holding(run, name: str) -> None:
    """The run's report, and a file of the user's beside its figures."""
    (run / "report").mkdir()
    (run / "report" / "report.md").write_text("# autosent report")
    (run / "report" / name).write_text("mine")


@pytest.mark.parametrize(
    ("make", "name", "mentions"),
    [
        (lambda run: (run / "notes.txt").write_text("mine"), "done", "holds 'notes.txt', which autosent did not make; move it out, then delete the run again"),
        (lambda run: _export_holding(run / "export", "my_predictions.csv"), "done", "export folder"),
        (lambda run: _export_holding(run / "export-ensemble", "my_predictions.csv"), "done", "holds 'my_predictions.csv'"),
        (lambda run: _report_holding(run, "analysis.ipynb"), "done", "report folder"),
        (lambda run: (run.parent / "mine").mkdir(), "mine", "no run 'mine' in"),  # a folder without run.json is not a run
        (lambda run: (run.parent / "mine").symlink_to(run), "mine", "mine is a symbolic link"),
        (lambda run: None, "../done", "--delete '../done': a run name is one folder name"),
    ],
    ids=["a-users-file-inside", "a-users-file-in-export", "a-users-file-in-the-ensemble", "a-users-file-in-report", "a-users-folder",
         "a-link-to-a-run", "a-path"],
)
def test_delete_refuses_what_autosent_did_not_make_and_deletes_nothing(cli, finished_run, make, name, mentions):
    make(finished_run)
    before = snapshot(finished_run.parent.parent)
    cli("runs", "--results", str(finished_run.parent), "--delete", name).assert_usage_error(mentions)
    assert snapshot(finished_run.parent.parent) == before


@pytest.mark.parametrize("export", EXPORT_DIRS)
def test_delete_is_refused_while_an_export_writes_into_the_run(cli, finished_run, export):
    (finished_run / export).mkdir()
    before = snapshot(finished_run)
    with folder_lock(finished_run / export) as free:  # what an export holds while it trains and swaps
        assert free
        cli("runs", "--results", str(finished_run.parent), "--delete", "done").assert_usage_error(
            "another autosent export is writing into"
        )
    assert snapshot(finished_run) == before


def test_a_deletion_cut_short_leaves_a_run_that_is_listed_and_deleted_again(cli, finished_run, monkeypatch):
    removed = []
    real_remove = listing.removal.remove

    def remove_then_die(path):
        if len(removed) == 2:
            raise KeyboardInterrupt
        removed.append(path.name)
        real_remove(path)

    monkeypatch.setattr(listing.removal, "remove", remove_then_die)
    assert cli("runs", "--results", str(finished_run.parent), "--delete", "done").code == 130
    assert (finished_run / "run.json").exists() and "run.json" not in removed
    monkeypatch.setattr(listing.removal, "remove", real_remove)
    assert [row["run"] for row in json.loads(cli("runs", "--results", str(finished_run.parent), "--json").out)] == ["done"]
    assert cli("runs", "--results", str(finished_run.parent), "--delete", "done").code == 0
    assert not finished_run.exists()
