"""Off the happy path: autosent deletes only what it made, writes only under --results, and
refuses bad input (exit 2, one line) before it writes anything. In-process CLI calls."""

from __future__ import annotations

import io
import json
import shutil
import socket
import sys
from pathlib import Path

import pytest
from conftest import TINY_SPACE, snapshot, write_reviews_csv

from autosent.search.distributed import Cluster

SEARCH = ["search", "--space", str(TINY_SPACE), "--budget", "1", "--max-epochs", "1"]


# --- 1. Deletes only what it made ---------------------------------------------------------


def test_export_refuses_an_out_folder_that_is_not_an_export_and_keeps_its_files(cli, finished_run, tmp_path):
    mine = tmp_path / "my_models"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    before = snapshot(tmp_path)

    cli("export", "--run", "done", "--out", str(mine)).assert_usage_error(f"{mine} is not an autosent export")
    assert snapshot(tmp_path) == before


def test_export_refuses_an_out_that_is_a_symbolic_link(cli, finished_run, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    before = snapshot(tmp_path)
    cli("export", "--run", "done", "--out", "link").assert_usage_error("link is a symbolic link")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", [".", "..", "../escape", "/tmp/autosent-abs", "a/b", "with space", ""])
def test_a_run_name_is_one_plain_folder_name(cli, tmp_path, name):
    write_reviews_csv(tmp_path / "r.csv")
    before = snapshot(tmp_path.parent)
    cli(*SEARCH, "--data", "r.csv", "--run", name).assert_usage_error(f"--run {name!r}: a run name is one folder name")
    assert snapshot(tmp_path.parent) == before
    for command in ("leaderboard", "export", "report"):
        cli(command, "--run", name).assert_usage_error("a run name is one folder name")


@pytest.mark.parametrize("mine", ["notes.txt", "report/analysis.ipynb"], ids=["in-the-run", "in-its-report"])
def test_overwrite_refuses_a_run_folder_holding_files_autosent_did_not_make(cli, finished_run, tmp_path, mine):
    (finished_run / mine).parent.mkdir(exist_ok=True)
    (finished_run / mine).write_text("my notes on this run")
    before = snapshot(tmp_path / "results")
    write_reviews_csv(tmp_path / "other.csv", n=80)
    result = cli(*SEARCH, "--data", "other.csv", "--run", "done", "--overwrite")
    result.assert_usage_error(f"holds {Path(mine).name!r}, which autosent did not make")
    assert snapshot(tmp_path / "results") == before


def test_overwrite_removes_a_linked_folder_as_a_link_and_keeps_what_it_points_to(cli, finished_run, tmp_path):
    outside = tmp_path / "user_logs"
    outside.mkdir()
    (outside / "keep.txt").write_text("not autosent's")
    tb = finished_run / "tb"
    shutil.rmtree(tb, ignore_errors=True)
    tb.symlink_to(outside)
    write_reviews_csv(tmp_path / "other.csv", n=80)

    result = cli(*SEARCH, "--data", "other.csv", "--run", "done", "--overwrite", "--limit", "40")
    assert result.code == 0, result.err
    assert (outside / "keep.txt").read_text() == "not autosent's"
    assert not (finished_run / "tb").is_symlink()
    assert json.loads((finished_run / "run.json").read_text())["identity"]["data"] == "other.csv"


def test_a_new_run_is_not_started_in_a_folder_of_the_users(cli, tmp_path):
    (tmp_path / "results" / "mine").mkdir(parents=True)
    (tmp_path / "results" / "mine" / "data.bin").write_bytes(b"\x00")
    write_reviews_csv(tmp_path / "r.csv")
    before = snapshot(tmp_path / "results")
    cli(*SEARCH, "--data", "r.csv", "--run", "mine").assert_usage_error("holds 'data.bin', which autosent did not make")
    assert snapshot(tmp_path / "results") == before


# --- 3. Validated before anything is written --------------------------------------------

BAD_SPACES = [
    ("dropout = { float = [0.0, 0.5], step = 0.1 }", "dropout = 1.5", "hyperparameters.dropout: 1.5 must be less than 1"),
    ("max_tokens = 2000", "max_tokens = 1", "vectorizer.max_tokens = 1 must be an integer from 3"),
    ("dropout = { float = [0.0, 0.5], step = 0.1 }", "dropout = { float = [0.0, 0.5], step = 'big' }", "step = 'big' must be a positive number"),
    ("units = { choice = [4, 8] }", "units = { choice = [4, 8], default = 16 }", "default = 16 is not among choice"),
    ("dropout = { float = [0.0, 0.5], step = 0.1 }", "dropout = { float = [0.0, 0.5], default = 0.9 }", "default = 0.9 is not among float"),
    ("l2 = { float = [1e-5, 1e-2], sampling = \"log\" }", "l2 = nan", "hyperparameters.l2: nan must be a finite number"),
    ("learning_rate = 0.003", "learning_rate = inf", "hyperparameters.learning_rate: inf must be a finite number"),
    ("units = { choice = [4, 8] }", "units = 1000000000", "hyperparameters.units: 1000000000 must be at most 65536"),
    ("kernel_size = 3", "kernel_size = 65", "kernel_size 65 is longer than vectorizer.sequence_length = 64"),
    ("l2 = { float = [1e-5, 1e-2], sampling = \"log\" }", "l2 = { float = [1e-5, 1e-2], sampling = \"log\", step = 0.5 }", "step = 0.5 must be above 1"),
    ("units = { choice = [4, 8] }", "units = { int = [4, 8], step = 0 }", "step = 0 must be a positive integer"),
    ("ngrams = 2", "ngrams = 50", "vectorizer.ngrams = 50 must be an integer from 1 to 5"),
]  # fmt: skip


@pytest.mark.parametrize("old, new, mentions", BAD_SPACES, ids=[case[1] for case in BAD_SPACES])
def test_a_space_keras_or_keras_tuner_would_reject_is_refused_before_the_run_exists(cli, tmp_path, old, new, mentions):
    text = TINY_SPACE.read_text()
    assert old in text
    (tmp_path / "bad.toml").write_text(text.replace(old, new))
    write_reviews_csv(tmp_path / "r.csv")
    cli("search", "--space", "bad.toml", "--data", "r.csv", "--budget", "1").assert_usage_error(mentions)
    assert not (tmp_path / "results").exists()


def test_mixed_int_and_float_choices_are_one_float_choice(cli, tmp_path):
    """keras-tuner refuses a Choice of 0 and 0.5 (two types); the space says what the user meant."""
    (tmp_path / "mixed.toml").write_text(TINY_SPACE.read_text().replace("dropout = { float = [0.0, 0.5], step = 0.1 }", "dropout = { choice = [0, 0.5] }"))
    write_reviews_csv(tmp_path / "r.csv")
    result = cli("search", "--space", "mixed.toml", "--data", "r.csv", "--budget", "1", "--max-epochs", "1")
    assert result.code == 0, result.err
    record = json.loads(next((tmp_path / "results").glob("*/trials/trial_0.json")).read_text())
    assert record["hyperparameters"]["dropout"] in (0.0, 0.5)


@pytest.mark.parametrize(
    "args, mentions",
    [
        (["--seed", "-1"], "--seed -1 must be at least 0"),
        (["--seed", str(2**32)], f"--seed {2**32} must be at least 0 and at most"),
        (["--encoding", "hex"], "--encoding hex: not a text encoding"),
        (["--encoding", "rot13"], "--encoding rot13: not a text encoding"),
        (["--data", "tfds:"], "--data tfds: needs a data set name"),
        (["--max-epochs", "100000"], "--max-epochs 100000 must be at least 1 and at most 1,000"),
        (["--top", "0"], "--top: 0 must be at least 1"),
        (["--text-column", "label"], "--text-column and --label-column are both 'label'"),
    ],
)
def test_search_flags_are_validated_before_anything_is_written(cli, tmp_path, args, mentions):
    write_reviews_csv(tmp_path / "r.csv")
    cli(*SEARCH, "--data", "r.csv", *args).assert_usage_error(mentions)  # later flags win
    assert not (tmp_path / "results").exists()


# --- 4. Corrupt or foreign files in a run ---------------------------------------------------


def test_a_truncated_trial_record_is_named_not_a_traceback(cli, finished_run, tmp_path):
    record = finished_run / "trials" / "trial_1.json"
    record.write_text(record.read_text()[:40])
    before = snapshot(tmp_path / "results")
    for command in ("leaderboard", "report", "export"):
        cli(command, "--run", "done").assert_usage_error("trial_1.json is not a readable trial record")
    assert snapshot(tmp_path / "results") == before


def test_stray_files_in_trials_are_not_records(cli, finished_run):
    (finished_run / "trials" / "trial_1.bak.json").write_text("{}")
    (finished_run / "trials" / "trial_x.json").write_text("garbage")
    result = cli("leaderboard", "--run", "done", "--json")
    assert result.code == 0, result.err
    assert sorted(row["trial"] for row in json.loads(result.out)) == ["0", "1"]


@pytest.mark.parametrize(
    "content, mentions",
    [('{"run": "done", "identi', "run.json is unreadable"), ('{"run": "done"}', "run.json is incomplete (no identity)"), ("[]", "run.json is incomplete")],
)
def test_a_damaged_run_json_is_named_by_export_and_search(cli, finished_run, tmp_path, content, mentions):
    (finished_run / "run.json").write_text(content)
    before = snapshot(tmp_path / "results")
    cli("export", "--run", "done").assert_usage_error(mentions)
    cli(*SEARCH, "--data", "reviews.csv", "--run", "done").assert_usage_error(mentions)
    assert snapshot(tmp_path / "results") == before


@pytest.mark.parametrize(
    "key, value, mentions",
    [
        ("seed", -1, "identity.seed = -1 must be at least 0 and at most 4,294,967,295"),
        ("seed", "abc", 'identity.seed = "abc" must be a whole number'),
        ("max_epochs", True, "identity.max_epochs = true must be a whole number"),
        ("max_epochs", 0, "identity.max_epochs = 0 must be at least 1 and at most 1,000"),
        ("max_epochs", 10**9, "identity.max_epochs = 1000000000 must be at least 1 and at most 1,000"),  # exported before
        ("limit", "300", 'limit = "300" must be a whole number'),
        ("limit", 0, "limit = 0 must be at least 1"),  # not "raise --limit 0", a flag export has not
    ],
)
def test_a_hand_edited_seed_epoch_count_or_limit_in_run_json_is_named_in_one_line(cli, finished_run, tmp_path, key, value, mentions):
    record = json.loads((finished_run / "run.json").read_text())
    (record if key == "limit" else record["identity"])[key] = value
    (finished_run / "run.json").write_text(json.dumps(record))
    before = snapshot(tmp_path / "results")
    cli("export", "--run", "done").assert_usage_error(f"run.json is damaged: {mentions}")
    cli(*SEARCH, "--data", "reviews.csv", "--run", "done").assert_usage_error(f"run.json is damaged: {mentions}")
    assert snapshot(tmp_path / "results") == before


@pytest.mark.parametrize("limit", [None, 50])
def test_changed_data_is_named_and_with_a_limit_so_is_an_edit_of_the_rows_it_picks(cli, finished_run, tmp_path, limit):
    """A limit and the seed pick a run's rows, so an edit of either changes its fingerprint as new data would."""
    record = json.loads((finished_run / "run.json").read_text())
    if limit is None:  # the data file itself changed: one more row where run.json says it was
        changed = tmp_path / "changed.csv"
        changed.write_text(Path(record["data_paths"]["data"]).read_text() + "one more review,pos\n")
        record["data_paths"]["data"] = str(changed)
    else:
        record["limit"] = limit  # of 96 training texts
    (finished_run / "run.json").write_text(json.dumps(record))
    before = snapshot(tmp_path / "results")
    line = cli("export", "--run", "done").assert_usage_error(f"the data of {record['identity']['data']!r} changed since run 'done' was searched")
    assert ("(or run.json's limit or seed, which pick its rows, was edited)" in line) == (limit is not None), line
    assert snapshot(tmp_path / "results") == before


@pytest.mark.parametrize(
    "edit, mentions",
    [
        (lambda space: space["encoders"].setdefault("nbsvm", {}).update(batch_size={"steps_per_epoch": 300, "min": 16, "max": 64}), "its space's encoders.nbsvm.batch_size is a rule"),
        (lambda space: space["vectorizer"].update(max_tokens={"min_count": 2, "max": 100}), "its space's vectorizer.max_tokens is a rule"),
        (lambda space: space.pop("hyperparameters"), "its space has no [hyperparameters] table"),
        (lambda space: space["encoders"].update(gru=3), "its space: [encoders.gru] must be a table"),
        (lambda space: space["vectorizer"].update(max_tokens="40"), "its space: vectorizer.max_tokens = '40' must be an integer"),
        (lambda space: space["hyperparameters"].update(learning_rate={"float": "x"}), "its space: hyperparameters.learning_rate: float = 'x'"),
    ],
)  # fmt: skip
def test_a_hand_edited_space_in_run_json_is_named_in_one_line_before_any_work(cli, finished_run, tmp_path, edit, mentions):
    """A search records its space checked and resolved: one that is not was edited by hand, and nothing may build on it."""
    record = json.loads((finished_run / "run.json").read_text())
    edit(record["identity"]["space"])
    (finished_run / "run.json").write_text(json.dumps(record))
    before = snapshot(tmp_path / "results")
    cli("export", "--run", "done").assert_usage_error(f"run.json of run 'done' is damaged: {mentions}")
    cli("export", "--run", "done", "--ensemble", "2").assert_usage_error(f"run.json of run 'done' is damaged: {mentions}")
    # A resume names the damage too, not "a different space" with only --overwrite, which deletes the run, to offer.
    cli(*SEARCH, "--data", "reviews.csv", "--run", "done").assert_usage_error(f"run.json of run 'done' is damaged: {mentions}")
    assert snapshot(tmp_path / "results") == before


@pytest.mark.parametrize("command", ["report", "leaderboard"])
def test_top_zero_is_refused_before_the_report_folder_is_made(cli, finished_run, tmp_path, command):
    before = snapshot(tmp_path / "results")
    cli(command, "--run", "done", "--top", "0").assert_usage_error("--top: 0 must be at least 1")
    assert snapshot(tmp_path / "results") == before


@pytest.fixture
def fake_export(tmp_path):
    """A folder with the two files an export has, to be filled with garbage by each test."""
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"label_names": ["neg", "pos"]}))
    (folder / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    return folder


def test_predict_names_a_model_file_keras_cannot_load(cli, fake_export):
    line = cli("predict", "--model", "fake", "good film").assert_usage_error("model.keras exists but is not a Keras model")
    assert "not found" not in line  # Keras calls a file that is no zip archive "File not found"


def test_predict_names_a_garbage_metadata_file(cli, fake_export):
    (fake_export / "metadata.json").write_text("{not json")
    cli("predict", "--model", "fake", "good film").assert_usage_error("metadata.json is unreadable")
    (fake_export / "metadata.json").write_text('{"label_names": "pos"}')
    cli("predict", "--model", "fake", "good film").assert_usage_error("metadata.json has no list of label_names")


def test_predict_refuses_a_model_with_code_in_it_in_one_line(cli, fake_export):
    import keras

    text = keras.Input(shape=(1,))
    model = keras.Model(text, keras.layers.Lambda(lambda x: x * 2)(text))
    model.save(fake_export / "model.keras")
    cli("predict", "--model", "fake", "good film").assert_usage_error("model.keras exists but cannot be loaded as a Keras model")


# --- 5. Wrong data is refused, not trained on ------------------------------------------------


def test_a_class_that_lands_only_in_test_is_refused_naming_its_counts(cli, tmp_path):
    rows = ["text,label", *(f"great film {i},pos" for i in range(59)), "awful film,neg"]
    (tmp_path / "skewed.csv").write_text("\n".join(rows) + "\n")
    cli(*SEARCH, "--data", "skewed.csv").assert_usage_error("class 'neg' has no text in train and val (train 0, val 0, test 1)")
    assert not (tmp_path / "results").exists()


def test_a_limit_that_leaves_a_class_out_of_train_is_refused(cli, tmp_path):
    rows = ["text,label", *(f"great film {i},pos" for i in range(180)), *(f"awful film {i},neg" for i in range(20))]
    (tmp_path / "imbalanced.csv").write_text("\n".join(rows) + "\n")
    cli(*SEARCH, "--data", "imbalanced.csv", "--limit", "1").assert_usage_error("raise --limit 1")


# --- 7. predict's input ------------------------------------------------------------------------


def _stdin(monkeypatch, data: bytes) -> None:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)


def test_predict_reads_non_utf8_stdin_and_refuses_an_empty_one(cli, monkeypatch, tmp_path):
    folder = tmp_path / "results" / "x" / "export"  # no export needed: the texts are read first
    _stdin(monkeypatch, b"")
    cli("predict", "--model", str(folder)).assert_usage_error("no texts to label in stdin")
    _stdin(monkeypatch, b"\n  \n")
    cli("predict", "--model", str(folder)).assert_usage_error("no texts to label in stdin")
    _stdin(monkeypatch, b"caf\xe9 film\n")
    cli("predict", "--model", str(folder)).assert_usage_error("is not an autosent export")  # read, then no model


# --- 8. Distributed -------------------------------------------------------------------------------


def test_a_second_chief_on_a_port_a_chief_already_serves_is_refused_before_writing(cli, tmp_path):
    # A listening socket with SO_REUSEPORT, as gRPC's server opens it.
    with socket.socket() as first_chief:
        first_chief.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        first_chief.bind(("127.0.0.1", 0))
        first_chief.listen()
        port = first_chief.getsockname()[1]
        write_reviews_csv(tmp_path / "r.csv")
        result = cli(*SEARCH, "--data", "r.csv", "--chief", f"127.0.0.1:{port}", "--role", "chief")
    result.assert_usage_error(f"--chief 127.0.0.1:{port}: cannot listen there")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "host, private", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False)]
)
def test_only_a_loopback_chief_counts_as_private(host, private):
    assert Cluster.parse(f"{host}:8470", "chief", None, 60.0).is_loopback is private


# --- 9. One export per destination at a time --------------------------------------------------


def test_a_second_export_into_the_same_folder_is_refused_while_one_runs(cli, finished_run):
    from autosent.runs.lock import export_lock

    with export_lock(finished_run / "export"):  # what a running export of `done` holds
        cli("export", "--run", "done").assert_usage_error("another autosent export is writing into results/done/export right now")
    assert not (finished_run / "export").exists()  # made only to be locked, and removed again



def test_run_json_is_versioned_and_a_newer_format_is_refused(cli, finished_run):
    record = json.loads((finished_run / "run.json").read_text())
    assert record["format"] == 1
    (finished_run / "run.json").write_text(json.dumps({**record, "format": 2}))
    cli("export", "--run", "done").assert_usage_error("has format 2, newer than this autosent reads")
