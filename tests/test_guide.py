"""A CLI that guides a newcomer: help where one looks first, the version, errors that name what
differs, `predict` that says which model answered and keeps its lines aligned with the input, and a
README whose commands and flags are the parser's. In-process calls, no search."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import TESTS, TINY_SPACE, copy_finished_run
from hypothesis import given
from hypothesis import strategies as st

from autosent.cli import build_parser
from autosent.data.bundled import BUNDLED
from autosent.errors import UsageError
from autosent.runs.rundir import TENSORBOARD_DIR, RunRecord, describe_differences, join_run
from autosent.ship.export import export_trial
from autosent.ship.predict import Predictor, text_lines

README = (TESTS.parent / "README.md").read_text(encoding="utf-8")


def _subparsers(parser) -> dict:
    """The parser of each subcommand, by name."""
    action = next(a for a in parser._actions if a.dest == "command")
    return dict(action.choices)


def _flags(parser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings if s.startswith("--")}


# --- Help and version --------------------------------------------------------------------------


def test_bare_autosent_prints_the_whole_help_on_stderr_and_exits_2(cli):
    result = cli()
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("usage: autosent"), result.err
    for name in _subparsers(build_parser()):
        assert re.search(rf"^    {name} ", result.err, re.MULTILINE), (name, result.err)


def test_version_is_the_installed_packages(cli):
    result = cli("--version")
    assert (result.code, result.out, result.err) == (0, f"autosent {metadata.version('autosent')}\n", "")


def test_each_commands_help_starts_with_its_summary_and_the_list_gives_each_one_line(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    listing = cli("--help")
    assert listing.code == 0, listing.err
    for name, sub in _subparsers(build_parser()).items():
        line = next(line for line in listing.out.splitlines() if line.startswith(f"    {name} "))
        summary = line.split(maxsplit=1)[1]
        assert listing.out.count(summary) == 1 and len(summary) > 10, (name, line)  # on that one line, unwrapped
        own = cli(name, "--help")
        assert own.code == 0, own.err
        description = own.out.split("\n\n")[1]
        assert description == summary[0].upper() + summary[1:] + ".", (name, description)
        assert sub.description == description


def test_search_help_and_a_missing_data_file_name_every_bundled_set(cli):
    help_text = " ".join(cli("search", "--help").out.split())  # argparse wraps lines
    refusal = cli("search", "--data", "missing.csv", "--budget", "1").assert_usage_error("data file not found: missing.csv")
    for name in BUNDLED:
        assert name in help_text and name in refusal, name


# --- The README's Use section is the parser's --------------------------------------------------


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    return README[start : README.index("\n## ", start + 1)]


def test_every_command_and_flag_in_the_readmes_use_section_is_the_parsers_and_every_one_of_the_parsers_is_in_the_readme():
    parser = build_parser()
    commands = _subparsers(parser)
    use = _section("Use")
    shown = [line.split("#")[0].split() for line in use.splitlines() if line.startswith("    autosent")]
    for words in shown:  # `autosent CMD ... --flag`: CMD is a command and --flag one of its flags
        owner = commands[words[1]] if len(words) > 1 and not words[1].startswith("-") else parser
        unknown = {w for w in words if w.startswith("--")} - _flags(owner)
        assert not unknown, (words, unknown)
    assert set(commands) <= {words[1] for words in shown if len(words) > 1}, "a command the Use section does not show"
    assert ["autosent"] in shown and ["autosent", "--version"] in shown

    # The search options table: exactly search's flags (--help and --debug are every command's).
    table = {flag for row in use.splitlines() if row.startswith("| `--") for flag in re.findall(r"`(--[a-z-]+)", row.split(" | ")[0])}
    assert table == _flags(commands["search"]) - {"--help", "--debug"}
    every_flag = set().union(_flags(parser), *map(_flags, commands.values()))
    assert set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", use)) <= every_flag, "the Use section names a flag no command has"
    for name, sub in commands.items():  # each flag documented somewhere in the README
        missing = {flag for flag in _flags(sub) - {"--help"} if not re.search(rf"{flag}(?![\w-])", README)}
        assert not missing, (name, missing)


def test_the_readmes_code_map_is_the_package_listing_one_line_per_package_in_pipeline_order():
    listed = re.findall(r"^    ([a-z_]+)/ ", _section("Code"), re.MULTILINE)
    packages = {path.name for path in (TESTS.parent / "autosent").iterdir() if (path / "__init__.py").is_file()}
    assert sorted(listed) == sorted(packages), "a package the code map leaves out, or a line for one that is gone"
    stages = ["data", "text", "models", "search", "runs"]
    assert listed[: len(stages)] == stages, "the code map reads against the flow of the data"


def test_the_readme_gives_the_tensorboard_command_where_it_describes_the_run_folder():
    assert f"tensorboard --logdir results/<run>/{TENSORBOARD_DIR}" in _section("What a run writes")


# --- A mismatch names what differs ---------------------------------------------------------------


def test_a_run_resumed_with_another_space_names_the_setting_that_differs(cli, finished_run, tmp_path):
    space = tmp_path / "tiny16.toml"
    text = TINY_SPACE.read_text()
    assert "units = { choice = [4, 8] }" in text
    space.write_text(text.replace("units = { choice = [4, 8] }", "units = { choice = [4, 16] }"))
    data = RunRecord.read(finished_run).identity.data
    before = (finished_run / "run.json").read_bytes()
    result = cli("search", "--data", data, "--space", str(space), "--results", str(finished_run.parent), "--run", "done", "--budget", "2")
    line = result.assert_usage_error("run 'done' in ")
    assert line.endswith(
        "differs from this command in its space (space.hyperparameters.units.choice: [4, 8] → [4, 16]); "
        "use another --run NAME or pass --overwrite"
    ), line
    assert (finished_run / "run.json").read_bytes() == before


@pytest.mark.parametrize(
    "flags, limit, ending",
    [
        (["--limit", "60"], None, "in its limit (limit: (none) → 60); resume it without --limit, use another --run NAME or pass --overwrite"),
        # run.json's limit edited by hand: the rows match, but export would read them by that limit, so no resume
        ([], 100, "in its limit (limit: 100 → (none)); resume it with --limit 100, use another --run NAME or pass --overwrite"),
        (["--seed", "3"], None, "in its seed (seed: 0 → 3); resume it with --seed 0, use another --run NAME or pass --overwrite"),
        (["--max-epochs", "5"], None, "in its max_epochs (max_epochs: 2 → 5); resume it with --max-epochs 2, use another --run NAME or pass --overwrite"),
        (["--limit", "60", "--seed", "3"], None, "in its limit and seed (limit: (none) → 60 and seed: 0 → 3); use another --run NAME or pass --overwrite"),
    ],
)
def test_a_run_resumed_with_another_limit_seed_or_max_epochs_names_them_and_the_flag_that_resumes_it(cli, finished_run, flags, limit, ending):
    """--limit (and --seed under a limit) change the data's fingerprint alone, a hash that tells the user nothing; where one flag alone differs, its value resumes the run."""
    if limit is not None:
        record = json.loads((finished_run / "run.json").read_text())
        record["limit"] = limit
        (finished_run / "run.json").write_text(json.dumps(record))
    data, results = RunRecord.read(finished_run).identity.data, str(finished_run.parent)
    search = ("search", "--data", data, "--space", str(TINY_SPACE), "--results", results, "--run", "done", "--budget", "2")
    before = (finished_run / "run.json").read_bytes()
    line = cli(*search, *flags).assert_usage_error("run 'done' in ")
    assert line.endswith(ending), line
    assert (finished_run / "run.json").read_bytes() == before


def test_many_differences_are_cut_to_three_and_a_count_and_long_values_are_cut():
    old = {"data": "a.csv", "fingerprint": "0" * 64, "space": {"hyperparameters": {"units": 8, "dropout": 0.1}}, "seed": 0}
    new = {"data": "b.csv", "fingerprint": "1" * 64, "space": {"hyperparameters": {"units": 16}}, "seed": 1, "split": {"x": 1}}
    what, shown = describe_differences(old, new)
    assert what == ["data", "fingerprint", "space", "seed", "split"]
    cut = '"' + "0" * 38 + "…", '"' + "1" * 38 + "…"  # 40 characters, of 66
    assert shown == f'data: "a.csv" → "b.csv", fingerprint: {cut[0]} → {cut[1]}, space.hyperparameters.units: 8 → 16 and 3 more'

    assert describe_differences({"seed": 0}, {"seed": 0, "split": {"by": "words"}}) == (["split"], 'split: (none) → {"by": "words"}')


def test_a_worker_with_other_settings_is_told_which_differ_from_its_chief(finished_run):
    identity = RunRecord.read(finished_run).identity
    with pytest.raises(UsageError) as refused:
        join_run(finished_run.parent, "done", dataclasses.replace(identity, seed=7, max_epochs=9))
    assert str(refused.value).startswith("this worker's max_epochs and seed differ from the chief's run 'done' (max_epochs: 2 → 9 and seed: 0 → 7); ")


# --- predict: which export, and one output line per input line --------------------------------


@pytest.fixture(scope="module")
def exported(_finished_run_template, tmp_path_factory) -> Path:
    """A module-wide copy of the finished tiny run, with its best trial exported: its results folder."""
    root = tmp_path_factory.mktemp("guide")
    copy_finished_run(_finished_run_template, root)
    export_trial(root / "results", "done")
    return root / "results"


def test_predict_names_the_export_it_used_on_stderr_and_follows_a_newer_one_elsewhere(exported, cli, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(exported, results, symlinks=True)
    meta = json.loads((results / "done" / "export" / "metadata.json").read_text())
    result = cli("predict", "--results", str(results), "good film", "bad film")
    assert result.code == 0, result.err
    assert [line.split("\t")[2] for line in result.out.splitlines()] == ["good film", "bad film"]  # stdout: the labels alone
    accuracy = meta["test_metrics"]["accuracy"]
    assert result.err == f"autosent: using export {results / 'done' / 'export'} (run done, trial {meta['trial_id']}, test accuracy {accuracy:.4f})\n"

    shutil.copytree(results / "done" / "export", results / "newer" / "export")  # another run's export, written later
    stamp = (results / "done" / "export" / "metadata.json").stat().st_mtime + 10
    os.utime(results / "newer" / "export" / "metadata.json", (stamp, stamp))
    switched = cli("predict", "--results", str(results), "good film")
    assert switched.err.startswith(f"autosent: using export {results / 'newer' / 'export'} "), switched.err
    quiet = cli("predict", "--results", str(results), "--quiet", "good film")
    assert (quiet.code, quiet.err, quiet.out) == (0, "", switched.out)


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r")), min_size=1), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_text_lines_gives_back_each_line_as_written_blank_ones_included(lines, newline, ends_with_newline):
    """Whatever a line holds (U+2028, U+0085, nothing), it is one text, in its place: line k is text k."""
    data = (newline.join(lines) + (newline if ends_with_newline else "")).encode()
    assert text_lines(data) == (lines if ends_with_newline or lines[-1] else lines[:-1])


def test_predict_keeps_blank_lines_so_output_line_k_labels_input_line_k(exported, cli, monkeypatch, tmp_path):
    lines = ["great film", "", "negword neg boring", "   ", "one\u2028line, one \x85text"]
    (tmp_path / "texts.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    from_file = cli("predict", "--results", str(exported), "--file", "texts.txt", "--json")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode()), encoding="utf-8"))
    from_stdin = cli("predict", "--results", str(exported), "--json")
    for result in (from_file, from_stdin):
        assert result.code == 0, result.err
        rows = [json.loads(line) for line in result.out.splitlines()]
        assert [row["text"] for row in rows] == lines
        assert "autosent: 2 blank line(s) labelled as an empty text" in result.err
    empty = Predictor(exported / "done" / "export").predict([""])[0]
    assert json.loads(from_file.out.splitlines()[1])["probabilities"] == pytest.approx(empty.probabilities)
    assert from_file.out == from_stdin.out
