"""Property: whatever a space file or a search flag says, `autosent search` either runs (exit 0)
or refuses in one `autosent: error:` line with exit 2, leaving results/ exactly as it was.

Values are drawn around every boundary the validation knows (negative, zero, huge, NaN, inf,
wrong types); sizes that pass stay small, so that a valid example is a real search of seconds.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

from conftest import TINY_SPACE, snapshot, write_reviews_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: A value a space or a flag might hold: in range, at a boundary, absurd, or of the wrong type.
SCALARS = st.one_of(
    st.integers(-3, 40),
    st.floats(-1.5, 1.5),
    st.sampled_from([0, 1, 2, 0.0, 1.0, 1e-9, 10**9, 1e9, math.nan, math.inf, -math.inf, True, "big", "", "log"]),
)
SPECS = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3).map(lambda values: {"choice": values}),
    st.tuples(st.sampled_from(["int", "float"]), st.lists(SCALARS, min_size=0, max_size=3), st.dictionaries(
        st.sampled_from(["step", "sampling", "default", "bogus"]), SCALARS, max_size=2,
    )).map(lambda t: {t[0]: t[1], **t[2]}),
)  # fmt: skip

_TINY = tomllib.loads(TINY_SPACE.read_text())
#: Every (table, key) of the tiny space, plus a few that are not in the format at all.
KEYS = [(table, key) for table, entries in _TINY.items() for key in entries] + [
    ("hyperparameters", "width"),
    ("vectorizer", "colour"),
    ("encoders", "gru"),
    ("encoders", "transformer"),
]


def _toml(value) -> str:
    """A TOML literal of a generated value (TOML 1.0: nan, inf, mixed arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"


def _space_file(changes: dict[tuple[str, str], object]) -> str:
    tables = {table: dict(entries) for table, entries in _TINY.items()}
    for (table, key), value in changes.items():
        tables.setdefault(table, {})[key] = value
    lines = []
    for table, entries in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml(value)}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"


_examples = itertools.count()


def _example_folder(root: Path) -> Path:
    """A fresh folder per example, with data and a results/ that already holds another run."""
    folder = root / f"example{next(_examples)}"
    (folder / "results" / "old" / "trials").mkdir(parents=True)
    (folder / "results" / "old" / "run.json").write_text('{"run": "old"}\n')
    write_reviews_csv(folder / "r.csv", n=60)
    return folder


def _assert_ran_or_refused(result, folder: Path, before) -> None:
    if result.code == 0:
        return
    lines = result.err.strip().splitlines()
    assert result.code == 2, result.err
    assert len(lines) == 1 and lines[0].startswith("autosent: error: "), result.err
    assert snapshot(folder / "results") == before, lines[0]


PROPERTY = settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPERTY
@given(changes=st.dictionaries(st.sampled_from(KEYS), SPECS, min_size=1, max_size=2))
def test_any_space_file_runs_or_is_refused_in_one_line(cli, tmp_path, changes):
    folder = _example_folder(tmp_path)
    (folder / "space.toml").write_text(_space_file(changes))
    before = snapshot(folder / "results")
    result = cli(
        "search", "--data", str(folder / "r.csv"), "--space", str(folder / "space.toml"), "--results", str(folder / "results"),
        "--budget", "1", "--max-epochs", "1",
    )  # fmt: skip
    _assert_ran_or_refused(result, folder, before)


FLAG_VALUES = st.one_of(st.integers(-3, 2).map(str), st.sampled_from(["0", "10**9", "1e3", "", "x", "-0", str(2**40), "nan"]))
FLAGS = {
    "--budget": FLAG_VALUES,
    "--max-epochs": FLAG_VALUES,
    "--seed": FLAG_VALUES,
    "--limit": FLAG_VALUES,
    "--top": FLAG_VALUES,
    "--time-limit": st.sampled_from(["0", "-1s", "1h", "5x", "", "0.5m"]),
    "--encoding": st.sampled_from(["utf-8", "latin-1", "hex", "rot13", "base64", "klingon", ""]),
    "--run": st.one_of(st.text(max_size=6), st.sampled_from([".", "..", "../x", "/tmp/x", "old", "ok-run"])),
    "--text-column": st.sampled_from(["text", "label", "body"]),
    "--worker-timeout": st.sampled_from(["1s", "60s", "-5"]),
}


#: One or two flags at a time, so that each bad value meets the validation on its own.
SOME_FLAGS = st.lists(st.sampled_from(sorted(FLAGS)), min_size=1, max_size=2, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({name: FLAGS[name] for name in names})
)


@PROPERTY
@given(flags=SOME_FLAGS)
def test_any_search_flags_run_or_are_refused_in_one_line(cli, tmp_path, flags):
    folder = _example_folder(tmp_path)
    before = snapshot(folder / "results")
    flags = dict(flags)
    # A real search stays small: at most 2 trials of at most 2 epochs (bigger values are refused or capped here).
    flags.setdefault("--budget", "1")
    flags.setdefault("--max-epochs", "1")
    if flags["--budget"].isdigit() and 2 < int(flags["--budget"]) <= 100_000:
        flags["--budget"] = "2"
    if flags["--max-epochs"].isdigit() and 2 < int(flags["--max-epochs"]) <= 1000:
        flags["--max-epochs"] = "2"
    argv = ["search", "--data", str(folder / "r.csv"), "--space", str(TINY_SPACE), "--results", str(folder / "results")]
    argv += [f"{flag}={value}" for flag, value in flags.items()]
    _assert_ran_or_refused(cli(*argv), folder, before)
