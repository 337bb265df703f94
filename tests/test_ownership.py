"""Export and report folders: autosent replaces or writes into one only when it can prove the folder
is its own, never by a file name alone, and names a damaged export before it writes anything.
In-process CLI calls on a copy of the session's finished tiny run (`results/done`)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import TESTS, snapshot

from autosent.errors import UsageError
from autosent.runs.lock import export_lock
from autosent.runs.records import rank, read_records
from autosent.ship import export_folder
from autosent.ship.export import check_export, writing

#: An export as autosent wrote them before metadata.json carried a marker (commit ee3e106).
LEGACY_EXPORT = TESTS / "fixtures" / "ee3e106" / "results" / "old" / "export"


def _legacy_export(folder: Path, **changes) -> Path:
    """A copy of the legacy export at `folder`, its metadata.json changed by `changes` (None deletes a key)."""
    shutil.copytree(LEGACY_EXPORT, folder)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata.update(changes)
    (folder / "metadata.json").write_text(json.dumps({k: v for k, v in metadata.items() if v is not None}))
    return folder


# --- Replacing an export folder: proof, not a file name --------------------------------------


@pytest.mark.parametrize("folder", ["export", "export-ensemble"])
def test_an_export_into_another_runs_export_folder_is_refused_and_that_run_keeps_its_own(cli, finished_run, folder):
    """Before, it replaced that run's export: `report` then described this run's model as the other run's."""
    other = finished_run.parent / "other"
    shutil.copytree(finished_run, other)
    assert cli("export", "best", "--run", "other").code == 0
    before = snapshot(other)
    refused = cli("export", "best", "--run", "done", "--out", str(other / folder)).assert_usage_error("inside the run folder")
    assert f"{other}, which holds only what that run makes" in refused
    assert snapshot(other) == before


def test_export_refuses_a_users_folder_that_holds_its_own_metadata_json(cli, finished_run, tmp_path):
    project = tmp_path / "myproject"
    (project / "src").mkdir(parents=True)
    (project / "metadata.json").write_text('{"name": "my project", "version": "1.0"}')
    (project / "notes.txt").write_text("years of work")
    (project / "src" / "train.py").write_text("print('mine')")
    before = snapshot(tmp_path)
    cli("export", "--run", "done", "--out", str(project)).assert_usage_error("its metadata.json is not one autosent wrote")
    assert snapshot(tmp_path) == before


def test_a_re_export_refuses_a_file_the_user_put_into_the_export_folder(cli, finished_run, tmp_path):
    _legacy_export(finished_run / "export")
    (finished_run / "export" / "my_predictions.csv").write_text("text,label\n")
    before = snapshot(tmp_path)
    cli("export", "--run", "done").assert_usage_error("holds 'my_predictions.csv', which autosent did not make")
    assert snapshot(tmp_path) == before


def _marked(folder: Path) -> None:
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"producer": "autosent", "format": 1, "label_names": ["a", "b"]}))
    for name in ("model.keras", "MODEL_CARD.md"):
        (folder / name).write_text("made by autosent")
    (folder / "saved_model").mkdir()


@pytest.mark.parametrize(
    "make, refusal",
    [
        (_marked, None),
        (_legacy_export, None),  # made before the marker: every key such exports had
        (lambda f: _legacy_export(f, trial_id=None), "its metadata.json is not one autosent wrote"),
        (lambda f: _legacy_export(f, producer="someone else"), "its metadata.json is not one autosent wrote"),
        (lambda f: _legacy_export(f, versions={"python": "3.11"}), "its metadata.json is not one autosent wrote"),
        (lambda f: (_marked(f), (f / "metadata.json").write_text("{broken")), "its metadata.json is not one autosent wrote"),
        (lambda f: (_marked(f), (f / "notes.txt").write_text("mine")), "holds 'notes.txt', which autosent did not make"),
        (lambda f: (f.mkdir(), (f / "notes.txt").write_text("mine")), "is not an autosent export (no metadata.json)"),
    ],
    ids=["marked", "legacy", "legacy-less-a-key", "other-producer", "versions-without-autosent", "unreadable", "marked-plus-a-file", "no-metadata"],
)
def test_only_a_folder_proven_to_be_an_export_with_nothing_else_in_it_is_replaceable(tmp_path, make, refusal):
    folder = tmp_path / "out"
    make(folder)
    if refusal is None:
        export_folder.check_destination(folder)
    else:
        with pytest.raises(UsageError, match=re.escape(refusal)):
            export_folder.check_destination(folder)


@pytest.mark.parametrize("out", [".", ""])
def test_an_export_into_the_current_folder_is_refused_in_one_line(cli, finished_run, tmp_path, monkeypatch, out):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    before = snapshot(tmp_path)
    results = str(tmp_path / "results")
    cli("export", "--results", results, "--run", "done", "--out", out).assert_usage_error("is the current folder")
    cli("predict", "--model", out, "good film").assert_usage_error("is not an autosent export")
    assert snapshot(tmp_path) == before


def test_a_users_folder_where_the_swap_keeps_the_previous_export_is_left_alone(cli, finished_run, tmp_path):
    mine = tmp_path / ".model.previous"  # the name an export into model/ gives its backup
    mine.mkdir()
    (mine / "notes.txt").write_text("years of work")
    before = snapshot(tmp_path)
    cli("export", "--run", "done", "--out", "model").assert_usage_error(".model.previous, where an export keeps the previous one")
    assert snapshot(tmp_path) == before


def test_an_export_of_a_newer_format_is_refused_when_read(cli, tmp_path):
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "metadata.json").write_text(json.dumps({"producer": "autosent", "format": 2, "label_names": ["neg", "pos"]}))
    (newer / "model.keras").write_bytes(b"written by a later autosent")
    cli("predict", "--model", "newer", "good film").assert_usage_error("has format 2, which this autosent does not read")


# --- One export per folder, not per parent ---------------------------------------------------


def test_exports_into_sibling_folders_run_side_by_side(cli, finished_run, tmp_path):
    running = check_export(tmp_path / "results", "done", out=tmp_path / "par" / "a")
    with writing(running):  # what an export into par/a holds from its first training step to its swap
        result = cli("export", "--run", "done", "--out", "par/b")
    assert result.code == 0, result.err
    assert export_folder.is_export(tmp_path / "par" / "b")


def test_an_export_keeps_its_folder_locked_from_the_swap_until_its_backup_is_gone(tmp_path):
    from autosent.runs.lock import folder_lock

    out = tmp_path / "model"
    with export_lock(out):
        staged = tmp_path / ".model.staging-1"
        staged.mkdir()
        with folder_lock(staged):  # as `export_folder.write` holds the folder it swaps in
            os.rename(out, tmp_path / ".model.previous")
            os.rename(staged, out)
            with pytest.raises(UsageError, match="another autosent export is writing into"), export_lock(out):
                pass
    with export_lock(out):  # let go: the next export takes it
        pass


@pytest.mark.parametrize("command", [["export", "best"], ["report"]])
def test_export_and_report_never_write_through_a_run_folder_that_is_a_link(cli, finished_run, tmp_path, command):
    """A run folder that is a link points outside --results; search and runs --delete refuse it already."""
    elsewhere = tmp_path / "elsewhere"
    finished_run.rename(elsewhere)
    finished_run.symlink_to(elsewhere)
    before = snapshot(elsewhere)
    cli(*command, "--run", "done").assert_usage_error("done is a symbolic link; autosent writes into a run only in a folder of its own")
    assert snapshot(elsewhere) == before


def test_an_export_whose_run_was_deleted_after_its_checks_writes_nothing(finished_run):
    """`runs --delete` between the checks and the training: the export would make a folder that looks like a run."""
    job = check_export(finished_run.parent, "done", out=None)
    shutil.rmtree(finished_run)
    with pytest.raises(UsageError, match="run 'done' was deleted after this export began; nothing was written"), writing(job):
        pass
    assert not finished_run.exists()


# --- report ------------------------------------------------------------------------------------


def test_report_never_writes_through_a_report_folder_that_is_a_link(cli, finished_run, tmp_path):
    mine = tmp_path / "user_reports"
    mine.mkdir()
    (mine / "report.md").write_text("my own report")
    (finished_run / "report").symlink_to(mine)
    before = snapshot(tmp_path)
    cli("report", "--run", "done").assert_usage_error("report is not a folder autosent made (a symbolic link)")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "changes, mentions",
    [
        ({"trial_id": None, "data": "/etc/shadow", "run": "../../../etc"}, "metadata.json has no valid 'trial_id'"),
        ({"epochs": "three"}, "metadata.json has no valid 'epochs'"),
        ({"test_metrics": {"accuracy": "high"}}, "metadata.json has no valid 'test_metrics.accuracy'"),
        ({"retrain_history": [{"epoch": "one", "loss": 0.5}]}, "metadata.json has no valid 'retrain_history'"),
    ],
    ids=["no-trial-id", "epochs-text", "accuracy-text", "history-rows"],
)
def test_report_names_a_damaged_export_before_writing_anything(cli, finished_run, tmp_path, changes, mentions):
    _legacy_export(finished_run / "export", **changes)
    before = snapshot(tmp_path)
    cli("report", "--run", "done").assert_usage_error(mentions)
    assert snapshot(tmp_path) == before


# --- a run folder without what selection reads ---------------------------------------------------


def test_an_export_that_needs_val_predictions_names_them_before_training_when_they_are_gone(cli, finished_run, tmp_path):
    shutil.rmtree(finished_run / "tuner")  # a copy of the run without its bulky folders
    shutil.rmtree(finished_run / "val_predictions")
    before = snapshot(tmp_path)
    line = cli("export", "--run", "done", "--ensemble", "2").assert_usage_error("has neither val_predictions/trial_")
    assert "tuner/trial_" in line and "checkpoint.weights.h5" in line
    cli("export", "--run", "done").assert_usage_error("has neither val_predictions/trial_")  # best, on a small val split
    assert snapshot(tmp_path) == before
    trial = line.split("(autosent export ")[1].removesuffix(", the lowest val cross-entropy)")
    result = cli("export", trial, "--run", "done")  # as the refusal advises
    assert result.code == 0, result.err


def test_the_refusal_for_one_trials_missing_val_predictions_advises_exporting_the_trial_of_lowest_val_cross_entropy(cli, finished_run):
    """Not the trial whose predictions are missing, which may rank anywhere."""
    best, other = rank(read_records(finished_run))[:2]
    shutil.rmtree(finished_run / "tuner")
    (finished_run / "val_predictions" / f"trial_{other.trial_id}.npy").unlink()
    line = cli("export", "--run", "done").assert_usage_error(f"which hold trial {other.trial_id}'s val predictions")
    assert line.endswith(f"(autosent export {best.trial_id}, the lowest val cross-entropy)")


@pytest.mark.parametrize("out", ["results/done/mine", "results/done/tuner/model", "legacy/sub"])
def test_an_export_inside_a_run_folder_or_another_export_is_refused_before_training(finished_run, tmp_path, out):
    """autosent would later take it for a foreign entry of the run, or a swap of the outer export would take it away."""
    _legacy_export(tmp_path / "legacy")
    before = snapshot(tmp_path)
    with pytest.raises(UsageError, match=r"is inside the (run folder|export) .*; give a folder outside it"):
        check_export(tmp_path / "results", "done", out=tmp_path / out)
    assert snapshot(tmp_path) == before
    check_export(tmp_path / "results", "done", out=tmp_path / "results" / "done" / "export")  # the run's own export folder
