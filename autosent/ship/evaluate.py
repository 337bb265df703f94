"""`autosent evaluate`: an exported model scored on any labelled data, as a user would check it.

Beyond the export's own test metrics: calibration (does a 0.9 mean right 9 times in 10?),
shown as the expected calibration error and a reliability diagram, and the texts the model
was most confidently wrong about, which say more about its failure modes than a number does.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autosent.errors import UsageError
from autosent.models.outputs import predicted_classes
from autosent.runs import atomic
from autosent.ship.held_out import ScoredRows
from autosent.ship.metrics import Metrics, classification_metrics
from autosent.views.markdown import table

#: Equal-width confidence bins of the calibration error and the reliability diagram.
CALIBRATION_BINS = 10
#: How many of the most confidently wrong texts the evaluation lists.
WORST = 10


@dataclass(frozen=True)
class CalibrationBin:
    """Texts whose top probability fell in [low, high): how sure the model was, how often right."""

    low: float
    high: float
    count: int
    confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Mistake:
    text: str
    label: str
    predicted: str
    probability: float  # of the predicted label


@dataclass(frozen=True)
class Evaluation:
    rows: ScoredRows  # which rows were scored: a figure means little without it
    metrics: Metrics
    expected_calibration_error: float
    calibration: list[CalibrationBin]
    mistakes: list[Mistake]  # the most confidently wrong first

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows.to_json(),
            "metrics": {**self.metrics.to_json(), "expected_calibration_error": self.expected_calibration_error},
            "calibration": [vars(b) for b in self.calibration],
            "most_confidently_wrong": [vars(m) for m in self.mistakes],
        }


def calibration_bins(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """The reliability table: per confidence bin, mean confidence and accuracy (None when empty)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)  # 1.0 falls in the last bin
    table = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        confident, right = (float(confidence[inside].mean()), float(correct[inside].mean())) if n else (None, None)
        table.append(CalibrationBin(float(edges[b]), float(edges[b + 1]), n, confident, right))
    return table


def expected_calibration_error(table: list[CalibrationBin]) -> float:
    """The bins' |accuracy - confidence|, weighted by their share of the texts."""
    total = sum(b.count for b in table)
    return float(sum(b.count / total * abs(b.accuracy - b.confidence) for b in table if b.count))


def evaluate(probabilities: np.ndarray, rows: ScoredRows, label_names: list[str]) -> Evaluation:
    """Score (n, K) class probabilities against the labels of the rows scored."""
    labelled = rows.labelled
    predicted = predicted_classes(probabilities)
    confidence = probabilities[np.arange(len(predicted)), predicted]
    correct = predicted == labelled.labels
    table = calibration_bins(confidence, correct)
    metrics = classification_metrics(labelled.labels, probabilities, label_names)
    wrong = np.flatnonzero(~correct)
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:WORST]
    mistakes = [
        Mistake(labelled.texts[i], label_names[labelled.labels[i]], label_names[predicted[i]], float(confidence[i])) for i in worst
    ]
    return Evaluation(rows, metrics, expected_calibration_error(table), table, mistakes)


def check_figure_path(path: Path) -> None:
    """Refuse, before any work, a figure path that would overwrite a file, has no folder, or a folder autosent cannot write in."""
    if path.suffix.lower() != ".png":
        raise UsageError(f"--figure {path}: the reliability diagram is a PNG; give a path ending in .png")
    if path.exists() or path.is_symlink():
        raise UsageError(f"--figure {path} exists; autosent does not overwrite it: give a new path")
    if not path.parent.is_dir():
        raise UsageError(f"--figure {path}: no folder {path.parent}")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(f"--figure {path}: cannot write in {path.parent} (read-only or no permission); give a path in a writable folder")


def reliability_figure(table: list[CalibrationBin], ece: float):
    """The reliability diagram: accuracy against confidence per bin, each bar with its count of texts.

    The counts say which bars to believe: a bin of 3 texts far off the diagonal is noise,
    one of 300 is the model.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display
    import matplotlib.pyplot as plt

    filled = [b for b in table if b.count]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    bars = ax.bar([b.low for b in filled], [b.accuracy for b in filled], width=[b.high - b.low for b in filled], align="edge",
                  edgecolor="black", alpha=0.7, label="accuracy in bin")  # fmt: skip
    ax.bar_label(bars, labels=[f"{b.count:,}" for b in filled], fontsize=7, padding=2)
    ax.set(xlabel="confidence (top probability); number of texts on each bar", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1.1),
           title=f"Reliability (ECE {ece:.3f})")  # fmt: skip
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def reliability_diagram(table: list[CalibrationBin], ece: float, path: Path) -> None:
    """The reliability diagram as a PNG (`reliability_figure`)."""
    import matplotlib.pyplot as plt

    fig = reliability_figure(table, ece)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    atomic.write_bytes(path, buffer.getvalue())


def render(result: Evaluation, model: Path, source: str) -> str:
    """The evaluation as text for a terminal: headline numbers, then the tables behind them."""
    m = result.metrics
    names = [c.label for c in m.per_class]
    auc = f" · ROC-AUC {m.roc_auc:.4f}" if m.roc_auc is not None else ""
    absent = m.absent_classes
    present = len(names) - len(absent)
    over = f" (over the {present} class{'' if present == 1 else 'es'} present)" if absent else ""
    lines = [
        f"{model} on {source} ({result.rows.describe()}): {m.n:,} texts",
        (f"accuracy {m.accuracy:.4f} · macro-F1 {m.macro_f1:.4f}{over}{auc} · "
         f"expected calibration error {result.expected_calibration_error:.4f}"),
        *([(f"note: class {', '.join(absent)} {'is' if len(absent) == 1 else 'are'} absent from this data: its recall and "
             "F1 are not measured (–), and not in the macro-F1")] if absent else []),
        "",
        table(["class", "precision", "recall", "F1", "support"],
              [[c.label, c.precision, c.recall, c.f1, c.support] for c in m.per_class]),
        "",
        "confusion matrix (rows: true class, columns: predicted)",
        table(["", *names], [[n, *row] for n, row in zip(names, m.confusion_matrix)]),
        "",
        "reliability (texts by the model's top probability)",
        table(["confidence", "texts", "mean confidence", "accuracy"],
              [[f"{b.low:.1f}-{b.high:.1f}", b.count, b.confidence, b.accuracy] for b in result.calibration if b.count]),
        "",
        *_mistakes(result.mistakes),
    ]
    return "\n".join(lines)


def _mistakes(mistakes: list[Mistake]) -> list[str]:
    """The most confidently wrong texts, as a table; one line where the model got every text right."""
    if not mistakes:
        return ["no text was labelled wrong"]
    rows = [[x.probability, x.label, x.predicted, _excerpt(x.text)] for x in mistakes]
    return [f"the {len(mistakes)} most confidently wrong", table(["probability", "label", "predicted", "text"], rows)]


def _excerpt(text: str, width: int = 100) -> str:
    flat = " ".join(text.split()).replace("|", "/")  # one table row
    return flat if len(flat) <= width else flat[: width - 1] + "…"
