"""Shared fixtures: a tiny search space, small data files, and running the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TESTS = Path(__file__).parent
TINY_SPACE = TESTS / "spaces" / "tiny.toml"

#: Every field a trial record on disk must have.
RECORD_FIELDS = {
    "trial_id", "status", "hyperparameters", "hyperband", "history", "best_epoch", "val_loss",
    "val_accuracy", "train_loss", "train_accuracy", "overfit", "val_loss_rise", "params", "seconds",
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
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def write_reviews_csv(path: Path, n: int = 60, labels: tuple[str, ...] = ("neg", "pos")) -> Path:
    """A small labelled CSV whose classes are learnable: each label has its own words."""
    words = {label: f"{label}word{label} {label}ish" for label in labels}
    lines = ["text,label"]
    for i in range(n):
        label = labels[i % len(labels)]
        lines.append(f'"review {i} {words[label]} film plot",{label}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
