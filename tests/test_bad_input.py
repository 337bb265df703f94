"""Every mistake a user can make on the command line: exit 2, one line naming it, results untouched.

Each case runs `autosent` (in this process: `cli.main`) in a folder that already holds a run,
and checks that the error is a single stderr line mentioning the offending value, that there
is no traceback, and that `results/` is byte-for-byte what it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_SPACE, run_cli, snapshot, write_reviews_csv

from autosent.data import tfds_source
from autosent.errors import UsageError
from autosent.runs.rundir import RunIdentity, RunRecord
from autosent.search.space import load_space
from autosent.text.sizes import resolve_sizes


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

    return setup


def _space(name: str, old: str, new: str) -> Callable[[Path], None]:
    """The tiny test space with one line changed."""
    text = TINY_SPACE.read_text()
    assert old in text
    return _write(name, text.replace(old, new))


def _reviews(name: str, **kwargs) -> Callable[[Path], None]:
    return lambda folder: write_reviews_csv(folder / name, **kwargs)


def _read_only_folder(folder: Path) -> None:
    (folder / "locked").mkdir()
    (folder / "locked").chmod(0o555)


def _not_an_export(folder: Path) -> None:
    (folder / "notexport").mkdir()
    (folder / "notexport" / "model.txt").write_text("not a model")


def _nothing(folder: Path) -> None:
    pass


def _without_root_override() -> list[str]:
    """root writes into read-only folders; `setpriv` drops the capabilities that let it."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


SEARCH = ["search", "--space", str(TINY_SPACE), "--limit", "50"]

#: (id, setup, arguments, text the one error line must contain)
CASES = [
    ("missing-file", _nothing, [*SEARCH, "--data", "missing.csv"], "missing.csv"),
    ("empty-file", _write("empty.csv", ""), [*SEARCH, "--data", "empty.csv"], "empty.csv: the file is empty"),
    ("header-only", _write("header.csv", "text,label\n"), [*SEARCH, "--data", "header.csv"], "only a header"),
    ("one-class", _reviews("one.csv", labels=("pos",)), [*SEARCH, "--data", "one.csv"], "only one class ('pos')"),
    ("label-column-missing", _reviews("r.csv"), [*SEARCH, "--data", "r.csv", "--label-column", "sentiment"], "'sentiment'"),
    ("label-column-misnamed", _write("m.csv", "text,lable\ngood,1\nbad,0\n"), [*SEARCH, "--data", "m.csv"], "columns: 'text', 'lable'"),
    ("semicolon-csv", _write("s.csv", "text;label\ngood;1\nbad;0\n"), [*SEARCH, "--data", "s.csv"], "pass --delimiter ';'"),
    ("delimiter-two-characters", _reviews("r.csv"), [*SEARCH, "--data", "r.csv", "--delimiter", ";;"], "--delimiter ';;'"),
    ("text-column-missing", _write("t.csv", "review,label\ngood,1\nbad,0\n"), [*SEARCH, "--data", "t.csv"], "--text-column"),
    ("unparsable-csv-row", _write("u.csv", "text,label\ngood film,1\njust some words\n"), [*SEARCH, "--data", "u.csv"], "u.csv, line 3"),
    ("unparsable-csv-quote", _write("q.csv", 'text,label\ngood,1\n"bad "film,0\n'), [*SEARCH, "--data", "q.csv"], "q.csv, line 3: cannot parse"),
    ("unparsable-jsonl", _write("u.jsonl", '{"text": "good", "label": 1}\n{"text": "bad", \n'), [*SEARCH, "--data", "u.jsonl"], "u.jsonl, line 2"),
    ("non-utf8", _write("latin.csv", b"text,label\ngood,1\nbad,0\n" + "caf\u00e9 film,1\n".encode("latin-1")), [*SEARCH, "--data", "latin.csv"], "line 4: byte 0xe9 is not valid utf-8"),
    ("unknown-encoding", _reviews("r.csv"), [*SEARCH, "--data", "r.csv", "--encoding", "klingon"], "--encoding klingon"),
    ("only-empty-texts", _write("blank.csv", 'text,label\n"  ",1\n"",0\n"\t",1\n'), [*SEARCH, "--data", "blank.csv"], "every text is empty"),
    ("unsupported-file-type", _write("data.xlsx", "x"), [*SEARCH, "--data", "data.xlsx"], "'.xlsx'"),
    ("unknown-tfds-name", _nothing, [*SEARCH, "--data", "tfds:no_such_dataset"], "'no_such_dataset'"),
    ("tfds-offline", _nothing, [*SEARCH, "--data", "tfds:imdb_reviews"], "tfds:imdb_reviews is not downloaded"),
    ("budget-zero", _nothing, ["search", "--budget", "0"], "--budget 0"),
    ("budget-negative", _nothing, ["search", "--budget", "-3"], "--budget -3"),
    ("max-epochs-zero", _nothing, ["search", "--max-epochs", "0"], "--max-epochs 0"),
    ("budget-not-a-number", _nothing, ["search", "--budget", "lots"], "'lots'"),
    ("unknown-flag", _nothing, ["search", "--bogus"], "--bogus"),
    # A folder named like a bundled space does not hide it: the search gets as far as the data.
    ("space-default-folder-here", lambda f: (f / "default").mkdir(), ["search", "--limit", "50", "--data", "missing.csv"], "missing.csv"),
    ("space-a-folder", lambda f: (f / "myspace").mkdir(), ["search", "--space", "myspace"], "--space myspace is a folder"),
    ("space-with-bom", _write("bom.toml", b"\xef\xbb\xbf" + TINY_SPACE.read_bytes()), ["search", "--space", "bom.toml", "--data", "missing.csv"], "missing.csv"),
    ("time-limit-negative", _nothing, ["search", "--time-limit", "-5m"], "invalid duration '-5m'"),
    ("space-missing", _nothing, ["search", "--space", "nope.toml"], "nope.toml"),
    ("space-unreadable", lambda f: (f / "dir.toml").mkdir(), ["search", "--space", "dir.toml"], "dir.toml"),
    ("space-not-toml", _write("bad.toml", "[vectorizer\nmax_tokens = 1"), ["search", "--space", "bad.toml"], "bad.toml is not valid TOML"),
    ("space-bad-value", _space("v.toml", "max_epochs = 2", "max_epochs = -2"), ["search", "--space", "v.toml"], "hyperband.max_epochs = -2"),
    ("space-vocabulary-of-no-word", _space("m.toml", "max_tokens = 2000", "max_tokens = 2"), ["search", "--space", "m.toml"], "vectorizer.max_tokens = 2"),
    ("space-unknown-key", _space("k.toml", "patience = 1", "patients = 1"), ["search", "--space", "k.toml"], "training.patients (allowed: patience"),
    ("space-unknown-encoder", _space("e.toml", '"nbsvm"]', '"nbsvm", "transformer"]'), ["search", "--space", "e.toml"], "'transformer' is not allowed (allowed: conv1d, gru, bigru, bag, nbsvm, char_nbsvm, tfidf)"),
    ("results-is-a-file", _write("afile", "x"), [*SEARCH, "--results", "afile"], "afile is a file"),
    ("run-made-from-other-data", _nothing, [*SEARCH, "--run", "old"], "differs from this command in its"),
    ("run-name-too-long", _reviews("r.csv"), [*SEARCH, "--data", "r.csv", "--run", "x" * 300], "300 characters, more than the 255"),
    ("leaderboard-missing-run", _nothing, ["leaderboard", "--run", "ghost"], "'ghost'"),
    ("leaderboard-run-name-too-long", _nothing, ["leaderboard", "--run", "y" * 300], "300 characters, more than the 255"),
    ("export-missing-run", _nothing, ["export", "--run", "ghost"], "'ghost'"),
    ("export-no-finished-trial", _nothing, ["export", "--run", "old"], "no finished trial"),
    ("report-missing-run", _nothing, ["report", "--run", "ghost"], "'ghost'"),
    ("report-no-finished-trial", _nothing, ["report", "--run", "old"], "run 'old' has no finished trial"),
    ("predict-not-an-export", _not_an_export, ["predict", "--model", "notexport", "good film"], "notexport is not an autosent export"),
    ("predict-no-export", _nothing, ["predict", "good film"], "no exported model"),
]  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A user's folder with one earlier run in results/ (a failed trial only)."""
    run = tmp_path / "results" / "old"
    (run / "trials").mkdir(parents=True)
    identity = RunIdentity("imdb", fingerprint="0", space=resolve_sizes(load_space("seed"), ["a text"]).as_dict(), max_epochs=2, seed=0)
    record = RunRecord("old", identity, "tiny.toml", "text", "label", "utf-8", None, ["neg", "pos"], {}, 0)
    (run / "run.json").write_text(json.dumps(record.to_json()))
    (run / "trials" / "trial_0.json").write_text('{"trial_id": "0", "status": "FAILED", "hyperparameters": {}}\n')
    return tmp_path


@pytest.mark.parametrize("setup, args, mentions", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_exit_2_and_results_stay_byte_identical(workdir, cli, monkeypatch, setup, args, mentions):
    setup(workdir)
    before = snapshot(workdir / "results")
    monkeypatch.setattr(tfds_source, "DOWNLOAD_HOST", "127.0.0.1:9")  # offline: nothing answers there
    monkeypatch.setenv("TFDS_DATA_DIR", str(workdir / "tfds"))  # and nothing is downloaded

    cli(*args).assert_usage_error(mentions)
    assert snapshot(workdir / "results") == before


def test_a_read_only_results_folder_is_refused_in_one_line(workdir):
    """A real process, without root's power to write anywhere (see `_without_root_override`)."""
    _read_only_folder(workdir)
    before = snapshot(workdir / "results")
    result = run_cli(*SEARCH, "--results", "locked", cwd=workdir, prefix=_without_root_override())
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("autosent: error: ") and "locked" in lines[0], lines[0]
    assert snapshot(workdir / "results") == before


def test_debug_raises_instead_so_python_shows_the_traceback(workdir, cli):
    with pytest.raises(UsageError, match="--budget 0"):
        cli("search", "--budget", "0", "--debug")


def test_a_figure_in_a_read_only_folder_is_refused_before_the_model_runs(workdir):
    """A real process without root's power to write anywhere; refused before an export is even looked for."""
    _read_only_folder(workdir)
    write_reviews_csv(workdir / "r.csv")
    args = ["evaluate", "--model", "nowhere", "--data", "r.csv", "--figure", "locked/fig.png"]
    result = run_cli(*args, cwd=workdir, prefix=_without_root_override())
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0] == "autosent: error: --figure locked/fig.png: cannot write in locked (read-only or no permission); give a path in a writable folder"


def test_a_failed_atomic_write_names_the_file_not_its_temp_file(workdir):
    _read_only_folder(workdir)
    code = "from autosent.runs import atomic\ntry:\n    atomic.write_bytes('locked/fig.png', b'x')\nexcept OSError as e:\n    print(e.filename)"
    command = [*_without_root_override(), sys.executable, "-c", code]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "locked/fig.png", result.stdout + result.stderr
