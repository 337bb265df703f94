"""The hostile-input probe of 2026-12-01, re-run as one script: no traceback, no file changed outside --results/--out.

    python bench/probe.py                      # every case, in a temporary folder
    python bench/probe.py --only 'B_out|E_'     # the cases whose name matches (and the cases they need)
    python bench/probe.py --list                # the case table
    python bench/probe.py --keep --work /tmp/p  # build in /tmp/p and keep it (logs/ holds each case's output)
    python bench/probe.py --tree ../other-checkout

The findings (shared/findings/probe-2026-12-01.md) name each case; this script builds their
inputs (small synthetic data files, class folders, search spaces, user folders, damaged runs
and exports), runs each case as `python -m autosent ...` in a subprocess against the tree under
test (`--tree`, default this checkout), and judges it:

- FAIL: a traceback (or Python's "Exception ignored" of a failed flush), an exit code outside the
  case's expected set (2 for bad input, 0 for valid use, 1 for an I/O failure), a file outside the
  case's --results/--out/--figure changed, appeared or vanished (the work folder is listed before and
  after: path, size, mtime_ns, and a hash of files up to 1 MiB), a file the user owns inside those
  folders changed (`keep`), or the case's own check failed (e.g. two classes merged silently);
- WEAK: it passed, but a check of the message's quality failed (the findings' WEAK items), or
  the message is to be judged by eye;
- PASS otherwise.

Each case's first `autosent:` line on stderr (else the last line it printed) is shown, so a human can
judge the message. The closing line is `N cases: P pass, F fail`; the exit code is 1 if any failed.

Cases that need one: a pipe (`| head -2`, autosent's own exit code is judged), a file-size limit
(`ulimit -f`, RLIMIT_FSIZE), a memory limit (`ulimit -v`, RLIMIT_AS, so the huge space cannot hurt
the machine), another working directory, a tmpfs (full or read-only: mounted in a private mount
namespace, `unshare -m` as root or `unshare -rm` in a user namespace; where neither works, the full
disk is emulated with `ulimit -f` and the read-only cases are skipped), or a chief that the probe
stops with SIGTERM after 30 s. Cases run in table order; one tiny search (runs/B/base) and
its export serve the cases that read a run or an export.

`failed_before_fix` marks the cases that fail on main at 9790bd2, before the fixes of issue 23 (some of the
findings, made at ee3e106, were fixed in between); the cases of flags a fix adds (`--delimiter`,
`--allow-overlap`) check the behaviour after the fix, so they fail before it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import gzip
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Where the tree under test lives when --tree is not given: this checkout.
HERE = Path(__file__).resolve().parent.parent
#: The flags of every probe search: tiny, so that a search takes seconds.
TINY_SEARCH = "--limit 300 --budget 2 --max-epochs 1"
#: A traceback, or the note Python prints when flushing stdout into a closed pipe fails at exit.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Exception ignored in")
#: Files up to this size are hashed in a snapshot; bigger ones are compared by size and mtime.
HASHED_BYTES = 1 << 20
#: The huge space's memory limit in bytes: the probe's `ulimit -v 12000000` (KiB), lowered to leave room on a small machine.
MEMORY_LIMIT = 8 << 30

Check = Callable[["Outcome"], "str | None"]  # a reason the case failed, or None
Prepare = Callable[[Path], None]  # makes what a case needs in the work folder


# --- the toy language every data file speaks -------------------------------------------------------

FILLER = ("the", "film", "movie", "plot", "actor", "music", "a", "of", "it", "with", "cast", "scene")
WORDS = {
    "pos": ("great", "wonderful", "superb", "loved", "brilliant", "moving"),
    "neg": ("awful", "boring", "terrible", "hated", "dull", "mess"),
    "neutral": ("okay", "average", "fine", "middling", "plain", "passable"),
}
#: The same language without spaces: Chinese characters, and emoji.
CJK = {"filler": "的电影剧情演员音乐一了是和场景", "pos": "好棒赞爱妙美", "neg": "差烂糟恨闷乱"}
EMOJI = {"filler": "🎬🍿🎥📽🎭🎞", "pos": "😀😍👍🎉💖🌟", "neg": "😡👎💩😢💔🤮"}


def review(rng: random.Random, label: str) -> str:
    """Six filler words, a film's title and two of the label's own words, shuffled: easy to learn, never empty.

    The titles (300) make the n-gram vocabulary a file of about 20 KB, as a real one is bigger than `ulimit -f 8`.
    """
    words = [*rng.choices(FILLER, k=6), f"title{rng.randrange(300)}", *rng.choices(WORDS[label], k=2)]
    rng.shuffle(words)
    return " ".join(words)


def no_space_review(rng: random.Random, alphabet: dict[str, str], label: str) -> str:
    """A review written without spaces: every text is one 'word' to a word splitter."""
    chars = rng.choices(alphabet["filler"], k=8) + rng.choices(alphabet[label], k=3)
    rng.shuffle(chars)
    return "".join(chars)


def labelled(n: int, labels: tuple[str, ...] = ("pos", "neg"), seed: int = 0) -> list[tuple[str, str]]:
    """`n` (text, label) rows, the labels taking turns."""
    rng = random.Random(seed)
    return [(review(rng, labels[i % len(labels)]), labels[i % len(labels)]) for i in range(n)]


def write_csv(path: Path, rows: list[tuple], header: tuple[str, ...] = ("text", "label"), delimiter: str = ",") -> Path:
    """A CSV (or, with another delimiter, a CSV-like file) of `rows` under `header`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object per line, non-ASCII kept as it is."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_class_folder(folder: Path, rows: list[tuple[str, str]]) -> None:
    """One sub-folder per label, one .txt file per text (the aclImdb layout's split)."""
    for i, (text, label) in enumerate(rows):
        (folder / label).mkdir(parents=True, exist_ok=True)
        (folder / label / f"{i}.txt").write_text(text, encoding="utf-8")


# --- building the probe's inputs -------------------------------------------------------------------


def build_data(data: Path) -> None:
    """Every data file and folder of the findings, each small."""
    base = labelled(400)
    write_csv(data / "base.csv", base)
    twice = labelled(200, seed=1) * 2
    random.Random(2).shuffle(twice)
    write_csv(data / "dup.csv", twice)  # each text twice: duplicates straddle the splits
    write_csv(data / "val_overlap.csv", base[:60])
    write_csv(data / "val_newclass.csv", labelled(60, ("pos", "neg", "neutral"), seed=3))
    write_csv(data / "rare.csv", labelled(380, seed=4) + labelled(20, ("neutral",), seed=5))
    write_csv(data / "59_1.csv", [r for r in labelled(118) if r[1] == "pos"][:59] + [labelled(2)[1]])
    write_csv(data / "eval_one_class.csv", [r for r in labelled(100, seed=6) if r[1] == "pos"])
    write_csv(data / "bigint_labels.csv", [
        (text, {"pos": "9007199254740993", "neg": "9007199254740992", "neutral": "7"}[label])
        for text, label in labelled(450, ("pos", "neg", "neutral"), seed=7)
    ])  # fmt: skip
    write_csv(data / "cjk.csv", _no_space_rows(CJK))
    write_csv(data / "emoji.csv", _no_space_rows(EMOJI))
    write_csv(data / "semicolon.csv", base, delimiter=";")
    write_csv(data / "header_spaces.csv", [(t, f" {label}") for t, label in base], header=("text", " label"))
    write_csv(data / "textcol_eq.csv", base)
    (data / "utf16.csv").write_text((data / "base.csv").read_text(encoding="utf-8"), encoding="utf-16")
    (data / "base.csv.gz").write_bytes(gzip.compress((data / "base.csv").read_bytes()))
    _write_stray_tab(data / "stray_tabs.tsv", base)
    write_jsonl(data / "bool_mixed.jsonl", [
        {"text": t, "label": (label == "pos") if i % 4 < 2 else str(label == "pos").lower()}
        for i, (t, label) in enumerate(base)
    ])  # fmt: skip
    write_jsonl(data / "jsonl_null.jsonl", [{"text": t, "label": None if i == 5 else label} for i, (t, label) in enumerate(base[:40])])
    write_jsonl(data / "nested.jsonl", [{"text": {"a": 1} if i == 3 else t, "label": label} for i, (t, label) in enumerate(base[:40])])
    write_csv(data / ("l" * 251 + ".csv"), base)  # a name the file system takes; the run name it implies is too long
    write_class_folder(data / "classdir", labelled(60, seed=8))
    _write_acl_folders(data)
    (data / "lines.txt").write_text("\n".join(t for t, _ in labelled(5000, seed=9)) + "\n", encoding="utf-8")
    (data / "stdin_1mb.txt").write_text("\n".join(t for t, _ in labelled(20000, seed=10)) + "\n", encoding="utf-8")
    (data / "binary.bin").write_bytes(random.Random(11).randbytes(65536))
    (data / "empty.txt").write_bytes(b"")
    (data / "eval_empty.csv").write_bytes(b"")


def _no_space_rows(alphabet: dict[str, str]) -> list[tuple[str, str]]:
    """400 reviews in `alphabet`, pos and neg taking turns."""
    rng = random.Random(12)
    return [(no_space_review(rng, alphabet, label), label) for label in ("pos", "neg") * 200]


def _write_stray_tab(path: Path, rows: list[tuple[str, str]]) -> None:
    """A TSV whose row 101 has a tab inside its text: three fields where the header has two."""
    lines = ["text\tlabel", *(f"{t}\t{label}" for t, label in rows)]
    text, label = rows[99]
    half = len(text) // 2
    lines[100] = f"{text[:half]}\t{text[half:]}\t{label}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_acl_folders(data: Path) -> None:
    """aclImdb-like layouts: a class only in train/, a val/ split, and a test/ without class folders."""
    extra = data / "acl_extra_train_class"
    write_class_folder(extra / "train", labelled(300, seed=13) + labelled(100, ("neutral",), seed=14))
    write_class_folder(extra / "test", labelled(60, seed=15))
    with_val = data / "acl_with_val"
    for split, n in (("train", 300), ("val", 60), ("test", 60)):
        write_class_folder(with_val / split, labelled(n, seed=16 + n))
    flat = data / "acl_flat_test"
    write_class_folder(flat / "train", labelled(300, seed=19))
    (flat / "test").mkdir()
    for i, (text, _) in enumerate(labelled(60, seed=20)):
        (flat / "test" / f"{i}.txt").write_text(text, encoding="utf-8")


def build_spaces(spaces: Path, tiny: Path) -> None:
    """The tiny space's variants the findings use: size rules, huge sizes, a BOM, two invalid values."""
    text = tiny.read_text(encoding="utf-8")
    spaces.mkdir(parents=True, exist_ok=True)
    (spaces / "rules.toml").write_text(_with_lines(text, {
        "sequence_length": "{ percentile = 90, max = 64 }",
        "max_tokens": "{ min_count = 2, max = 2000 }",
        "ngram_max_tokens": "{ min_count = 2, max = 4000 }",
    }), encoding="utf-8")  # fmt: skip
    (spaces / "huge.toml").write_text(_with_lines(text, {
        "encoder": '"conv1d"', "embedding_dim": "65536", "units": "65536", "dense_units": "65536", "batch_size": "65536",
    }), encoding="utf-8")  # fmt: skip
    (spaces / "marked.toml").write_text("\ufeff" + text, encoding="utf-8")
    (spaces / "pct150.toml").write_text(_with_lines(text, {"sequence_length": "{ percentile = 150 }"}), encoding="utf-8")
    (spaces / "stdlower.toml").write_text(_with_lines(text, {"standardize": '"lower"'}), encoding="utf-8")


def _with_lines(toml: str, values: dict[str, str]) -> str:
    """`toml` with the line of each key replaced (the key must be there: a space the probe cannot build is a bug here)."""
    for key, value in values.items():
        toml, n = re.subn(rf"^{key}\s*=.*$", f"{key} = {value}", toml, flags=re.MULTILINE)
        assert n == 1, f"no line {key} = ... in the tiny space"
    return toml


def build_user_folders(work: Path) -> None:
    """Folders a user owns (autosent must never change them) and the working directories of the cwd cases."""
    user = work / "user"
    (user / "myproject" / "src").mkdir(parents=True)
    (user / "myproject" / "metadata.json").write_text('{"project": "my thesis", "version": 3}\n')
    (user / "myproject" / "notes.txt").write_text("ideas for chapter 2\n")
    (user / "myproject" / "src" / "train.py").write_text("print('my own training script')\n")
    (user / "thesis").mkdir()
    (user / "thesis" / "thesis.tex").write_text("\\documentclass{article}\n")
    (user / "user_reports").mkdir()
    (user / "user_reports" / "report.md").write_text("# my own report\n")
    for target in ("export_target", "tb_target"):
        (user / target).mkdir()
        (user / target / "keep.txt").write_text("the user's file\n")
    (user / "fig_exists.png").write_bytes(b"\x89PNG the user's figure")
    (user / "afile").write_text("a file, not a folder\n")
    cwd = work / "cwd"
    for folder in ("dotparent/dotout", "emptyparent/emptyout", "default_here/default", "elsewhere", "other"):
        (cwd / folder).mkdir(parents=True)
    (cwd / "dotparent" / "keep.txt").write_text("beside the export folder\n")
    (cwd / "default_here" / "default" / "readme.txt").write_text("a folder that happens to be called default\n")
    write_csv(cwd / "other" / "base.csv", labelled(400, seed=21))  # not the base.csv the run was searched on
    for point in ("full", "ro_eval", "ro_new", "ro_predict"):
        (work / "mnt" / point).mkdir(parents=True)
    for folder in ("runs", "models", "logs"):
        (work / folder).mkdir()


def build(work: Path, tree: Path) -> None:
    """Every input of every case, made before the first case runs (a few seconds)."""
    build_data(work / "data")
    build_spaces(work / "spaces", tree / "tests" / "spaces" / "tiny.toml")
    build_user_folders(work)


# --- what a case prepares: copies and damages of the base run and its export ------------------------


def copy_run(name: str, drop: tuple[str, ...] = ()) -> Prepare:
    """A prepare step: runs/B/NAME, a copy of the tiny base run, without the entries in `drop`."""

    def prepare(work: Path) -> None:
        run = work / "runs" / "B" / name
        shutil.copytree(work / "runs" / "B" / "base", run, symlinks=True)
        for dropped in drop:
            _remove(run / dropped)

    return prepare


def copy_export(name: str, source: str = "runs/B/base/export") -> Prepare:
    """A prepare step: models/NAME, a copy of an export."""

    def prepare(work: Path) -> None:
        shutil.copytree(work / source, work / "models" / name, symlinks=True)

    return prepare


def _remove(path: Path) -> None:
    """Delete a file, link or folder under the work folder (a link, not what it points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def edit_json(relative: str, edit: Callable[[dict], dict]) -> Prepare:
    """A prepare step: the JSON file at `relative` rewritten by `edit`."""

    def prepare(work: Path) -> None:
        path = work / relative
        path.write_text(json.dumps(edit(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")

    return prepare


def write_file(relative: str, content: bytes) -> Prepare:
    """A prepare step: the file at `relative` (re)written with `content`."""

    def prepare(work: Path) -> None:
        (work / relative).write_bytes(content)

    return prepare


def symlink(relative: str, target: str) -> Prepare:
    """A prepare step: `relative` (replaced if there) made a link to the work folder's `target`."""

    def prepare(work: Path) -> None:
        _remove(work / relative)
        (work / relative).symlink_to(work / target)

    return prepare


def steps(*prepares: Prepare) -> Prepare:
    """The prepare steps, one after the other."""

    def prepare(work: Path) -> None:
        for step in prepares:
            step(work)

    return prepare


def crafted_metadata(metadata: dict) -> dict:
    """An export's metadata cut to its labels and vectorizer, with paths that point outside (FAIL 4)."""
    return {"label_names": metadata["label_names"], "vectorizer": metadata["vectorizer"], "data": "/etc/shadow", "run": "../../../etc"}


def unknown_standardize(metadata: dict) -> dict:
    """An export's metadata naming a standardize function autosent has not got (FAIL 5)."""
    return {**metadata, "vectorizer": {**metadata["vectorizer"], "standardize": "lower"}}


# --- checks beyond exit code, traceback and files ---------------------------------------------------


@dataclass
class Outcome:
    """What one case did."""

    work: Path
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    note: str = ""

    @property
    def message(self) -> str:
        """The first `autosent:` line on stderr, else the last line on stdout, else on stderr: what a user reads."""
        for line in self.stderr.splitlines():
            if line.startswith("autosent:"):
                return line
        return _last_line(self.stdout, skip="|") or _last_line(self.stderr)

    @property
    def traceback(self) -> bool:
        return bool(TRACEBACK.search(self.stderr))


def says(pattern: str, where: str = "message") -> Check:
    """The message line (or, with where="output", anything printed) matches `pattern`, case-insensitive."""

    def check(o: Outcome) -> str | None:
        text = o.message if where == "message" else o.stdout + o.stderr
        return None if re.search(pattern, text, re.IGNORECASE) else f"the {where} does not match /{pattern}/"

    return check


def lacks(pattern: str) -> Check:
    """The message line does not match `pattern`, case-insensitive."""
    return lambda o: f"the message matches /{pattern}/" if re.search(pattern, o.message, re.IGNORECASE) else None


def exited(code: int) -> Check:
    """The command ended with `code`: for a hint, where the findings' better behaviour is to accept the input."""
    return lambda o: None if o.rc == code else f"exit {o.rc}, not {code}"


def either(*checks: Check) -> Check:
    """Passes if any of `checks` passes; else says why each failed."""

    def check(o: Outcome) -> str | None:
        problems = [c(o) for c in checks]
        return None if None in problems else " and ".join(p for p in problems if p)

    return check


def all_of(*checks: Check) -> Check:
    """Passes if every one of `checks` passes; else says why the first failed."""
    return lambda o: next((p for c in checks if (p := c(o))), None)


def one_stderr_line(o: Outcome) -> str | None:
    """A refusal is one line: no start-up log of TensorFlow around it."""
    lines = [line for line in o.stderr.splitlines() if line.strip()]
    return None if len(lines) <= 1 else f"{len(lines)} lines on stderr, not one ({len(lines) - 1} of them noise)"


def short_message(o: Outcome) -> str | None:
    return None if len(o.message) <= 300 else f"a {len(o.message)}-character message"


def run_json(o: Outcome, run: str) -> dict:
    """runs/RUN/run.json, the record a search writes (RUN is e.g. C/bigint)."""
    return json.loads((o.work / "runs" / run / "run.json").read_text(encoding="utf-8"))


def classes_are(run: str, *names: str) -> Check:
    """A finished search of `run` kept exactly these classes, whatever their case (a refusal passes)."""

    def check(o: Outcome) -> str | None:
        if o.rc != 0:
            return None
        found = run_json(o, run)["label_names"]
        return None if sorted(n.casefold() for n in found) == sorted(n.casefold() for n in names) else f"classes {found}, not {sorted(names)}"

    return check


def warns_or_learns(run: str) -> Check:
    """A search that cannot read the texts as words says so (a `warning` line), or learns anyway (val_acc >= 0.7)."""

    def check(o: Outcome) -> str | None:
        if o.rc != 0 or re.search(r"^(autosent: )?warning", o.stdout + o.stderr, re.IGNORECASE | re.MULTILINE):
            return None
        trials = (o.work / "runs" / run / "trials").glob("trial_*.json")
        best = max((json.loads(t.read_text()).get("val_accuracy") or 0.0 for t in trials), default=0.0)
        return None if best >= 0.7 else f"no warning, and the best val_accuracy is {best:.2f}"

    return check


def no_rerun_advice_after_nothing(o: Outcome) -> str | None:
    """A time limit that let no trial run must not advise the same command again (it would run none again)."""
    if re.search(r"\b0 trial\(s\)", o.stdout) and "re-run the same command to continue" in o.stdout:
        return "advises re-running the same command, which again runs 0 trials"
    return None


def survives(relative: str) -> Check:
    """The user's file at `relative` is still there."""
    return lambda o: None if (o.work / relative).exists() else f"{relative} is gone"


# --- the case table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mount:
    """A tmpfs at mnt/POINT for one case: `copy` (work path, path in the mount) filled in first, then maybe read-only."""

    point: str
    size: str
    copy: tuple[tuple[str, str], ...] = ()
    read_only: bool = False
    emulate_kib: int | None = None  # without tmpfs: `ulimit -f` of this many KiB stands in for a full disk


@dataclass(frozen=True)
class Case:
    """One probe case: the command, how it runs, and what is expected of it."""

    name: str
    finding: str  # the findings' item: "FAIL 2", "WEAK 20", "PASS", "was FAIL" (regression) or "new flag"
    cmd: str  # autosent's arguments; {w} is the work folder, {S} the tiny search's flags, {tiny} its space
    expect: frozenset[int] | None  # allowed exit codes; None: any (the probe stops the process itself)
    needs: tuple[str, ...] = ()  # cases that make what this one reads; --only runs them too
    prepare: Prepare | None = None
    cwd: str = "."
    stdin: str | None = None  # a work file fed to stdin
    pipe: str | None = None  # a shell command autosent's stdout is piped into
    fsize_kib: int | None = None
    memory: int | None = None
    mount: Mount | None = None
    stop_after: float | None = None  # seconds, then SIGTERM (a chief serves until stopped)
    hold_lock: str | None = None  # a work folder the probe holds an export lock on, as a concurrent export would
    keep: tuple[str, ...] = ()  # user files inside --results/--out that must come out unchanged
    check: Check | None = None  # a FAIL if it returns a reason
    hint: Check | None = None  # a WEAK if it returns a reason
    failed_before_fix: bool = False  # fails on main at 9790bd2, before the fixes of issue 23
    timeout: float = 300


def codes(*values: int) -> frozenset[int]:
    """The exit codes a case may end with."""
    return frozenset(values)


USAGE, OK, IO = codes(2), codes(0), codes(1)
OK_OR_USAGE = codes(0, 2)
#: A command whose output is cut short by a closed pipe may end 0, 1 or by SIGPIPE (141): anything but a traceback.
PIPED = codes(0, 1, 141)
SEARCH_A = "search --data {w}/data/base.csv {S} --results {w}/runs/A"
ON_BASE = "--results {w}/runs/B --run base"
BASE_EXPORT = "{w}/runs/B/base/export"
TL_SEARCH = "search --data {w}/data/base.csv {S} --results {w}/runs/H --run tl --time-limit 1s"

CASES: list[Case] = [
    # Bad input refused before anything runs: exit 2, one line.
    Case("A_longrun", "FAIL 7", SEARCH_A + " --run {X300}", USAGE),
    Case("A_longdata", "FAIL 7", "search --data {w}/data/{L251}.csv {S} --results {w}/runs/A", OK_OR_USAGE, failed_before_fix=True),
    Case("A_time_neg", "WEAK 24", SEARCH_A + " --time-limit -5m", USAGE, hint=lacks("expected one argument")),
    Case("A_time_neg_eq", "WEAK 24", "search --data {w}/data/base.csv --results {w}/runs/A --time-limit=-5m", USAGE),
    Case("A_acl_flat_test", "WEAK 15", "search --data {w}/data/acl_flat_test {S} --results {w}/runs/A", USAGE,
         hint=all_of(says(r"/test\b"), lacks(r"/train:"))),
    Case("A_stray_tabs", "WEAK 16", "search --data {w}/data/stray_tabs.tsv {S} --results {w}/runs/A", USAGE,
         hint=says(r"line \d+")),
    Case("F_59_1", "WEAK 16", "search --data {w}/data/59_1.csv {S} --results {w}/runs/F", USAGE, hint=lacks(r"raise --limit")),
    Case("A_utf16", "WEAK 17", "search --data {w}/data/utf16.csv {S} --results {w}/runs/A", USAGE, hint=says(r"encoding utf-?16")),
    Case("A_utf16_latin1", "WEAK 17", "search --data {w}/data/utf16.csv --encoding latin-1 {S} --results {w}/runs/A", USAGE),
    Case("A_space_bom", "WEAK 18", "search --data {w}/data/base.csv --space {w}/spaces/marked.toml " + TINY_SEARCH + " --results {w}/runs/A --run bom",
         OK_OR_USAGE, hint=either(exited(0), says(r"\bBOM\b|byte.order.mark|U\+FEFF"))),
    Case("A_space_dir", "WEAK 19", "search --data {w}/data/base.csv " + TINY_SEARCH + " --results {w}/runs/A --dry-run",
         OK_OR_USAGE, cwd="cwd/default_here", hint=exited(0)),
    Case("A_semicolon", "WEAK 20", "search --data {w}/data/semicolon.csv {S} --results {w}/runs/A", USAGE,
         check=says(r"--delimiter"), failed_before_fix=True),
    Case("A_semicolon_delimiter", "new flag", "search --data {w}/data/semicolon.csv --delimiter ';' {S} --results {w}/runs/A --dry-run",
         OK, failed_before_fix=True),
    Case("A_header_space", "WEAK 21", "search --data {w}/data/header_spaces.csv {S} --results {w}/runs/A", USAGE,
         hint=says(r"' label'")),
    Case("A_space_pct150", "PASS", "search --data {w}/data/base.csv --space {w}/spaces/pct150.toml " + TINY_SEARCH + " --results {w}/runs/A", USAGE),
    Case("A_space_stdlower", "PASS", "search --data {w}/data/base.csv --space {w}/spaces/stdlower.toml " + TINY_SEARCH + " --results {w}/runs/A", USAGE),
    Case("A_gz", "PASS", "search --data {w}/data/base.csv.gz {S} --results {w}/runs/A", USAGE),
    Case("A_val_newclass", "PASS", "search --data {w}/data/base.csv --test-data {w}/data/val_newclass.csv {S} --results {w}/runs/A", USAGE),
    Case("A_results_under_file", "PASS", "search --data {w}/data/base.csv {S} --results {w}/user/afile/results", USAGE),
    Case("A_chief_norole", "PASS", SEARCH_A + " --chief 127.0.0.1:{port0}", USAGE),
    Case("A_devices0", "PASS", SEARCH_A + " --devices 0", USAGE),
    Case("A_run_dot", "was FAIL", SEARCH_A + " --run .", USAGE),
    Case("A_run_dotdot", "was FAIL", SEARCH_A + " --run ../escape", USAGE),
    Case("A_run_abs", "was FAIL", SEARCH_A + " --run {w}/user/abs_run", USAGE),
    Case("A_seed_neg", "was FAIL", SEARCH_A + " --seed -1", USAGE),
    Case("A_encoding_hex", "was FAIL", SEARCH_A + " --encoding hex", USAGE),
    Case("A_textcol_eq", "was WEAK", SEARCH_A + " --text-column label", USAGE),
    Case("A_tfds_empty", "was FAIL", "search --data tfds: {S} --results {w}/runs/A", USAGE),
    Case("F_jsonl_null", "was FAIL", "search --data {w}/data/jsonl_null.jsonl {S} --results {w}/runs/F", USAGE),
    Case("F_nested", "was FAIL", "search --data {w}/data/nested.jsonl {S} --results {w}/runs/F", USAGE),
    # The tiny base run and its export, then what reads them.
    Case("B_base_search", "PASS", "search --data {w}/data/base.csv {S} " + ON_BASE, OK),
    Case("B_export_best", "PASS", "export " + ON_BASE, OK, needs=("B_base_search",)),
    Case("B_lb_json", "PASS", "leaderboard " + ON_BASE + " --json", OK, needs=("B_base_search",)),
    Case("A_lb_longrun", "FAIL 7", "leaderboard --results {w}/runs/B --run {Y300}", USAGE, needs=("B_base_search",), failed_before_fix=True),
    Case("A_lb_top_neg", "was WEAK", "leaderboard " + ON_BASE + " --top -1", USAGE, needs=("B_base_search",)),
    Case("B_export_norun_noise", "WEAK 1", "export --results {w}/runs/empty", USAGE, hint=one_stderr_line),
    Case("B_ens_trial", "WEAK 1", "export 1 " + ON_BASE + " --ensemble 2", USAGE, needs=("B_base_search",), hint=one_stderr_line),
    Case("B_ens_25", "WEAK 1", "export " + ON_BASE + " --ensemble 25", USAGE, needs=("B_base_search",), hint=one_stderr_line),
    Case("B_ens_export", "PASS", "export " + ON_BASE + " --ensemble 2 --out {w}/models/ens", OK, needs=("B_base_search",)),
    Case("B_out_user_metadata", "FAIL 1", "export " + ON_BASE + " --out {w}/user/myproject", USAGE, needs=("B_base_search",),
         keep=("user/myproject/metadata.json", "user/myproject/notes.txt", "user/myproject/src/train.py"), failed_before_fix=True),
    Case("F_out_userdir", "was FAIL", "export " + ON_BASE + " --out {w}/user/thesis", USAGE, needs=("B_base_search",),
         keep=("user/thesis/thesis.tex",)),
    Case("B_out_dot", "FAIL 2", "export --results {w}/runs/B --run base --out .", OK_OR_USAGE, needs=("B_base_search",),
         cwd="cwd/dotparent/dotout", failed_before_fix=True),
    Case("B_out_empty", "FAIL 2", "export --results {w}/runs/B --run base --out ''", OK_OR_USAGE, needs=("B_base_search",),
         cwd="cwd/emptyparent/emptyout", failed_before_fix=True),
    Case("B_predict_pipe_head", "FAIL 3", "predict --model " + BASE_EXPORT + " --file {w}/data/lines.txt", PIPED,
         needs=("B_export_best",), pipe="head -2", failed_before_fix=True),
    Case("B_predict_1mb_stdin", "FAIL 3", "predict --model " + BASE_EXPORT + " --json", PIPED, needs=("B_export_best",),
         stdin="data/stdin_1mb.txt", pipe="head -c 300", failed_before_fix=True),
    # The findings' D_lb_during2 piped an 8-trial leaderboard into `head -c 200`; two trials fit the pipe's buffer,
    # so the reader here closes before autosent writes: the same broken pipe, without the race.
    Case("D_lb_pipe", "FAIL 3", "leaderboard " + ON_BASE + " --json", PIPED, needs=("B_base_search",), pipe="head -c 0",
         failed_before_fix=True),
    Case("B_meta_report", "FAIL 4", "report --results {w}/runs/B --run crafted", codes(0, 1, 2), needs=("B_export_best",),
         prepare=steps(copy_run("crafted"), edit_json("runs/B/crafted/export/metadata.json", crafted_metadata)), failed_before_fix=True),
    Case("B_meta_std_explain_occl", "FAIL 5", "predict --model {w}/models/std_ens --explain 'great film'", OK_OR_USAGE,
         needs=("B_ens_export",), prepare=steps(copy_export("std_ens", "models/ens"), edit_json("models/std_ens/metadata.json", unknown_standardize)),
         failed_before_fix=True),
    Case("B_meta_std_explain", "FAIL 5", "predict --model {w}/models/std_export --explain 'great film'", OK_OR_USAGE,
         needs=("B_export_best",), prepare=steps(copy_export("std_export"), edit_json("models/std_export/metadata.json", unknown_standardize))),
    Case("B_ens_notuner", "FAIL 6", "export --results {w}/runs/B --run notuner --ensemble 2", OK_OR_USAGE, needs=("B_base_search",),
         prepare=copy_run("notuner", drop=("tuner", "val_predictions", "export")), failed_before_fix=True),
    Case("B_report_symlink", "WEAK 3", "report --results {w}/runs/B --run symrep", OK_OR_USAGE, needs=("B_base_search",),
         prepare=steps(copy_run("symrep", drop=("report",)), symlink("runs/B/symrep/report", "user/user_reports")), failed_before_fix=True),
    Case("B_export_symlinked", "PASS", "export --results {w}/runs/B --run symexp", USAGE, needs=("B_base_search",),
         prepare=steps(copy_run("symexp", drop=("export",)), symlink("runs/B/symexp/export", "user/export_target"))),
    # The export of a sibling folder that holds par/'s lock is the probe itself (as a running export would).
    Case("B_par_b", "WEAK 6", "export 1 " + ON_BASE + " --out {w}/runs/B/par/b", OK_OR_USAGE, needs=("B_base_search",),
         prepare=lambda work: (work / "runs/B/par").mkdir(), hold_lock="runs/B/par", hint=exited(0)),
    Case("B_eval_one_class", "WEAK 7", "evaluate --model " + BASE_EXPORT + " --data {w}/data/eval_one_class.csv", OK,
         needs=("B_export_best",), hint=says(r"(?m)^[^|\n]*\bneg\b[^|\n]*\b(absent|missing|no texts?|not in|none)\b", "output")),
    Case("B_eval_fig_exists", "PASS", "evaluate --model " + BASE_EXPORT + " --data {w}/data/classdir --figure {w}/user/fig_exists.png",
         USAGE, needs=("B_export_best",), keep=("user/fig_exists.png",)),
    Case("B_eval_empty", "PASS", "evaluate --model " + BASE_EXPORT + " --data {w}/data/eval_empty.csv", USAGE, needs=("B_export_best",)),
    Case("B_eval_split_test", "PASS", "evaluate --model " + BASE_EXPORT + " --data {w}/data/base.csv --split test", OK,
         needs=("B_export_best",)),
    Case("B_explain_unknown", "PASS", "predict --model " + BASE_EXPORT + " --explain 'zzz qqq'", OK, needs=("B_export_best",)),
    Case("A_predict_empty_arg", "PASS", "predict --model " + BASE_EXPORT + " ''", USAGE, needs=("B_export_best",)),
    Case("A_predict_empty_stdin", "was WEAK", "predict --model " + BASE_EXPORT, USAGE, needs=("B_export_best",), stdin="data/empty.txt"),
    Case("F_binary_stdin", "was FAIL", "predict --model " + BASE_EXPORT, OK, needs=("B_export_best",), stdin="data/binary.bin"),
    Case("F_garbage_model", "WEAK 25", "predict --model {w}/models/garbage 'great'", USAGE, needs=("B_export_best",),
         prepare=steps(copy_export("garbage"), write_file("models/garbage/model.keras", b"not a zip file at all")),
         hint=lacks("file not found")),
    Case("F_bad_metadata", "was FAIL", "predict --model {w}/models/bad_metadata 'great'", USAGE, needs=("B_export_best",),
         prepare=steps(copy_export("bad_metadata"), write_file("models/bad_metadata/metadata.json", b"{not json"))),
    Case("F_trunc_trial", "was FAIL", "leaderboard --results {w}/runs/B --run trunc", codes(1, 2), needs=("B_base_search",),
         prepare=steps(copy_run("trunc"), write_file("runs/B/trunc/trials/trial_1.json", b'{"trial_id": "1", "sta'))),
    Case("B_rel_search", "PASS", "search --data base.csv {S} --results {w}/runs/B --run rel", OK, cwd="data"),
    Case("B_rel_export_other_cwd", "WEAK 4", "export --results {w}/runs/B --run rel", OK_OR_USAGE, needs=("B_rel_search",),
         cwd="cwd/elsewhere", hint=lacks(r"give --data")),
    Case("B_rel_export_other_file", "WEAK 5", "export --results {w}/runs/B --run rel", OK_OR_USAGE, needs=("B_rel_search",),
         cwd="cwd/other", hint=lacks(r"re-run the search")),
    Case("B_overwrite_symtb", "was FAIL", "search --data {w}/data/dup.csv {S} --results {w}/runs/B --run symtb --overwrite", OK,
         needs=("B_base_search",), prepare=steps(copy_run("symtb"), symlink("runs/B/symtb/tb", "user/tb_target"))),
    Case("B_reexport_extra_file", "WEAK 2", "export " + ON_BASE, OK_OR_USAGE, needs=("B_export_best",),
         prepare=write_file("runs/B/base/export/my_predictions.csv", b"text,label\ngreat,pos\n"),
         hint=survives("runs/B/base/export/my_predictions.csv")),
    # Data a search reads without complaint, but wrongly.
    Case("C_cjk", "FAIL 11", "search --data {w}/data/cjk.csv --space {w}/spaces/rules.toml " + TINY_SEARCH + " --results {w}/runs/C --run cjk",
         OK_OR_USAGE, check=warns_or_learns("C/cjk")),
    Case("C_cjk_tiny", "FAIL 11", "search --data {w}/data/cjk.csv {S} --results {w}/runs/C --run cjk_tiny", OK_OR_USAGE,
         check=warns_or_learns("C/cjk_tiny")),
    Case("C_emoji", "WEAK 12", "search --data {w}/data/emoji.csv --space {w}/spaces/rules.toml " + TINY_SEARCH + " --results {w}/runs/C --run emoji",
         OK_OR_USAGE, hint=warns_or_learns("C/emoji")),
    Case("C_val_same_file", "FAIL 12",
         "search --data {w}/data/base.csv --val-data {w}/data/base.csv --test-data {w}/data/base.csv {S} --results {w}/runs/C --run valsame",
         USAGE, check=says(r"\boverlap"), failed_before_fix=True),
    Case("C_val_overlap", "WEAK 11", "search --data {w}/data/base.csv --val-data {w}/data/val_overlap.csv {S} --results {w}/runs/C --run valoverlap",
         USAGE, check=says(r"\boverlap"), failed_before_fix=True),
    Case("C_val_overlap_allowed", "new flag",
         "search --data {w}/data/base.csv --val-data {w}/data/val_overlap.csv --allow-overlap {S} --results {w}/runs/C --run valallowed --dry-run",
         OK, failed_before_fix=True),
    Case("C_bool_mixed", "FAIL 13", "search --data {w}/data/bool_mixed.jsonl {S} --results {w}/runs/C --run boolmixed", OK_OR_USAGE,
         check=classes_are("C/boolmixed", "false", "true"), failed_before_fix=True),
    Case("C_bigint", "FAIL 14", "search --data {w}/data/bigint_labels.csv {S} --results {w}/runs/C --run bigint", OK_OR_USAGE,
         check=classes_are("C/bigint", "7", "9007199254740992", "9007199254740993"), failed_before_fix=True),
    Case("C_dup", "WEAK 10", "search --data {w}/data/dup.csv {S} --results {w}/runs/C --run dup", OK,
         hint=says(r"within train [1-9][0-9,]* .*across train/val 0, train/test 0, val/test 0", "output")),  # copies kept in one split
    Case("C_acl_extra_train", "WEAK 13", "search --data {w}/data/acl_extra_train_class {S} --results {w}/runs/C --run aclextra",
         OK_OR_USAGE, hint=says("neutral", "output")),
    Case("C_acl_with_val", "WEAK 14", "search --data {w}/data/acl_with_val {S} --results {w}/runs/C --run aclval", OK_OR_USAGE,
         hint=says(r"\bval/(?!test)", "output")),
    Case("C_rare_cw", "PASS", "search --data {w}/data/rare.csv {S} --results {w}/runs/C --run rare --class-weight balanced", OK),
    Case("C_rare_cw_resume_without", "WEAK 23", "search --data {w}/data/rare.csv {S} --results {w}/runs/C --run rare", USAGE,
         needs=("C_rare_cw",), hint=all_of(says("class.weight"), short_message)),
    # The machine's limits: file size, memory, a full or read-only disk; a chief on every interface.
    Case("E_fsize8", "FAIL 8", "search --data {w}/data/base.csv {S} --results {w}/runs/E --run fsize8", IO, fsize_kib=8, failed_before_fix=True),
    # Found by this script: with room for the vocabularies, keras-tuner's checkpoint (h5py) meets the limit: a segfault.
    Case("E_fsize24", "FAIL 8", "search --data {w}/data/base.csv {S} --results {w}/runs/E --run fsize24", IO, fsize_kib=24, failed_before_fix=True),
    Case("E_huge", "FAIL 9", "search --data {w}/data/base.csv --space {w}/spaces/huge.toml " + TINY_SEARCH + " --results {w}/runs/E --run huge",
         codes(0, 1, 2), memory=MEMORY_LIMIT, failed_before_fix=True),
    Case("E_huge_dry", "FAIL 9",
         "search --data {w}/data/base.csv --space {w}/spaces/huge.toml " + TINY_SEARCH + " --results {w}/runs/E --run hugedry --dry-run",
         codes(0, 1, 2), memory=MEMORY_LIMIT, failed_before_fix=True),
    Case("E_full100k", "WEAK 9", "search --data {w}/data/base.csv {S} --results {w}/mnt/full/results --run full", IO,
         mount=Mount("full", "100k", emulate_kib=100), hint=lacks(r"cannot write None")),
    Case("E_ro_eval_fig", "WEAK 8", "evaluate --results {w}/mnt/ro_eval/results --data {w}/data/classdir --figure {w}/mnt/ro_eval/results/fig.png",
         codes(1, 2), needs=("B_export_best",), mount=Mount("ro_eval", "8m", (("runs/B/base", "results/base"),), read_only=True),
         hint=lacks(r"\.tmp\b")),
    Case("E_ro_new", "PASS", "search --data {w}/data/base.csv {S} --results {w}/mnt/ro_new/results", USAGE,
         mount=Mount("ro_new", "1m", read_only=True)),
    Case("E_ro_predict", "PASS", "predict --model {w}/mnt/ro_predict/export 'great film'", OK, needs=("B_export_best",),
         mount=Mount("ro_predict", "8m", (("runs/B/base/export", "export"),), read_only=True)),
    Case("E_chief_any", "PASS", "search --data {w}/data/base.csv {S} --results {w}/runs/E --run chief --chief 0.0.0.0:{port1} --role chief",
         None, stop_after=30, check=says(r"warning.*0\.0\.0\.0", "output")),
    Case("E_chief_any_quiet", "FAIL 10",
         "search --data {w}/data/base.csv {S} --results {w}/runs/E --run chiefq --chief 0.0.0.0:{port2} --role chief --quiet",
         None, stop_after=30, check=says(r"warning.*0\.0\.0\.0", "output"), failed_before_fix=True),
    Case("H_timelimit", "WEAK 22", TL_SEARCH, OK, hint=no_rerun_advice_after_nothing),
    Case("H_timelimit_again", "WEAK 22", TL_SEARCH, OK, needs=("H_timelimit",), hint=no_rerun_advice_after_nothing),
]


# --- snapshots: what a case changed outside its own folders -----------------------------------------


def entry(path: Path) -> tuple:
    """What a path is: a link's target, a folder, or a file's size, mtime and (if small) content hash."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    if path.is_dir():
        return ("dir",)
    if not path.exists():
        return ("absent",)
    stat = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.st_size <= HASHED_BYTES else None
    return ("file", stat.st_size, stat.st_mtime_ns, digest)


def inside(path: str, folders: list[str]) -> bool:
    """`path` is one of `folders` or under one (paths are normalised strings)."""
    return any(path == f or path.startswith(f + os.sep) for f in folders)


def snapshot(work: Path, own: list[str]) -> dict[str, tuple]:
    """Every entry under `work` except the case's own folders and the probe's logs/ (links are not followed)."""
    skipped = [*own, str(work / "logs")]
    found = {}
    for folder, dirs, files in os.walk(work):
        dirs[:] = [d for d in dirs if not inside(os.path.join(folder, d), skipped)]
        for name in dirs + [f for f in files if not inside(os.path.join(folder, f), skipped)]:
            path = os.path.join(folder, name)
            found[path] = entry(Path(path))
    return found


def changes(before: dict[str, tuple], after: dict[str, tuple], own: list[str], work: Path) -> list[str]:
    """Entries that appeared, vanished or changed, except folders made on the way to an own folder."""
    found = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new or (("dir",) in (old, new) and None in (old, new) and any(inside(o, [path]) for o in own)):
            continue
        what = "new" if old is None else "gone" if new is None else "changed"
        found.append(f"{os.path.relpath(path, work)} ({what})")
    return found


def owned_paths(argv: list[str], cwd: Path) -> list[str]:
    """The folders a case may write: its --results (default ./results), --out and --figure."""
    own = []
    for flag in ("--results", "--out", "--figure"):
        if flag in argv:
            own.append(os.path.normpath(os.path.join(cwd, argv[argv.index(flag) + 1])))
    return own or [os.path.normpath(os.path.join(cwd, "results"))]


# --- running a case ---------------------------------------------------------------------------------


@dataclass
class Context:
    """What every case needs: the tree under test, the work folder, and how tmpfs mounts can be made."""

    tree: Path
    work: Path
    unshare: list[str] | None  # the unshare command that gives a private mount namespace, or None
    placeholders: dict[str, str] = field(default_factory=dict)

    def argv(self, case: Case) -> list[str]:
        return shlex.split(case.cmd.format_map(self.placeholders))

    def env(self) -> dict[str, str]:
        return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(self.tree), "COLUMNS": "120",
                "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip


def free_port() -> int:
    """A TCP port free right now, for a chief to serve on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mount_namespace() -> list[str] | None:
    """`unshare -m` as root, else `unshare -rm` (a user namespace), whichever works here first; else None."""
    candidates = [["unshare", "-m"]] if os.geteuid() == 0 else []
    for command in [*candidates, ["unshare", "-rm"]]:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if subprocess.run([*command, "true"], capture_output=True, timeout=10, check=False).returncode == 0:
                return command
    return None


def in_tmpfs(unshare: list[str], mount: Mount, work: Path, command: list[str]) -> list[str]:
    """`command` run in a private mount namespace with a tmpfs at mnt/POINT (gone when the command ends)."""
    point = work / "mnt" / mount.point
    script = [f"mount -t tmpfs -o size={mount.size} none {shlex.quote(str(point))}"]
    script += [f"mkdir -p {shlex.quote(str((point / dst).parent))} && cp -a {shlex.quote(str(work / src))} {shlex.quote(str(point / dst))}"
               for src, dst in mount.copy]  # fmt: skip
    if mount.read_only:
        script.append(f"mount -o remount,ro {shlex.quote(str(point))}")
    return [*unshare, "sh", "-c", " && ".join(script) + ' && exec "$@"', "sh", *command]


def with_ulimits(ulimits: list[str], command: list[str]) -> list[str]:
    """`command` run under bash's `ulimit` options (e.g. `-f 8`: files of 8 KiB at most), as a user would."""
    if not ulimits:
        return command
    return ["bash", "-c", " && ".join(f"ulimit {u}" for u in ulimits) + ' && exec "$@"', "bash", *command]


@contextlib.contextmanager
def held_lock(folder: Path | None) -> Iterator[None]:
    """An export's lock (flock on the folder) held by the probe, standing in for a concurrent export."""
    if folder is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def command_for(case: Case, ctx: Context, argv: list[str]) -> tuple[list[str], str]:
    """The command line for a case's way of running, and a note on what was emulated."""
    command = [sys.executable, "-m", "autosent", *argv]
    ulimits, note = [], ""
    if case.fsize_kib:
        ulimits.append(f"-f {case.fsize_kib}")  # bash counts -f in KiB
    if case.memory:
        ulimits.append(f"-v {case.memory // 1024}")
    if case.mount and ctx.unshare:
        command = in_tmpfs(ctx.unshare, case.mount, ctx.work, command)
    elif case.mount:
        ulimits.append(f"-f {case.mount.emulate_kib}")
        note = "no tmpfs here (not root, no user namespaces): the full disk is emulated with ulimit -f (RLIMIT_FSIZE)"
    command = with_ulimits(ulimits, command)
    if case.pipe:  # autosent's own exit code is judged, not the pipeline's
        command = ["bash", "-c", f'"$@" | {case.pipe} >/dev/null; exit "${{PIPESTATUS[0]}}"', "bash", *command]
    return command, note


def execute(case: Case, ctx: Context, argv: list[str]) -> Outcome:
    """Run the case's command in its own session, so that a timeout or a stop ends all of it and nothing else."""
    command, note = command_for(case, ctx, argv)
    stdin = (ctx.work / case.stdin).open("rb") if case.stdin else subprocess.DEVNULL
    start = time.monotonic()
    timed_out = False
    with held_lock(ctx.work / case.hold_lock if case.hold_lock else None):
        process = subprocess.Popen(
            command, cwd=ctx.work / case.cwd, env=ctx.env(), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        try:
            out, err = process.communicate(timeout=case.stop_after or case.timeout)
        except subprocess.TimeoutExpired:
            timed_out = case.stop_after is None
            os.killpg(process.pid, signal.SIGKILL if timed_out else signal.SIGTERM)
            try:
                out, err = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                out, err = process.communicate()
    if case.stdin:
        stdin.close()
    seconds = time.monotonic() - start
    return Outcome(ctx.work, process.returncode, _text(out), _text(err), seconds, timed_out, note)


def _text(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


@dataclass
class Verdict:
    """A case's judgement: FAIL if any `failures`, else WEAK if `weak` says why, else PASS (or SKIP)."""

    case: Case
    outcome: Outcome | None
    failures: list[str]
    weak: str | None = None
    skipped: str | None = None

    @property
    def label(self) -> str:
        if self.skipped:
            return "SKIP"
        return "FAIL" if self.failures else "WEAK" if self.weak else "PASS"


def run_case(case: Case, ctx: Context) -> Verdict:
    """Prepare, snapshot, run, snapshot again, and judge one case."""
    if case.mount and not ctx.unshare and case.mount.emulate_kib is None:
        return Verdict(case, None, [], skipped="needs a tmpfs: neither root nor user namespaces here")
    argv = ctx.argv(case)
    own = owned_paths(argv, ctx.work / case.cwd)
    if case.prepare:
        try:
            case.prepare(ctx.work)
        except OSError as e:  # what it copies is missing: a case it needs failed
            return Verdict(case, None, [f"cannot prepare the case: {e}"])
    before, kept = snapshot(ctx.work, own), {p: entry(ctx.work / p) for p in case.keep}
    outcome = execute(case, ctx, argv)
    failures = judge(case, outcome)
    failures += [f"changed outside --results/--out: {c}" for c in changes(before, snapshot(ctx.work, own), own, ctx.work)]
    failures += [f"the user's {p} was changed or removed" for p, was in kept.items() if entry(ctx.work / p) != was]
    weak = None
    if not failures and case.hint:
        weak = _applied(case.hint, outcome)
    elif not failures and case.finding.startswith("WEAK"):
        weak = "judge the message by eye"
    log(ctx.work / "logs", case, argv, outcome)
    return Verdict(case, outcome, failures, weak)


def judge(case: Case, o: Outcome) -> list[str]:
    """What is wrong with what the command did: a timeout, a traceback, its exit code, the case's own check."""
    failures = []
    if o.timed_out:
        failures.append(f"timed out after {case.timeout:.0f} s")
    if o.traceback:
        failures.append("traceback: " + _last_line(o.stderr)[:200])
    if case.expect is not None and not o.timed_out and o.rc not in case.expect:
        failures.append(f"exit {o.rc}, expected {' or '.join(map(str, sorted(case.expect)))}")
    if case.check and (problem := _applied(case.check, o)):
        failures.append(problem)
    return failures


def _applied(check: Check, o: Outcome) -> str | None:
    """`check(o)`, or why it could not tell (a file it reads is missing or damaged)."""
    try:
        return check(o)
    except (OSError, ValueError, KeyError) as e:
        return f"cannot check: {e!r}"


def _last_line(text: str, skip: str | None = None) -> str:
    """The last line that is not blank (nor starts with `skip`: a table's rows say little alone)."""
    lines = [line for line in text.splitlines() if line.strip() and not (skip and line.startswith(skip))]
    return lines[-1] if lines else ""


def log(logs: Path, case: Case, argv: list[str], o: Outcome) -> None:
    """The case's command line and output in logs/, for a reader of a kept work folder."""
    (logs / f"{case.name}.cmd").write_text(shlex.join(argv) + "\n")
    (logs / f"{case.name}.out").write_text(o.stdout)
    (logs / f"{case.name}.err").write_text(o.stderr)


# --- choosing, reporting, main ----------------------------------------------------------------------


def select(pattern: str | None) -> list[Case]:
    """The cases whose name `pattern` (a regular expression) finds, with every case they need, in table order."""
    by_name = {c.name: c for c in CASES}
    wanted = {c.name for c in CASES if pattern is None or re.search(pattern, c.name)}
    pending = list(wanted)
    while pending:
        for need in by_name[pending.pop()].needs:
            if need not in wanted:
                wanted.add(need)
                pending.append(need)
    return [c for c in CASES if c.name in wanted]


def shown(argv: list[str], work: Path) -> str:
    """A command line as printed: `autosent`, $W for the work folder, long arguments cut."""
    token = "@W@"  # a word shlex leaves unquoted, so that $W stays a variable, not a quoted '$W'
    short = [a.replace(str(work), token) for a in argv]
    return "autosent " + shlex.join(a if len(a) <= 60 else f"{a[:16]}...{len(a)}-chars" for a in short).replace(token, "$W")


def report(verdict: Verdict, ctx: Context) -> None:
    """A case's verdict, command line, failures and message, as it finishes."""
    case, o = verdict.case, verdict.outcome
    known = f"{case.finding}{', fails before the fixes' if case.failed_before_fix else ''}"
    if o is None:
        print(f"[{verdict.label}] {case.name} ({known}): {verdict.skipped or verdict.failures[0]}", flush=True)
        return
    print(f"[{verdict.label}] {case.name} ({known}): exit {o.rc}, {o.seconds:.0f} s", flush=True)
    extras = [f"| {case.pipe}"] if case.pipe else []
    extras += [f"(cwd $W/{case.cwd})"] if case.cwd != "." else []
    print(f"    $ {shown(ctx.argv(case), ctx.work)} {' '.join(extras)}".rstrip())
    for line in [*verdict.failures, *([f"weak: {verdict.weak}"] if verdict.weak else []), *([o.note] if o.note else [])]:
        print(f"    ! {line}")
    message = "".join(c if c.isprintable() else "?" for c in o.message.replace(str(ctx.work), "$W"))
    print(f"    > {message[:400]}", flush=True)  # labelled binary input prints bytes a terminal would act on


def summarize(verdicts: list[Verdict]) -> int:
    """Print which cases failed (known or not), which passed that had failed, and `N cases: P pass, F fail`."""
    failed = [v for v in verdicts if v.label == "FAIL"]
    weak = [v for v in verdicts if v.label == "WEAK"]
    passed = [v for v in verdicts if v.label in ("PASS", "WEAK")]
    skipped = [v for v in verdicts if v.label == "SKIP"]
    print()
    if weak:
        print(f"weak messages (passed; judge by eye): {', '.join(v.case.name for v in weak)}")
    unexpected = [v.case.name for v in failed if not v.case.failed_before_fix]
    fixed = [v.case.name for v in verdicts if v.case.failed_before_fix and v.label in ("PASS", "WEAK")]
    print(f"failed, as before the fixes: {', '.join(v.case.name for v in failed if v.case.failed_before_fix) or '-'}")
    print(f"failed, not known to fail: {', '.join(unexpected) or '-'}")
    print(f"pass now, failed before the fixes: {', '.join(fixed) or '-'}")
    if skipped:
        print(f"skipped: {', '.join(v.case.name for v in skipped)}")
    print(f"{len(verdicts) - len(skipped)} cases: {len(passed)} pass, {len(failed)} fail")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=HERE, help="the autosent checkout under test (default: this one)")
    parser.add_argument("--work", type=Path, help="build and run in this new or empty folder, and keep it")
    parser.add_argument("--only", metavar="PATTERN", help="run the cases whose name the regular expression PATTERN finds (and what they need)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder (its logs/ has every output)")
    parser.add_argument("--list", action="store_true", help="print the case table and stop")
    args = parser.parse_args()
    cases = select(args.only)
    if args.list:
        for c in cases:
            print(f"{c.name:<28} {c.finding:<9} {'failed before the fixes ' if c.failed_before_fix else ''}{c.cmd}")
        return 0
    if not cases:
        parser.error(f"no case name matches {args.only!r}")
    if args.work is not None and args.work.exists() and any(args.work.iterdir()):
        parser.error(f"--work {args.work} is not empty")
    work = (args.work or Path(tempfile.mkdtemp(prefix="autosent-probe-"))).absolute()
    work.mkdir(parents=True, exist_ok=True)
    tree = args.tree.resolve()
    ctx = Context(tree, work, mount_namespace())
    ctx.placeholders = {
        "w": shlex.quote(str(work)), "tiny": shlex.quote(str(tree / "tests" / "spaces" / "tiny.toml")),
        "X300": "x" * 300, "Y300": "y" * 300, "L251": "l" * 251,
        **{f"port{i}": str(free_port()) for i in range(3)},
    }  # fmt: skip
    ctx.placeholders["S"] = f"--space {ctx.placeholders['tiny']} {TINY_SEARCH}"
    print(f"probe of {tree} in {work}; tmpfs: {shlex.join(ctx.unshare) if ctx.unshare else 'none (ulimit -f stands in for a full disk)'}", flush=True)
    build(work, tree)
    try:
        verdicts = []
        for case in cases:
            verdicts.append(run_case(case, ctx))
            report(verdicts[-1], ctx)
        return summarize(verdicts)
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")


if __name__ == "__main__":
    sys.exit(main())
