"""Shared fixtures: a tiny search space, small data files, and running the real CLI."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

# Before anything imports TensorFlow, here and in every process a test starts (they inherit it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN's CPU allocator waits and retries a failed allocation before it reports the OOM that the
# out-of-memory tests provoke on purpose; TensorFlow's own allocator reports it at once. What autosent
# does with the error is the same either way, and no test depends on oneDNN's arithmetic.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# One thread per TensorFlow op: pytest's two workers already keep both cores busy, and a pool as wide as
# the machine in every test process (TensorFlow's default) has them spin against each other for the same cores.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

from autosent.cli import main as cli_main
from autosent.search.pipeline import SearchConfig, run_search

TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with `slow` tests (a minute of separate processes each) first, so no worker starts one last.

    A module's tests stay together: a module-scoped fixture is set up once per worker.
    """
    slow_modules = {item.module.__name__ for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module.__name__ not in slow_modules)
TINY_SPACE = TESTS / "spaces" / "tiny.toml"

#: Every field a trial record on disk must have.
RECORD_FIELDS = {
    "trial_id", "status", "hyperparameters", "hyperband", "history", "best_epoch", "val_cross_entropy",
    "val_accuracy", "train_cross_entropy", "train_accuracy", "overfit", "val_cross_entropy_rise", "params", "seconds",
    "worker", "finished_at", "message", "gap",
}  # fmt: skip


@pytest.fixture
def tiny_space() -> Path:
    return TINY_SPACE


def run_cli(
    *args: str, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None, prefix: list[str] | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m autosent ARGS` in `cwd`, as a user would, and capture everything.

    `prefix` wraps the command (e.g. to drop privileges); `env` adds variables.
    """
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "autosent", *args],
        cwd=cwd,
        check=False,  # a failing command is what many tests run it for
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def unallocatable_space(folder: Path) -> Path:
    """The tiny space with nbsvm and a conv1d whose kernel (10,000 x 65,536 x 65,536 floats, 156 TiB) no
    machine can allocate: more than a 64-bit Linux process's whole address space (128 TiB), so allocating
    it fails at once, on any machine, without touching memory. Its word vocabulary is one word, so the
    embedding before it is small."""
    text = TINY_SPACE.read_text().replace('["conv1d", "gru", "bigru", "bag", "nbsvm"]', '["nbsvm", "conv1d"]')
    for old, new in [("max_tokens = 2000", "max_tokens = 3"), ("sequence_length = 64", "sequence_length = 10000"),
                     ("embedding_dim = 8", "embedding_dim = 65536"), ("units = { choice = [4, 8] }", "units = 65536"),
                     ("kernel_size = 3", "kernel_size = 10000")]:  # fmt: skip
        assert old in text
        text = text.replace(old, new)
    path = folder / "unallocatable.toml"
    path.write_text(text)
    return path


def write_reviews_csv(path: Path, n: int = 60, labels: tuple[str, ...] = ("neg", "pos"), first: int = 0) -> Path:
    """A small labelled CSV whose classes are learnable: each label has its own words.

    Its texts are numbered from `first`: files with apart numbers share no text.
    """
    words = {label: f"{label}word{label} {label}ish" for label in labels}
    lines = ["text,label"]
    for i in range(first, first + n):
        label = labels[i % len(labels)]
        lines.append(f'"review {i} {words[label]} film plot",{label}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class CliResult:
    """What one in-process `autosent` call did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    def assert_usage_error(self, mentions: str) -> str:
        """Exit 2 and exactly one `autosent: error:` line, mentioning `mentions`; returns the line."""
        lines = self.err.strip().splitlines()
        assert self.code == 2, (self.code, self.err)
        assert len(lines) == 1 and lines[0].startswith("autosent: error: "), self.err
        assert mentions in lines[0], lines[0]
        return lines[0]


@pytest.fixture
def cli(monkeypatch, capsys, tmp_path) -> Callable[..., CliResult]:
    """`cli("search", ...)` runs `autosent search ...` in this process, in `tmp_path`.

    In-process calls share the loaded TensorFlow, so each costs what the command does, not a
    start-up; an uncaught exception (a traceback, for a user) fails the test by itself.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")

    def call(*argv: str) -> CliResult:
        capsys.readouterr()
        code = cli_main(list(argv))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return call


def snapshot(folder: Path) -> dict[str, bytes | str | None]:
    """Every path under `folder`: file contents, link targets, None for folders; links are not followed."""
    if not folder.exists():
        return {}

    def what(p: Path) -> bytes | str | None:
        if p.is_symlink():
            return f"-> {os.readlink(p)}"
        return p.read_bytes() if p.is_file() else None

    return {str(p.relative_to(folder)): what(p) for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="session")
def _finished_run_template(tmp_path_factory, worker_id) -> Path:
    """One tiny search, run once per test session: results/done with two finished trials.

    Once for all of pytest-xdist's workers: the first to need it searches, under a lock, in the
    folder the workers' temporary folders share, and the others wait and read it (every user of
    the template copies it first, so it is never written after).
    """
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    folder = shared / "finished"
    with open(shared / "finished.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "finished.done").exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed mid-search left
            folder.mkdir()
            data = write_reviews_csv(folder / "reviews.csv", n=120)
            config = SearchConfig(data=str(data), space=str(TINY_SPACE), budget=2, results=folder / "results", run="done")
            outcome = run_search(config)
            assert [r.status for r in outcome.records] == ["COMPLETED", "COMPLETED"], [r.message for r in outcome.records]
            (shared / "finished.done").touch()
    return folder


def bench_module(name: str):
    """bench/NAME.py, imported from its file (bench/ is no package), for the tests of what a bench claims."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_finished_run(template: Path, folder: Path) -> Path:
    """Copy the finished tiny run (`results/done`) and its `reviews.csv` into `folder`; return the run folder."""
    for entry in template.iterdir():
        target = folder / entry.name
        shutil.copytree(entry, target, symlinks=True) if entry.is_dir() else shutil.copy2(entry, target)
    return folder / "results" / "done"


@pytest.fixture
def finished_run(_finished_run_template, tmp_path) -> Path:
    """A private copy, in `tmp_path`, of a finished tiny run (`results/done`) and its `reviews.csv`."""
    return copy_finished_run(_finished_run_template, tmp_path)
