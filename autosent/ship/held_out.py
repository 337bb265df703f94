"""Which rows `autosent evaluate` scores: by default, none that the export trained or was chosen on.

Scored on the rows it trained on, a model reports how well it remembers, not how well it
generalises, and the whole file's accuracy is then far above the test split's.
So evaluate leaves out every row whose text was in the export's train or val split, says how
many on stderr, and scores them only when `--split all` asks for every row in so many words.
Leaving them out, rather than refusing, gives the figure the user came for on any file (on
the training file itself, exactly the export's test split) without a second command.

Rows are matched by text key (`data.leakage`: the words of the export's standardisation),
not by file or fingerprint: the same review in another file, or the training file with its
rows reordered or relabelled, is still a text the model saw. The train and val texts come
from the export's run folder, whose data is read again as export reads it; for an export
moved away from its run, from `--data` itself when splitting it reproduces the export's
data fingerprint. Where neither is at hand, every row is scored and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autosent.data import (
    GROUPED,
    Dataset,
    Split,
    holds_a_test_split,
    load_labelled,
)
from autosent.data.spec import DataSpec, ReadOptions
from autosent.errors import UsageError
from autosent.runs.run_data import load_run_data
from autosent.runs.rundir import RUN_FILE, RunRecord, run_folder
from autosent.ship.export_metadata import ExportMetadata


@dataclass(frozen=True)
class ScoredRows:
    """The rows an evaluation scores, and what they are of the data given.

    `split` is `test` or `all`; `total` counts its rows, `seen` those of them in the export's
    train or val split (None: no training data to compare with), which are left out unless
    `every_row` (an explicit `--split all`).
    """

    labelled: Split
    split: str
    total: int
    seen: int | None
    every_row: bool
    note: str | None  # one line for stderr, where what was scored is not what the user may think

    def describe(self) -> str:
        """Which rows these are, for the headline: "its test split", "every row but the 2,399 in ..."."""
        rows = "its test split" if self.split == "test" else "every row"
        if self.seen is None:
            return rows if self.every_row else f"{rows}, not checked for the export's training rows"
        if not self.seen:
            return rows
        if self.every_row:
            return f"{rows}, {self.seen:,} of them in the export's train/val split"
        return f"{rows} but the {self.seen:,} in the export's train/val split"

    def to_json(self) -> dict[str, Any]:
        left_out = 0 if self.every_row or self.seen is None else self.seen
        return {"split": self.split, "rows": self.total, "in_train_or_val": self.seen, "left_out": left_out, "scored": len(self.labelled)}


def rows_to_score(
    source: str, split: str | None, export_dir: Path, metadata: ExportMetadata, results: Path, read: ReadOptions
) -> ScoredRows:
    """The labelled rows of `source` to score the export in `export_dir` on (`metadata`: its metadata.json).

    `split` is `--split` as given: None takes the test split of a source that has one and
    every row of any other, `all` (only when given) keeps the rows the export saw. Refuses
    data whose every row the export saw: nothing would be left to score.
    """
    rule = metadata.split
    every_row = split == "all"
    split = split or ("test" if holds_a_test_split(source) else "all")
    labelled = load_labelled(source, tuple(metadata.label_names), split=split, rule=rule, **asdict(read))
    training, why_not = training_data(export_dir, metadata, results, source, read)
    if training is None:
        note = None if every_row else f"evaluate: {why_not}, so rows it trained on cannot be left out: every row is scored"
        return ScoredRows(labelled, split, len(labelled), None, every_row, note)
    same_text = rule.same_text() or GROUPED.same_text()  # a run made before the split rule: Unicode-aware words
    seen = in_training(labelled.texts, [*training.train.texts, *training.val.texts], same_text)
    count, total = int(seen.sum()), len(labelled)
    if every_row or not count:
        return ScoredRows(labelled, split, total, count, every_row, None)
    rows = f"{total:,} rows of its test split" if split == "test" else f"{total:,} rows"
    if count == total:
        raise UsageError(
            f"{source}: all {rows} were in the export's train/val split, so none is left to test it on; "
            "give data it did not train on, or --split all to score them anyway"
        )
    note = f"evaluate: {count:,} of {rows} were in the export's train/val split and are left out; --split all scores every row, these too"
    return ScoredRows(labelled.take(np.flatnonzero(~seen)), split, total, count, every_row, note)


def in_training(texts: Sequence[str], training: Sequence[str], same_text: Callable[[str], str]) -> np.ndarray:
    """Which of `texts` are, to the model, one of the `training` texts: the same words (`same_text`),
    or, for a text without words (`!!!`), whose words are those of every other such text, the same characters."""

    def key(text: str) -> str | tuple[str, str]:
        return same_text(text) or ("", text)

    known = {key(t) for t in training}
    return np.array([key(t) in known for t in texts], dtype=bool)


def training_data(
    export_dir: Path, metadata: ExportMetadata, results: Path, source: str, read: ReadOptions
) -> tuple[Dataset | None, str]:
    """The data the export's run was searched on, split as it was; else None and why it is not at hand.

    First the export's run folder (the one it sits in, or `results/<run>`), whose data export
    itself reads again; then `source`, if splitting it by the export's rule gives the export's
    fingerprint (a moved export evaluated on its own training file).
    """
    fingerprint, run = metadata.data_fingerprint, metadata.run
    why = f"this export's run {run!r} is neither the folder the export is in nor under {results}"
    for run_dir in _run_folders(export_dir, results, run):
        try:
            record = RunRecord.read(run_dir)
            if record.identity.fingerprint != fingerprint:
                why = f"run {run_dir} was searched again on other data since this export"
                continue
            return load_run_data(run_dir, record), ""
        except UsageError as e:  # its data moved or changed, or run.json is damaged: try the next source
            why = str(e)
    try:
        given = DataSpec(source, read=read, rule=metadata.split).load()
    except UsageError:  # it cannot even be split as a search would: not the export's training data
        given = None
    if given is not None and given.fingerprint() == fingerprint:
        return given, ""
    return None, f"{why}, and {source} is not its training data"


def _run_folders(export_dir: Path, results: Path, run: str | None) -> list[Path]:
    """Where the export's run may be: the folder it was exported into, then `results/<run>`."""
    beside = export_dir.resolve().parent  # `--model .` from inside the export has its run folder one level up
    folders = [beside] if (beside / RUN_FILE).is_file() else []
    if isinstance(run, str):
        try:
            named = run_folder(results, run)
        except UsageError:  # not a run name autosent makes: no such folder
            named = None
        if named is not None and (named / RUN_FILE).is_file() and named.resolve() not in {f.resolve() for f in folders}:
            folders.append(named)
    return folders

