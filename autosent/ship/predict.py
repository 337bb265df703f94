"""Using an exported model: load it once, predict raw texts in batches."""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosent.errors import UsageError, first_line
from autosent.models.outputs import class_probabilities, predicted_classes
from autosent.runs.rundir import EXPORT_DIRS
from autosent.ship import export_folder
from autosent.ship.explain import Explainer, Explanation
from autosent.ship.export_folder import METADATA_FILE, MODEL_FILE
from autosent.ship.export_metadata import ExportMetadata, read_metadata
from autosent.ship.inference import predict_in_batches
from autosent.text.standardize import recorded_standardize


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float  # of the predicted label
    probabilities: dict[str, float]
    explanation: Explanation | None = None  # with `explain`: what pushed the label

    def to_json(self) -> dict:
        shown = {"text": self.text, "label": self.label, "probability": self.probability, "probabilities": self.probabilities}
        return shown if self.explanation is None else {**shown, "explanation": self.explanation.to_json()}


def latest_export(results: Path) -> Path:
    """The most recently written export in a run's export folders (`results/*/export`, `results/*/export-ensemble`)."""
    folders = [folder for name in EXPORT_DIRS for folder in results.glob(f"*/{name}")]
    for candidate in folders:
        export_folder.recover(candidate)
    exports = [folder for folder in folders if (folder / METADATA_FILE).is_file()]
    if not exports:
        raise UsageError(f"no exported model under {results}; run `autosent export best` first, or pass --model DIR")
    return max(exports, key=lambda p: (p / METADATA_FILE).stat().st_mtime)


def export_metadata(export_dir: Path) -> ExportMetadata:
    """The metadata of the export in `export_dir` (read without TensorFlow), or `UsageError`."""
    export_folder.recover(export_dir)
    if not export_folder.is_export(export_dir):
        raise UsageError(f"{export_dir} is not an autosent export (no {METADATA_FILE} and {MODEL_FILE})")
    return read_metadata(export_dir)


class Predictor:
    """An exported model and its label names, loaded once."""

    def __init__(self, export_dir: Path):
        self.export_dir = export_dir
        self.metadata = export_metadata(export_dir)
        self.label_names: list[str] = self.metadata.label_names
        self.standardize: str = recorded_standardize(self.metadata.vectorizer)
        self.model = _load_model(export_dir / MODEL_FILE)
        outputs = self.model.outputs[0].shape[-1]
        if outputs != (1 if len(self.label_names) == 2 else len(self.label_names)):
            raise UsageError(
                f"{export_dir}: the model has {outputs} output(s) for {len(self.label_names)} labels in {METADATA_FILE}; "
                "the two files are from different exports"
            )

    @functools.cached_property
    def _explainer(self) -> Explainer:
        """Made on the first --explain, then kept with the model."""
        return Explainer(self.model, self.standardize)

    def probabilities(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """(n, K) class probabilities."""
        if not texts:
            return np.zeros((0, len(self.label_names)))
        return class_probabilities(predict_in_batches(self.model, texts, batch_size))

    def predict(self, texts: list[str], batch_size: int = 256, explain_top: int | None = None) -> list[Prediction]:
        """Labels of `texts`; with `explain_top`, each with the terms that pushed hardest for and against it."""
        p = self.probabilities(texts, batch_size)
        chosen = predicted_classes(p) if len(p) else []
        explanations = self._explainer.explain(texts, p, explain_top) if explain_top and len(p) else [None] * len(texts)
        return [
            Prediction(text, self.label_names[k], float(row[k]), dict(zip(self.label_names, map(float, row))), why)
            for text, k, row, why in zip(texts, chosen, p, explanations)
        ]


def _load_model(path: Path):
    """The exported Keras model. Keras' safe mode stays on: a model with code in it (a Lambda
    layer) is refused, like any file Keras cannot read, with one line naming it.

    A file that is not a zip archive gets its own reason: Keras calls it "File not found".
    """
    import keras

    import autosent.models.layers  # noqa: F401 (registers the n-gram layers an export may hold)

    if not zipfile.is_zipfile(path):
        raise UsageError(f"{path} exists but is not a Keras model (not a .keras zip archive); export the model again")
    try:
        return keras.saving.load_model(path)
    except Exception as e:  # noqa: BLE001 (any file can be handed to us; Keras raises many types)
        reason = first_line(e).split(". ")[0]  # Keras' first sentence: the rest is advice for developers
        raise UsageError(f"{path} exists but cannot be loaded as a Keras model ({reason}); export the model again") from None


def text_lines(data: bytes) -> list[str]:
    """The texts of a file or stdin to label, one a line, blank ones kept so that output line k labels
    input line k. The lines as `wc -l`, `head` and `paste` count them: split at newlines only (not at the
    other breaks `str.splitlines` knows, which a text may hold), a CRLF file's CR dropped, the
    newline that ends the last line not read as one more line; bytes that are not UTF-8 become U+FFFD."""
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]
