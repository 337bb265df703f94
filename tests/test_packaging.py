"""autosent as a user installs it: from a wheel, not the source tree, searching from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import write_reviews_csv

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # Nothing may point the scratch venv back at the source tree.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900, env=env, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result


def test_a_wheel_installed_without_e_searches_with_the_bundled_space_from_another_folder(tmp_path):
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path / "wheels", ROOT)
    (wheel,) = (tmp_path / "wheels").glob("autosent-*.whl")

    # A scratch venv that gets autosent only from the wheel; its dependencies (TensorFlow, ...)
    # come from the test venv, added as a plain path after the scratch venv's own packages.
    # The venv gets no pip of its own (seconds of ensurepip): the test venv's pip installs into it.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "test_venv_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "import autosent; print(autosent.__file__)", cwd=elsewhere).stdout
    assert where.startswith(str(site)), where  # the wheel's copy, not the source tree
    write_reviews_csv(elsewhere / "reviews.csv", n=240)
    result = _run(
        venv / "bin" / "autosent", "search", "--data", "reviews.csv", "--budget", "1", "--limit", "200", "--max-epochs", "1",
        cwd=elsewhere,
    )  # fmt: skip
    assert "search finished: 1 trial(s)" in result.stdout
    assert (elsewhere / "results" / "reviews-default" / "trials" / "trial_0.json").is_file()
