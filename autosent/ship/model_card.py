"""MODEL_CARD.md: what an exported model was trained on, how it was chosen, how it scored."""

from __future__ import annotations

from typing import Any

from autosent.data.leakage import SplitRule
from autosent.models.encoders.registry import family
from autosent.models.objective import CROSS_ENTROPY, OBJECTIVE
from autosent.runs.records import TrialRecord
from autosent.search.profile import DataProfile
from autosent.ship.export_folder import MODEL_FILE, SAVED_MODEL_DIR
from autosent.ship.export_metadata import Ensemble, ExportMetadata
from autosent.ship.metrics import Metrics
from autosent.ship.selection import Selection
from autosent.text.inputs import CHARS, NGRAMS, WORDS
from autosent.text.standardize import SPLIT, STRIP, UNICODE, recorded_standardize
from autosent.views import leaderboard
from autosent.views.markdown import cell
from autosent.views.markdown import table as markdown_table


def render(metadata: ExportMetadata, records: list[TrialRecord]) -> str:
    """The card as Markdown, from the export's metadata and the run's trial records."""
    test = metadata.test_metrics
    splits = metadata.splits
    curve = metadata.retrain_history
    lines = [
        f"# autosent model: run `{metadata.run}`, trial {metadata.trial_id}",
        "",
        "## Training data",
        f"- Source: `{metadata.data}` (fingerprint `{metadata.data_fingerprint[:16]}…`)",
        f"- Splits: {splits['train']:,} train / {splits['val']:,} val / {splits['test']:,} test" + _split(metadata.split),
        *_retraining(metadata),
        f"- Classes: {', '.join(metadata.label_names)}",
        *_profile(metadata.profile),
        "",
        "## How it was chosen",
        f"A keras-tuner Hyperband search of {len(records)} trials over the space `{metadata.space_name}`, "
        "ranked by validation cross-entropy without the L2 term (not Keras' val_loss, which adds it). "
        + _selection(metadata.selection)
        + (
            "Each member below was retrained from scratch for the epochs at which its validation cross-entropy was lowest"
            if metadata.ensemble is not None
            else f"The chosen trial was retrained from scratch for the {metadata.epochs} epoch(s) at which its "
            "validation cross-entropy was lowest"
        )
        + ", so what ships is the best epoch, not an overfit last one.",
        "",
        "Top 5 trials of the search:",
        "",
        leaderboard.markdown(records, top=5),
        "",
        *_ensemble(metadata.ensemble),
        "Hyperparameters of the exported model" + (" (its best-ranked member)" if metadata.ensemble is not None else "") + ":",
        "",
        markdown_table(["name", "value"], [[k, _value(v)] for k, v in metadata.hyperparameters.items()]),
        "",
        "## Test metrics",
        f"On {test.n:,} test texts that no search step saw:",
        "",
        _test_table(test),
        "",
        "Confusion matrix (rows: true class, columns: predicted):",
        "",
        markdown_table(["", *metadata.label_names], [[name, *row] for name, row in zip(metadata.label_names, test.confusion_matrix)]),
        "",
        "## Learning curve of the retrain",
        "",
        _curve(curve, with_val=not metadata.full),
        "",
        *usage(metadata.label_names),
        "## Known limits",
        _reads(metadata.hyperparameters.get("encoder"), metadata.vectorizer),
        ("- Trained from scratch on the data above: expect lower accuracy on other domains, languages "
         "or much shorter texts (tweets, titles)."),
        "- Probabilities are not calibrated beyond what the training loss gives.",
        "",
    ]
    return "\n".join(lines)


def _value(value: Any) -> Any:
    """A hyperparameter as the table shows it: a float to 3 significant digits, so an l2 of 1.24e-06 is not 0.0000."""
    return cell(value, ".3g") if isinstance(value, float) else value


def _test_table(test: Metrics) -> str:
    """The test metrics; with two classes, precision, recall and F1 of the second, named (`metrics.Metrics.positive`)."""
    positive = test.positive
    if positive is None:
        return markdown_table(["accuracy", "macro-F1", "loss", "ROC-AUC (mean over classes)"],
                              [[test.accuracy, test.macro_f1, test.loss, test.roc_auc]])  # fmt: skip
    return markdown_table(
        ["accuracy", "macro-F1", "loss", f"precision ({positive.label})", f"recall ({positive.label})", f"F1 ({positive.label})", "ROC-AUC"],
        [[test.accuracy, test.macro_f1, test.loss, positive.precision, positive.recall, positive.f1, test.roc_auc]],
    )


def usage(label_names: list[str]) -> list[str]:
    """The card's "Use it" section: Python that loads the export and labels two texts, with autosent and without.

    README.md shows the same for the labels negative and positive (a test keeps them equal).
    """
    classes = ", ".join(label_names)
    keras_output = (
        f"P({label_names[1]}) of each text: one column" if len(label_names) == 2 else f"one column per class: {classes}"
    )
    return [
        "## Use it",
        "",
        (
            f"In Python, from the export folder. `{MODEL_FILE}` needs autosent installed and `import autosent.layers`; "
            "the model takes a list of strings, a NumPy array of them or a `tf.Tensor`:"
        ),
        "",
        "```python",
        "import keras",
        f"import autosent.layers  # registers the Keras objects {MODEL_FILE} holds",
        "",
        f'model = keras.saving.load_model("{MODEL_FILE}")',
        f'print(model.predict_labels(["great", "awful"]))  # one of {classes} for each text',
        f'print(model.predict(["great", "awful"], verbose=0))  # {keras_output}',
        "```",
        "",
        f"`{SAVED_MODEL_DIR}/` needs TensorFlow alone; its default signature returns the label and every class's probability:",
        "",
        "```python",
        "import tensorflow as tf",
        "",
        f'served = tf.saved_model.load("{SAVED_MODEL_DIR}")',
        'outputs = served.signatures["serving_default"](text=tf.constant(["great", "awful"]))',
        f'print(outputs["label"].numpy())  # one of {classes} for each text, as bytes',
        f'print(outputs["probabilities"].numpy())  # one column per class: {classes}',
        "```",
        "",
    ]


#: How each standardisation (`autosent.text.standardize`) turns a text into words, for a reader.
_WORDS = {
    STRIP: "lower-cased, punctuation deleted",
    SPLIT: "lower-cased, split at punctuation",
    UNICODE: "lower-cased, split at punctuation in every script, each character of a script without spaces a word",
}


def _reads(encoder: str | None, vectorizer: dict[str, Any]) -> str:
    """What of a text the model reads (its family's inputs), in the sizes the training split resolved."""
    how = _WORDS[recorded_standardize(vectorizer)]
    inputs = family(encoder).inputs if encoder is not None else (WORDS,)
    parts = []
    if NGRAMS in inputs:
        parts.append(
            f"every word uni- to {vectorizer['ngrams']}-gram of a text, however long, and knows "
            f"{vectorizer['ngram_max_tokens']:,} of them ({how})"
        )
    if CHARS in inputs:
        parts.append(
            f"every character 1- to {vectorizer['char_ngrams']}-gram inside the words of a text (lower-cased, split at "
            f"whitespace), however long, and knows {vectorizer['char_max_tokens']:,} of them"
        )
    if parts:
        return "- Reads " + "; and ".join(parts) + "; unknown ones are ignored."
    return (
        f"- Reads the first {vectorizer['sequence_length']} words of a text and knows {vectorizer['max_tokens']:,} "
        f"words ({how}); longer texts are truncated, unknown words ignored."
    )


def _selection(selection: Selection | None) -> str:
    """Which rule chose the exported trial (`autosent.ship.selection`); exports made before it, and ensembles, say nothing."""
    if selection is None:
        return ""
    return f"{selection.sentence()} "


def _retraining(metadata: ExportMetadata) -> list[str]:
    """What the model was retrained on, and why (`selection.retraining`)."""
    retraining = metadata.retraining()  # every export made since autosent records why; only they are rendered
    return [] if retraining is None else [f"- {retraining.sentence()}"]


def _curve(curve: list[dict[str, float]], with_val: bool) -> str:
    """The retrain's learning curve; its val columns only where it read val (a retrain on train + val has none)."""
    columns = {"epoch": "epoch", CROSS_ENTROPY: "cross-entropy", "accuracy": "accuracy"}
    if with_val:
        columns |= {OBJECTIVE: "val cross-entropy", "val_accuracy": "val_accuracy"}
    return markdown_table(list(columns.values()), [[h.get(key) for key in columns] for h in curve])


def _split(rule: SplitRule) -> str:
    """How rows were split (`data.leakage.SplitRule`); exports made before the rule split row by row."""
    if rule.grouped_by is None:
        return ", row by row (repeated texts were not looked for)"
    overlap = "; the given val/test files share texts with the training data (--allow-overlap)" if rule.allow_overlap else ""
    return f", a text repeated within a file (the same words in `{rule.grouped_by}`) kept in one split{overlap}"


def _profile(found: DataProfile | None) -> list[str]:
    """The data profile the search showed when it started (`autosent.search.profile`), as list items; runs made before it have none."""
    if found is None:
        return []
    return [f"- Profile: {fact}" for fact in found.facts()] + [f"- **Warning**: {w}" for w in found.warnings]


def _ensemble(ensemble: Ensemble | None) -> list[str]:
    """An ensemble's members, their weights and own test scores, and whether it beats its best member."""
    if ensemble is None:
        return []
    test = ensemble.mcnemar_against_best_member
    val = ensemble.val_against_best_member
    return [
        ("It is an ensemble: the weighted mean of these members' probabilities, chosen by greedy forward "
         "selection with replacement on the validation split (a member chosen twice weighs twice):"),
        "",
        markdown_table(
            ["trial", "encoder", "weight", "epochs", "val cross-entropy (search)", "test accuracy", "test macro-F1"],
            [[m.trial_id, m.encoder, m.weight, m.epochs, m.search_val_cross_entropy,
              m.test_metrics.accuracy, m.test_metrics.macro_f1] for m in ensemble.members],
        ),
        "",
        (f"Against its best-ranked member (trial {ensemble.best_member}) on the same test texts, the ensemble alone "
         f"is right on {test.ensemble_only_right} and the member alone on {test.member_only_right} "
         f"(McNemar's exact test: p = {test.p_value:.3g})."),
        *(["", val.sentence(ensemble.best_member)] if val is not None else []),
        "",
    ]  # fmt: skip
