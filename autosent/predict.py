"""Using an exported model: load it once, predict raw texts in batches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosent.errors import UsageError
from autosent.export import EXPORT_DIR, METADATA_FILE, MODEL_FILE, predict_texts, recover
from autosent.metrics import class_probabilities, predicted_classes


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float  # of the predicted label
    probabilities: dict[str, float]


def latest_export(results: Path) -> Path:
    """The most recently written export under `results/*/export`."""
    for candidate in results.glob(f"*/{EXPORT_DIR}"):
        recover(candidate)
    exports = [p.parent for p in results.glob(f"*/{EXPORT_DIR}/{METADATA_FILE}")]
    if not exports:
        raise UsageError(f"no exported model under {results}; run `autosent export best` first, or pass --model DIR")
    return max(exports, key=lambda p: (p / METADATA_FILE).stat().st_mtime)


class Predictor:
    """An exported model and its label names, loaded once."""

    def __init__(self, export_dir: Path):
        recover(export_dir)
        if not (export_dir / METADATA_FILE).is_file() or not (export_dir / MODEL_FILE).is_file():
            raise UsageError(f"{export_dir} is not an autosent export (no {METADATA_FILE} and {MODEL_FILE})")
        import keras

        self.export_dir = export_dir
        self.metadata = json.loads((export_dir / METADATA_FILE).read_text(encoding="utf-8"))
        self.label_names: list[str] = self.metadata["label_names"]
        self.model = keras.saving.load_model(export_dir / MODEL_FILE)

    def probabilities(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """(n, K) class probabilities."""
        return class_probabilities(predict_texts(self.model, texts, batch_size))

    def predict(self, texts: list[str], batch_size: int = 256) -> list[Prediction]:
        p = self.probabilities(texts, batch_size)
        chosen = predicted_classes(p) if len(p) else []
        return [
            Prediction(text, self.label_names[k], float(row[k]), dict(zip(self.label_names, map(float, row))))
            for text, k, row in zip(texts, chosen, p)
        ]
