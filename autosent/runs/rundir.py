"""The run folder `results/<run>/`: its layout, its `run.json`, and finding runs later.

`run.json` records what a run was made from (data source and fingerprint, split sizes,
space, seed, versions). Its `identity` part decides whether re-running a command may
resume the folder: the same data, space and Hyperband settings resume; anything else is
refused unless the user asks to overwrite.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from autosent.data.leakage import SplitRule
from autosent.data.spec import DataSpec, ReadOptions
from autosent.errors import UsageError, first_line, whole_number_problem
from autosent.runs import atomic, removal
from autosent.runs.lock import LOCK_FILE, run_lock
from autosent.search.profile import DataProfile
from autosent.search.space import SearchSpace
from autosent.ship import export_folder

# The layout of a run folder; every module that writes into one takes its names from here.
RUN_FILE = "run.json"
VOCABULARY_FILE = "vocabulary.txt"
NGRAM_VOCABULARY_FILE = "ngram_vocabulary.txt"
CHAR_VOCABULARY_FILE = "char_vocabulary.txt"
TRIALS_DIR = "trials"
VAL_PREDICTIONS_DIR = "val_predictions"  # each finished trial's val-split probabilities, for ensembles
TUNER_DIR = "tuner"
TENSORBOARD_DIR = "tb"
EXPORT_DIR = "export"  # `autosent export [best|TRIAL]`
ENSEMBLE_EXPORT_DIR = "export-ensemble"  # `autosent export --ensemble K`: its own, so it never replaces export/
#: A run's own export folders, where `predict` and `report` look for exports.
EXPORT_DIRS = (EXPORT_DIR, ENSEMBLE_EXPORT_DIR)
REPORT_DIR = "report"
REPORT_FILE = "report.md"
#: `autosent report`'s figures in `report/`, by what each shows.
REPORT_FIGURES = {"curves": "learning_curves.png", "progress": "best_so_far.png", "encoders": "val_by_encoder.png"}
#: Everything `report/` may hold: the report, its figures, and the one figure earlier versions drew under another name.
REPORT_ENTRIES = frozenset({REPORT_FILE, *REPORT_FIGURES.values(), "val_accuracy_by_encoder.png"})
#: Everything a run folder may hold. `--overwrite` clears a run only if it holds nothing else
#: (and hidden temp, staging and backup entries of autosent's own interrupted writes).
RUN_ENTRIES = frozenset(
    {RUN_FILE, LOCK_FILE, VOCABULARY_FILE, NGRAM_VOCABULARY_FILE, CHAR_VOCABULARY_FILE, TRIALS_DIR, VAL_PREDICTIONS_DIR, TUNER_DIR, TENSORBOARD_DIR,
     *EXPORT_DIRS, REPORT_DIR}
)
_OWN_HIDDEN = re.compile(
    rf"\..+{re.escape(atomic.TEMP_SUFFIX)}|\.({'|'.join(map(re.escape, EXPORT_DIRS))})\.(previous|staging-\d+)"
)

#: A run name is one folder name: it can never point outside --results.
RUN_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def check_run_name(name: str, flag: str = "--run") -> str:
    """`name` if it is a single, plain folder name; `UsageError`, naming the `flag` that gave it, otherwise."""
    if not RUN_NAME.fullmatch(name) or name in (".", ".."):
        raise UsageError(
            f"{flag} {name!r}: a run name is one folder name of letters, digits, '-', '_' and '.' "
            f"(not '.' or '..'), e.g. {flag} imdb-small"
        )
    return name


def run_folder(results: Path, name: str) -> Path:
    """`results/name`, once `name` is a plain folder name (`check_run_name`) that the file
    system under `results` takes; `UsageError` otherwise."""
    most = name_max(results)
    if len(check_run_name(name)) > most:  # a run name is ASCII: one byte a character
        raise UsageError(
            f"--run {name[:40]}...: {len(name)} characters, more than the {most} the file system "
            f"under {results} allows in a folder name; choose a shorter name"
        )
    return results / name


def name_max(results: Path) -> int:
    """The longest folder name the file system holding `results` (or, before it exists, its nearest
    existing parent) takes: 255 on most, fewer on some (eCryptfs 143), 255 where it does not say."""
    for folder in (results, *results.parents):
        try:
            return os.pathconf(folder, "PC_NAME_MAX")
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            break
    return 255


def versions() -> dict[str, str]:
    """Versions of what shaped the results, for reproducing them."""
    found = {"python": platform.python_version()}
    for package in ("autosent", "tensorflow", "keras", "keras-tuner", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def run_holding(path: Path, exporting: Path) -> Path | None:
    """The run folder that `path` would be inside, other than as one of run `exporting`'s own export folders (`EXPORT_DIRS`).

    Anything else written there is an entry the run does not know: `--overwrite` and a
    re-export would refuse it as not autosent's. Another run's export folder is that run's:
    `report` would describe a model of this run as its own.
    """
    path = Path(os.path.abspath(path))
    for parent in path.parents:
        if (parent / RUN_FILE).is_file():
            own = parent.samefile(exporting) and path in {parent / name for name in EXPORT_DIRS}
            return None if own else parent
    return None


def default_run_name(data: str, space: str, results: Path) -> str:
    """`imdb-default`, `reviews-seed`, ...: the same command always names the same run.

    A name too long for the file system under `results` (a data file with a very long name) is
    cut to fit, with a digest of the whole so that two such files still name two runs.
    """
    data_name = Path(data.removeprefix("tfds:")).stem or "data"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{data_name}-{Path(space).stem}")
    name = name if name.strip(".") else "run"
    most = name_max(results)
    if len(name) <= most:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: most - len(digest) - 1]}-{digest}"


MAX_SEED = 2**32 - 1  # what numpy and TensorFlow accept as a seed
MAX_EPOCHS = 1000  # the most --max-epochs takes


@dataclass(frozen=True)
class RunIdentity:
    """What a run was made from: a command resumes a run folder only if it gives the same identity.

    The data sources as the command gave them, the data's fingerprint, the resolved space,
    how rows were split, the most epochs and the seed. `to_json` leaves out what runs made
    before it had not (val and test sources, the split rule), so their identity compares equal.
    """

    data: str
    fingerprint: str
    space: dict[str, Any]
    max_epochs: int
    seed: int
    val_data: str | None = None
    test_data: str | None = None
    split: SplitRule = field(default_factory=SplitRule)  # runs made before the rule: row by row

    #: keys every identity has had
    REQUIRED = ("data", "fingerprint", "space", "max_epochs", "seed")

    @property
    def sources(self) -> dict[str, str]:
        """The data sources given, by key (`data`, `val_data`, `test_data`)."""
        given = {"data": self.data, "val_data": self.val_data, "test_data": self.test_data}
        return {key: source for key, source in given.items() if source is not None}

    def to_json(self) -> dict[str, Any]:
        split = self.split.to_json()
        return {
            **self.sources, "fingerprint": self.fingerprint, "space": self.space,
            **({"split": split} if split is not None else {}), "max_epochs": self.max_epochs, "seed": self.seed,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunIdentity:
        """The identity `to_json` wrote (`RunRecord.read` checks its keys first); `ValueError` for a damaged
        split rule, seed or epoch count, which would otherwise fail deep inside numpy or Keras."""
        return cls(
            data["data"], data["fingerprint"], data["space"],
            _whole_number("identity.max_epochs", data["max_epochs"], 1, MAX_EPOCHS), _whole_number("identity.seed", data["seed"], 0, MAX_SEED),
            data.get("val_data"), data.get("test_data"), SplitRule.from_json(data.get("split")),
        )  # fmt: skip


def _whole_number(key: str, value: Any, least: int, most: int | None = None) -> int:
    """`value`, a whole number from `least` to `most` as a search records it; `ValueError` naming `key` (as run.json nests it) if it is not."""
    problem = whole_number_problem(value, least, most)
    if problem is not None:
        raise ValueError(f"{key} = {_shown(value)} {problem}")
    return value


@dataclass(frozen=True)
class RunRecord:
    """What `run.json` says: what a run was made from, and how to load its data again.

    `identity` decides whether a command may resume the folder (same data fingerprint,
    space, Hyperband settings and seed); the rest describes the run for export and people.
    """

    run: str
    identity: RunIdentity
    space_file: str
    text_column: str
    label_column: str
    encoding: str
    limit: int | None
    label_names: list[str]
    splits: dict[str, int]
    dropped_empty_texts: int
    profile: DataProfile | None = None  # runs made before it have none
    delimiter: str | None = None  # `--delimiter` of .csv/.tsv data, if given; runs before it had none
    data_paths: dict[str, str] | None = None  # absolute path of each data source that is a path (`run_data`)
    #: the --budget of the run's latest search (it counts across resumes, so `autosent runs` can say
    #: how far a run is); the one field a resume rewrites. Runs before it have none.
    budget: int | None = None
    versions: dict[str, str] = field(default_factory=versions)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    format: int = 1  # of this record; run.json files written before it had none and read as 1

    #: fields the run.json files of earlier versions lack
    OPTIONAL = ("profile", "delimiter", "data_paths", "budget", "versions", "created", "format")

    def space(self) -> SearchSpace:
        """The run's space as its search recorded it, even if its file changed since; `UsageError` if run.json's was edited wrong.

        Checked here, where a command builds on it (export), not in `read`: listing a run needs
        no space, and one of a family registered by a module not imported here is still listed.
        """
        try:
            return SearchSpace.from_dict(Path(self.space_file).stem, self.identity.space)
        except ValueError as e:
            raise UsageError(f"{RUN_FILE} of run {self.run!r} is damaged: {e}; restore it, or start the run again with --overwrite") from None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "identity": self.identity.to_json()}

    def data_spec(self, sources: dict[str, str] | None = None) -> DataSpec:
        """The data settings the run was searched with, reading `sources` (by identity key) if given:
        `run_data` gives the absolute paths it recorded in place of those as the command gave them."""
        sources = {**self.identity.sources, **(sources or {})}
        return DataSpec(
            sources["data"], sources.get("val_data"), sources.get("test_data"),
            ReadOptions(self.text_column, self.label_column, self.encoding, self.delimiter),
            self.limit, self.identity.seed, self.identity.split,
        )  # fmt: skip

    @classmethod
    def read(cls, run_dir: Path) -> RunRecord:
        """The run's record, or `UsageError` naming `run.json` if it is unreadable or incomplete."""
        path = run_dir / RUN_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UsageError(f"{path} is unreadable ({first_line(e)}); restore it, or start the run again with --overwrite") from None
        names = [name for name in cls.__dataclass_fields__ if name not in cls.OPTIONAL]
        missing = [n for n in names if not isinstance(data, dict) or n not in data]
        if not missing and isinstance(data["identity"], dict):
            missing = [f"identity.{k}" for k in RunIdentity.REQUIRED if k not in data["identity"]]
        elif not missing:
            missing = ["identity"]
        if missing:
            raise UsageError(f"{path} is incomplete (no {missing[0]}); restore it, or start the run again with --overwrite")
        version = data.get("format", 1)
        if not isinstance(version, int) or version > cls.format:
            raise UsageError(f"{path} has format {version!r}, newer than this autosent reads; upgrade autosent")
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        try:
            fields["identity"] = RunIdentity.from_json(data["identity"])  # export and resume remake the split by its rule
            if data["limit"] is not None:
                _whole_number("limit", data["limit"], 1)
        except ValueError as e:
            raise UsageError(f"{path} is damaged: {e}; restore it, or start the run again with --overwrite") from None
        try:
            fields["profile"] = DataProfile.from_json(data["profile"]) if data.get("profile") is not None else None
        except (KeyError, TypeError, AttributeError):  # a damaged profile describes the data; nothing depends on it
            fields["profile"] = None
        return cls(**fields)


_ABSENT = object()  # a key one side of a comparison lacks
#: A mismatch names this many differing keys, then how many more, so one line stays readable.
SHOWN_DIFFERENCES = 3
#: A value longer than this (a fingerprint, a long list of choices) is cut, to show where it differs.
SHOWN_VALUE_CHARS = 40


def differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Every (dotted key, old value, new value) where two identities differ, keys in `new`'s order.

    Nested tables are compared key by key (`space.hyperparameters.units.choice`), so a user
    learns which setting changed rather than reading two whole spaces; a side without the key
    has `_ABSENT`.
    """
    found = []
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if isinstance(before, dict) and isinstance(after, dict):
            found += differences(before, after, f"{prefix}{key}.")
        elif before != after:
            found.append((f"{prefix}{key}", before, after))
    return found


def _shown(value: Any) -> str:
    """A value as run.json writes it, cut to `SHOWN_VALUE_CHARS`; `(none)` for a missing one."""
    if value is _ABSENT:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def describe_differences(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], str]:
    """What differs between two identities, for one line: the top-level keys (`space`, `max_epochs`),
    and the first `SHOWN_DIFFERENCES` differences as `key: old → new`, then how many more."""
    found = differences(old, new)
    tops = list(dict.fromkeys(key.split(".")[0] for key, _, _ in found))
    shown = [f"{key}: {_shown(before)} → {_shown(after)}" for key, before, after in found[:SHOWN_DIFFERENCES]]
    more = len(found) - SHOWN_DIFFERENCES
    return tops, _listed(shown + ([f"{more} more"] if more > 0 else []))


def _listed(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def refusal(run_dir: Path, advice: str) -> str | None:
    """Why autosent may not delete what is in `run_dir` (the first entry it did not make, then `advice`), None if it made them all.

    The folders a user opens and adds to (its exports and its report) are looked into too: a
    notebook saved beside the figures is the user's, whatever folder it is in.
    """
    for entry in sorted(run_dir.iterdir()):
        if entry.name not in RUN_ENTRIES and not _OWN_HIDDEN.fullmatch(entry.name):
            return f"run folder {run_dir} holds {entry.name!r}, which autosent did not make; move it out, {advice}"
    for name in EXPORT_DIRS:
        export = run_dir / name
        if export.is_dir() and not export.is_symlink() and any(export.iterdir()):
            reason = export_folder.refusal(export, advice)
            if reason is not None:
                return reason
    report = run_dir / REPORT_DIR
    if report.is_dir() and not report.is_symlink():
        for entry in sorted(report.iterdir()):
            if entry.name not in REPORT_ENTRIES and not _OWN_HIDDEN.fullmatch(entry.name):
                return f"report folder {report} holds {entry.name!r}, which autosent did not make; move it out, {advice}"
    return None


def remove_run(run_dir: Path) -> None:
    """Delete a run folder that `refusal` found all autosent's, its lock held by the caller.

    `run.json` goes last (with the lock file): a deletion cut short leaves a folder that is
    still a run, listed, and deleted again by the same command.
    """
    last = (RUN_FILE, LOCK_FILE)
    for entry in sorted(run_dir.iterdir()):
        if entry.name not in last:
            removal.remove(entry)
    for name in last:
        removal.remove(run_dir / name)
    run_dir.rmdir()


def _check_clearable(run_dir: Path) -> list[Path]:
    """What `--overwrite` deletes in `run_dir`; refuses, naming it, anything autosent did not make."""
    reason = refusal(run_dir, "or use another --run")
    if reason is not None:
        raise UsageError(reason)
    return [e for e in sorted(run_dir.iterdir()) if e.name != LOCK_FILE]


@contextlib.contextmanager
def open_run(results: Path, record: RunRecord, overwrite: bool) -> Iterator[Path]:
    """Create or resume `results/<record.run>` and hold its lock while the caller works in it.

    A run made from a different identity is refused before anything is written, unless
    `overwrite`, which clears it (under the lock) and starts afresh. Only a folder that holds
    a `run.json` is ever cleared, and only if everything in it is autosent's (`removal`).
    """
    if results.exists() and not results.is_dir():
        raise UsageError(f"--results {results} is a file, not a folder")
    run_dir = run_folder(results, record.run)
    if run_dir.is_symlink() or (run_dir.exists() and not run_dir.is_dir()):
        raise UsageError(f"{run_dir} is not a folder autosent made; use another --run")
    made, old = _old_run(run_dir, overwrite, record)
    # The limit too: run.json's, not the fingerprint, is what export reads the rows by again.
    differs = old is not None and (old != record.identity or (made is not None and made.limit != record.limit))
    if differs and not overwrite and made is not None:
        # A space edited by hand is no other run's: `space` raises, naming the damage, rather than
        # let the refusal offer --overwrite, which deletes the run's trials.
        made.space()
        raise UsageError(_another_run(results, made, old, record))
    # A new run may start only in an empty folder or one with the lock or temp files of a run
    # killed before its run.json was written; an overwrite deletes only what autosent made.
    clearable = _check_clearable(run_dir) if run_dir.exists() and (old is None or differs) else []
    stale = clearable if differs else []
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {run_dir}: {e.strerror}; pass --results DIR with a writable folder") from None
    with run_lock(run_dir):
        atomic.remove_stale_temp_files(run_dir)
        for entry in stale:
            removal.remove(entry)
        if old is None or differs:
            atomic.write_json(run_dir / RUN_FILE, record.to_json())
        elif record.budget is not None:
            _record_budget(run_dir, record.budget)
        yield run_dir


#: The flags a resume can match a run's recorded setting with, by the key that records it.
RESUMING_FLAGS = {"limit": "--limit", "seed": "--seed", "max_epochs": "--max-epochs"}


def _another_run(results: Path, made: RunRecord, old: RunIdentity, record: RunRecord) -> str:
    """Why `record` may not resume the run `made` (whose identity, as `record` spells its data, is `old`):
    what differs, and where one flag alone differs, the value that resumes the run.

    Another `--limit`, or another `--seed` under a limit, picks other rows: the data's fingerprint,
    a hash that tells the user nothing, changes for that alone, so the flags are named in its place.
    """
    def limited(limit: int | None) -> dict[str, Any]:
        return {"limit": _ABSENT if limit is None else limit}  # no --limit shows as (none)

    before, after = {**limited(made.limit), **old.to_json()}, {**limited(record.limit), **record.identity.to_json()}
    if made.limit != record.limit or (made.limit is not None and old.seed != record.identity.seed):
        before, after = ({k: v for k, v in side.items() if k != "fingerprint"} for side in (before, after))
    found = [key for key, _, _ in differences(before, after)]
    resume = ""
    if len(found) == 1 and found[0] in RESUMING_FLAGS:
        value = before[found[0]]
        resume = f"resume it {'without ' + RESUMING_FLAGS[found[0]] if value is _ABSENT else f'with {RESUMING_FLAGS[found[0]]} {value}'}, "
    what, shown = describe_differences(before, after)
    return f"run {record.run!r} in {results} differs from this command in its {_listed(what)} ({shown}); {resume}use another --run NAME or pass --overwrite"


def _record_budget(run_dir: Path, budget: int) -> None:
    """Set run.json's `budget` to a resumed search's, leaving every other field as written: a record
    rebuilt from the file would stamp today's versions and date on a run made by an older autosent."""
    path = run_dir / RUN_FILE
    data = json.loads(path.read_text(encoding="utf-8"))  # read once already, by `_old_run`
    if data.get("budget") != budget:
        atomic.write_json(path, {**data, "budget": budget})


def recorded_identity(run_dir: Path) -> RunIdentity | None:
    """The identity of the run already in `run_dir`, None if there is none; `UsageError` if its run.json is unreadable."""
    return RunRecord.read(run_dir).identity if (run_dir / RUN_FILE).exists() else None


#: The identity `--overwrite` reads in an unreadable run.json: one no search has, so the run is replaced.
_UNREADABLE = RunIdentity(data="(run.json unreadable)", fingerprint="", space={}, max_epochs=0, seed=-1)


def _old_run(run_dir: Path, overwrite: bool, new: RunRecord) -> tuple[RunRecord | None, RunIdentity | None]:
    """The run already in `run_dir` and its identity, each of its data sources that is the file
    `new` names by another spelling (`en.csv`, `./en.csv`, its absolute path: run.json's
    `data_paths` holds where each was) spelt as `new` spells it; (None, None) if there is none.

    An unreadable run.json is refused, or, with `overwrite`, read as a different run's (None, `_UNREADABLE`).
    """
    if not (run_dir / RUN_FILE).exists():
        return None, None
    try:
        old = RunRecord.read(run_dir)
    except UsageError:
        if overwrite:
            return None, _UNREADABLE
        raise
    where = old.data_paths or {}
    same_files = {key: new.identity.sources[key] for key, path in (new.data_paths or {}).items() if where.get(key) == path}
    return old, dataclasses.replace(old.identity, **same_files)


def join_run(results: Path, name: str, identity: RunIdentity) -> Path:
    """The run folder a distributed search's chief created, if this worker's data and space match it.

    A data source's path need not be spelt as the chief spelt it (`/mnt/shared/en.csv` on a worker,
    `en.csv` on the chief's machine): where the fingerprints match, the texts are the same.
    """
    run_dir = run_folder(results, name)
    if not (run_dir / RUN_FILE).exists():
        raise UsageError(
            f"no run {name!r} in {results}: the chief creates it; give the chief and every worker "
            "the same --results (a shared folder across machines), --run, --data and --space"
        )
    chief = RunRecord.read(run_dir).identity
    if chief.fingerprint == identity.fingerprint:
        identity = dataclasses.replace(identity, **{key: chief.sources[key] for key in identity.sources if key in chief.sources})
    if chief != identity:
        what, shown = describe_differences(chief.to_json(), identity.to_json())
        raise UsageError(
            f"this worker's {_listed(what)} {'differs' if len(what) == 1 else 'differ'} from the chief's run {name!r} ({shown}); "
            "start the worker with the chief's --data, --space, --max-epochs, --seed and --limit"
        )
    return run_dir


def find_run(results: Path, name: str | None) -> Path:
    """The named run, or the most recently active one when no name is given."""
    if name is not None:
        run_dir = run_folder(results, name)
        if not (run_dir / RUN_FILE).exists():
            raise UsageError(f"no run {name!r} in {results} (runs: {', '.join(list_runs(results)) or 'none'})")
        return run_dir
    runs = [results / r for r in list_runs(results)]
    if not runs:
        raise UsageError(f"no runs in {results}; start one with: autosent search")
    return max(runs, key=lambda r: max(p.stat().st_mtime for p in [r, *r.glob("trials/*.json")]))


def check_real_run(run_dir: Path) -> None:
    """Refuse to write into a run folder that is a symbolic link: what it points to is outside
    --results, where autosent writes nothing (reading through it, as `leaderboard` does, is harmless)."""
    if run_dir.is_symlink():
        raise UsageError(f"{run_dir} is a symbolic link; autosent writes into a run only in a folder of its own, never through a link")


def list_runs(results: Path) -> list[str]:
    if not results.is_dir():
        return []
    return sorted(p.parent.name for p in results.glob(f"*/{RUN_FILE}"))
