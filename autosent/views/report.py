"""`autosent report`: figures and a markdown report of a run, from its records alone.

Everything here reads what a search and an export wrote (trial records, the export's
metadata), so a report can be made at any time, even while a search runs, and never
needs TensorFlow. Figures are PNGs drawn with matplotlib's non-interactive backend.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autosent.errors import UsageError
from autosent.models.objective import CROSS_ENTROPY, OBJECTIVE
from autosent.runs import atomic
from autosent.runs.records import TrialRecord, rank, read_records
from autosent.runs.rundir import EXPORT_DIR, EXPORT_DIRS, REPORT_DIR, REPORT_FILE, check_real_run
from autosent.runs.rundir import REPORT_FIGURES as FIGURES
from autosent.ship.export_folder import METADATA_FILE
from autosent.ship.export_metadata import ExportMetadata, read_metadata
from autosent.views import leaderboard
from autosent.views.markdown import cell
from autosent.views.markdown import table as markdown_table

#: The least a figure's y axis spans, of cross-entropy or of accuracy: values 0.001 apart are the
#: same, and must look the same, not fill the panel as if they differed.
MIN_SPAN = 0.1


@dataclass(frozen=True)
class Report:
    folder: Path
    figures: list[Path]
    markdown: Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, works on a headless server
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: Path) -> None:
    """Save atomically, like every other file under results/: a killed report leaves no half PNG."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    atomic.write_bytes(path, buffer.getvalue())


def _plot_curve(ax, history: list[dict[str, float]], title: str, best_epoch: int | None, trained_on: str) -> None:
    """One panel: the cross-entropy on what the model trained on (`trained_on`), and on val where it read val."""
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h.get(CROSS_ENTROPY) for h in history], "o-", label=trained_on)
    if any(OBJECTIVE in h for h in history):
        ax.plot(epochs, [h.get(OBJECTIVE) for h in history], "o-", label="val")
    if best_epoch is not None:
        ax.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch {best_epoch}")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("epoch")
    # Half an epoch of margin: with one epoch the default view is 0.945-1.055, where no two
    # whole numbers fit and the locator falls back to fractions; min_n_ticks=1 lets it keep one.
    ax.set_xlim(min(epochs, default=1) - 0.5, max(epochs, default=1) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.legend(fontsize=7)


def _span(values: list[float]) -> tuple[float, float]:
    """A y range that holds `values` with a margin, at least MIN_SPAN tall, never below 0 (no cross-entropy or accuracy is)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    span = max(high - low, MIN_SPAN) * 1.1  # and a margin of 5 % each side
    bottom = max((low + high - span) / 2, 0.0)
    return bottom, max((low + high + span) / 2, bottom + span)


def curves_figure(ranked: list[TrialRecord], export: ExportMetadata | None, top: int):
    """The learning-curves figure: train vs val cross-entropy per epoch, best trials and the exported retrain."""
    plt = _pyplot()
    panels: list[tuple[list[dict[str, float]], str, int | None, str]] = [
        (r.history, f"trial {r.trial_id} ({r.hyperparameters.get('encoder')}), #{i}", r.best_epoch, "train")
        for i, r in enumerate(ranked[:top], start=1)
    ]
    if export and export.retrain_history:
        trained_on = "train + val" if export.full else "train"
        panels.append((export.retrain_history, f"export: trial {export.trial_id} retrained", export.epochs, trained_on))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False, sharey=True)
    for ax, panel in zip(axes[0], panels):
        _plot_curve(ax, *panel)
    curves = [h.get(k, math.nan) for history, *_ in panels for h in history for k in (CROSS_ENTROPY, OBJECTIVE)]
    axes[0][0].set_ylim(*_span(curves))  # one scale for all (sharey): their heights compare
    axes[0][0].set_ylabel("cross-entropy (no L2 penalty)")
    return fig


def learning_curves(ranked: list[TrialRecord], export: ExportMetadata | None, path: Path, top: int) -> None:
    """Train vs val loss per epoch for the best trials and the exported retrain."""
    _save(_pyplot(), curves_figure(ranked, export, top), path)


def _minutes_since_start(records: list[TrialRecord]) -> list[float]:
    """When each trial finished, in minutes after the first trial started."""
    ends = [datetime.fromisoformat(r.finished_at).timestamp() for r in records]
    start = min(end - r.seconds for end, r in zip(ends, records))
    return [(end - start) / 60 for end in ends]


def best_so_far(records: list[TrialRecord], path: Path) -> None:
    """The lowest val cross-entropy found so far, against trials run and against wall time."""
    plt = _pyplot()
    finished = [r for r in records if r.finished and r.finished_at]
    finished.sort(key=lambda r: r.finished_at)
    best, running = [], float("inf")
    for r in finished:
        running = min(running, r.val_cross_entropy)
        best.append(running)
    fig, (by_trial, by_time) = plt.subplots(1, 2, figsize=(9, 3.2))
    by_trial.step(range(1, len(best) + 1), best, where="post")
    by_trial.set_xlabel("trials finished")
    by_trial.set_ylabel("best val cross-entropy so far")
    by_time.step(_minutes_since_start(finished) if finished else [], best, where="post")
    by_time.set_xlabel("minutes since the search started")
    _save(plt, fig, path)


@dataclass(frozen=True)
class EncoderScores:
    """One encoder's configurations as the ranking sees them: each by its best trial.

    A Hyperband continuation trains the same configuration on, so it is the same point
    counted again; a configuration is shown once, at its lowest val cross-entropy.
    """

    encoder: str
    val_cross_entropy: list[float]  # one per configuration, lowest first
    val_accuracy: list[float | None]  # of the same trials: at their lowest-val-cross-entropy epoch
    best_rank: int  # the leaderboard position of its best trial (1 = the best of the run)


def _configuration(record: TrialRecord, by_id: dict[str, TrialRecord]) -> str:
    """The trial that started `record`'s configuration: Hyperband continues a trial under a new id."""
    seen = {record.trial_id}
    while record.parent_id is not None and (parent := by_id.get(record.parent_id)) is not None and parent.trial_id not in seen:
        record = parent
        seen.add(record.trial_id)
    return record.trial_id


def encoder_scores(records: list[TrialRecord]) -> list[EncoderScores]:
    """Per encoder, its configurations' val scores, the encoder of the run's best trial first.

    Encoders come in the order of their best trial on the leaderboard (val cross-entropy), so
    the figure ranks them as the search does, not by an accuracy it never chose by.
    """
    by_id = {r.trial_id: r for r in records}
    ranked = [r for r in rank(records) if r.finished]
    best: dict[str, TrialRecord] = {}  # configuration -> its best trial (ranked comes best first)
    for r in ranked:
        best.setdefault(_configuration(r, by_id), r)
    position = {r.trial_id: i for i, r in enumerate(ranked, start=1)}
    groups: dict[str, list[TrialRecord]] = {}
    for r in sorted(best.values(), key=lambda r: position[r.trial_id]):
        groups.setdefault(str(r.encoder), []).append(r)
    return [
        EncoderScores(name, [r.val_cross_entropy for r in group], [r.val_accuracy for r in group], position[group[0].trial_id])
        for name, group in groups.items()
    ]


def encoders_figure(records: list[TrialRecord]):
    """Val cross-entropy (what trials are ranked by) and val accuracy of each configuration, by encoder."""
    plt = _pyplot()
    scores = encoder_scores(records)
    fig, (by_ce, by_accuracy) = plt.subplots(1, 2, figsize=(8, 3.4))
    columns = {
        by_ce: [s.val_cross_entropy for s in scores],
        by_accuracy: [[a for a in s.val_accuracy if a is not None] for s in scores],
    }
    labels = [f"{s.encoder}\n{len(s.val_cross_entropy)} config{'' if len(s.val_cross_entropy) == 1 else 's'}\nbest #{s.best_rank}" for s in scores]
    for ax, values in columns.items():
        for i, column in enumerate(values, start=1):
            if column:
                ax.boxplot([column], positions=[i], showfliers=False, widths=0.5)
                ax.plot([i] * len(column), column, "o", alpha=0.6)
        ax.set_xticks(range(1, len(scores) + 1), labels, fontsize=8)
        ax.set_xlim(0.5, len(scores) + 0.5)
        ax.set_ylim(*_span([v for column in values for v in column]))
        ax.ticklabel_format(axis="y", useOffset=False)
    by_ce.set(ylabel="val cross-entropy (lower is better)", title="what the leaderboard ranks by")
    by_accuracy.set(ylabel="val accuracy", title="accuracy at the lowest-val-CE epoch")
    for ax in columns:
        ax.title.set_fontsize(9)
    return fig


def by_encoder(records: list[TrialRecord], path: Path) -> None:
    """The encoders figure (`encoders_figure`) as a PNG."""
    _save(_pyplot(), encoders_figure(records), path)


def _epochs_run(record: TrialRecord) -> str:
    """Epochs as "3–5" for a Hyperband continuation that resumed its parent at epoch 3: a count hides that."""
    if not record.history:
        return "–"
    first, last = record.history[0]["epoch"], record.history[-1]["epoch"]
    return f"{first}–{last}" if first != last else f"{first}"


def _exported_line(export: ExportMetadata) -> str:
    """report.md's line on an export: what was retrained for how many epochs (each member's, for an ensemble), its test result,
    on what texts it trained, and the rule that chose its trial (a trial below the leaderboard's first reads as a mistake without it)."""
    test = export.test_metrics
    line = f"Exported: {export.described(retrained=True)}; test accuracy {cell(test.accuracy, '.4f')}, ROC-AUC {cell(test.roc_auc, '.4f')}."
    retraining = export.retraining()  # exports made before autosent recorded why have none, nor a rule
    said = [line] + ([] if retraining is None else [retraining.sentence()]) + ([] if export.selection is None else [export.selection.sentence()])
    return " ".join(said)


def markdown(run_name: str, records: list[TrialRecord], exports: list[ExportMetadata], top: int) -> str:
    """report.md: the figures, the leaderboard and the overfitting table."""
    board = leaderboard.markdown(records, top)
    overfitting = markdown_table(
        ["trial", "best epoch", "epochs run", "val cross-entropy rise after its minimum", "overfit"],
        [
            [r.trial_id, r.best_epoch, _epochs_run(r), cell(r.val_cross_entropy_rise, ".4f"), r.overfit]
            for r in sorted(records, key=lambda r: int(r.trial_id))
            if r.finished
        ],
    )
    failed = [r for r in records if r.failed]
    parts = [
        f"# autosent report: run {run_name}",
        f"{len(records)} trial(s), {sum(r.finished for r in records)} finished, {len(failed)} failed.",
    ]
    parts += [_exported_line(export) for export in exports]
    parts += [
        "## Learning curves", f"![learning curves]({FIGURES['curves']})",
        "## Search progress", f"![best val cross-entropy so far]({FIGURES['progress']})",
        "## Encoders",
        ("Each configuration once (Hyperband continuations are not counted again), at its lowest val cross-entropy; "
         "encoders in the order of their best trial on the leaderboard."),
        f"![val cross-entropy and accuracy by encoder]({FIGURES['encoders']})",
        f"## Leaderboard (top {top})", board,
        "## Overfitting", "A val cross-entropy that rose after its minimum while the training one kept falling marks overfitting.",
        overfitting,
    ]  # fmt: skip
    if failed:
        parts += ["## Failed trials", markdown_table(["trial", "reason"], [[r.trial_id, r.message] for r in failed])]
    return "\n\n".join(parts) + "\n"


#: What a report reads of an export: refused in one line, before anything is written, if it is damaged.
REPORTED = frozenset({"trial_id", "epochs", "test_metrics", "retrain_history", "ensemble"})


def _exported(export_dir: Path) -> ExportMetadata | None:
    """The metadata of the run's export as the report reads it, None if there is no export."""
    if not (export_dir / METADATA_FILE).exists():
        return None
    return read_metadata(export_dir, needs=REPORTED)


def make_report(run_dir: Path, top: int = 3) -> Report:
    """Write `run_dir/report/`: three PNG figures and report.md."""
    check_real_run(run_dir)
    records = read_records(run_dir)
    ranked = [r for r in rank(records) if r.finished]
    if not ranked:
        raise UsageError(f"run {run_dir.name!r} has no finished trial to report on yet")
    exports = {name: _exported(run_dir / name) for name in EXPORT_DIRS}
    folder = run_dir / REPORT_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(
            f"{folder} is not a folder autosent made ({'a symbolic link' if folder.is_symlink() else 'a file'}); "
            "autosent writes a report only into a folder of its own, never through a link: move it away"
        )
    folder.mkdir(exist_ok=True)
    figures = {name: folder / file for name, file in FIGURES.items()}
    learning_curves(ranked, exports[EXPORT_DIR], figures["curves"], top)
    best_so_far(records, figures["progress"])
    by_encoder(records, figures["encoders"])
    report_md = folder / REPORT_FILE
    atomic.write_text(report_md, markdown(run_dir.name, records, [e for e in exports.values() if e], max(top, 10)))
    return Report(folder, list(figures.values()), report_md)
