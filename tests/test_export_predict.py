"""Export of a real tiny search's best trial, and predicting with it."""

import dataclasses
import io
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from conftest import TINY_SPACE, copy_finished_run, run_cli, write_reviews_csv

from autosent.data import SplitRule
from autosent.errors import UsageError
from autosent.models.outputs import class_probabilities
from autosent.runs.records import epochs_trained, read_records
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship import model_card
from autosent.ship.export import export_trial
from autosent.ship.export_folder import recover
from autosent.ship.export_metadata import read_metadata
from autosent.ship.predict import Predictor
from autosent.ship.selection import SMALL_VAL
from autosent.views.report import REPORTED

TEXTS = ["what a film", "posword pos film plot, loved it", "negword neg boring", "ok"]


#: The session's finished tiny run (conftest), of which this module exports a copy.
RUN = "done"


@pytest.fixture(scope="module")
def searched(_finished_run_template, tmp_path_factory):
    """The folder of a module-wide copy of the finished tiny run: its exports must not reach other modules."""
    root = tmp_path_factory.mktemp("export")
    copy_finished_run(_finished_run_template, root)
    return root


@pytest.fixture(scope="module")
def exported(searched):
    return export_trial(searched / "results", RUN)


def test_export_writes_all_four_artefacts_from_the_best_trials_best_epoch(searched, exported):
    out = searched / "results" / RUN / "export"
    assert exported.out == out
    for name in ("model.keras", "saved_model/saved_model.pb", "metadata.json", "MODEL_CARD.md"):
        assert (out / name).is_file(), name
    records = read_records(searched / "results" / RUN)
    best = min(records, key=lambda r: (r.val_cross_entropy, r.params))
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["producer"] == "autosent" and metadata["format"] == 1  # what proves the folder is autosent's
    assert metadata["trial_id"] == best.trial_id
    epochs = epochs_trained(best, {r.trial_id: r for r in records})  # best_epoch unless a continuation
    assert metadata["epochs"] == epochs
    assert [h["epoch"] for h in metadata["retrain_history"]] == list(range(1, epochs + 1))
    for key in ("accuracy", "loss", "precision", "recall", "f1", "roc_auc", "confusion_matrix"):
        assert key in metadata["test_metrics"]
    assert sum(map(sum, metadata["test_metrics"]["confusion_matrix"])) == metadata["splits"]["test"]
    card = (out / "MODEL_CARD.md").read_text()
    assert f"trial {best.trial_id}" in card and "## Test metrics" in card and "## Learning curve" in card
    assert f"Trial {best.trial_id} was chosen by this rule: the val split is small" in card  # 12 val texts
    assert "- Profile: scripts: Latin 100%" in card


def test_metadata_json_reads_back_as_the_export_wrote_it(exported):
    """`ExportMetadata.to_json` writes what `from_json` reads: a reader sees the very record the export made."""
    written = json.loads((exported.out / "metadata.json").read_text())
    read = read_metadata(exported.out, needs=REPORTED)
    assert read == exported.metadata and read.to_json() == written
    assert [c.label for c in read.test_metrics.per_class] == read.label_names == ["neg", "pos"]


def test_the_export_records_how_its_rows_were_split_and_its_card_says_so(exported):
    assert exported.metadata.split == SplitRule("split_at_punctuation", allow_overlap=False)
    card = (exported.out / "MODEL_CARD.md").read_text()
    assert "a text repeated within a file (the same words in `split_at_punctuation`) kept in one split" in card
    allowed = model_card.render(dataclasses.replace(exported.metadata, split=SplitRule("unicode_words", allow_overlap=True)), [])
    assert "the given val/test files share texts with the training data (--allow-overlap)" in allowed


def test_keras_file_and_saved_model_agree(exported):
    predictor = Predictor(exported.out)
    from_keras = predictor.model.predict_on_batch(tf.constant(TEXTS))
    saved_model = tf.saved_model.load(str(exported.out / "saved_model"))  # keep it alive while serving
    served = saved_model.serve(tf.constant(TEXTS)).numpy()
    np.testing.assert_allclose(from_keras, served, atol=1e-5)


def test_the_exported_model_takes_a_list_a_numpy_array_or_a_tensor_and_names_its_labels(exported):
    import keras

    import autosent.layers

    model = keras.saving.load_model(exported.out / "model.keras")
    assert isinstance(model, autosent.layers.TextClassifier) and model.label_names == exported.metadata.label_names
    from_tensor = model.predict(tf.constant(TEXTS), verbose=0)
    np.testing.assert_allclose(model.predict(TEXTS, verbose=0), from_tensor, atol=1e-6)  # Keras alone: "Unrecognized data type"
    np.testing.assert_allclose(model.predict(np.array(TEXTS), verbose=0), from_tensor, atol=1e-6)  # dtype <U31
    assert model.predict_labels(TEXTS) == [p.label for p in Predictor(exported.out).predict(TEXTS)]


def test_the_saved_model_serves_named_probabilities_and_labels_by_default_and_serve_as_before(exported):
    saved_model = tf.saved_model.load(str(exported.out / "saved_model"))  # keep it alive while serving
    outputs = saved_model.signatures["serving_default"](text=tf.constant(TEXTS))
    assert set(outputs) == {"probabilities", "label"}
    expected = Predictor(exported.out).predict(TEXTS)
    assert [label.decode() for label in outputs["label"].numpy()] == [p.label for p in expected]
    np.testing.assert_allclose(outputs["probabilities"].numpy(), [list(p.probabilities.values()) for p in expected], atol=1e-5)
    np.testing.assert_allclose(saved_model.serve(tf.constant(TEXTS)).numpy()[:, 0], outputs["probabilities"].numpy()[:, 1], atol=1e-6)


def test_the_model_cards_python_runs_in_the_export_folder_and_the_readme_shows_the_same(exported, monkeypatch, capsys):
    card = (exported.out / "MODEL_CARD.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", card, flags=re.DOTALL)
    assert len(snippets) == 2
    monkeypatch.chdir(exported.out)
    printed = []
    for snippet in snippets:
        exec(snippet, {})  # noqa: S102 (the card's own code, as a user would paste it)
        printed.append(capsys.readouterr().out)
    names = exported.metadata.label_names
    labels = [p.label for p in Predictor(exported.out).predict(["great", "awful"])]
    assert printed[0].startswith(str(labels)) and printed[1].startswith(str([label.encode() for label in labels]).replace(", ", " "))
    assert f"# P({names[1]}) of each text" in card
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "\n".join(model_card.usage(["negative", "positive"])[4:]) in readme  # from the first snippet on


def test_the_model_card_shows_small_floats_names_the_ranking_and_the_class_of_precision(exported):
    card = model_card.render(
        dataclasses.replace(exported.metadata, hyperparameters={"encoder": "bag", "l2": 1.24e-06, "dropout": 0.30000000000000004}), []
    )
    assert "| l2 | 1.24e-06 |" in card and "| dropout | 0.3 |" in card  # l2 was 0.0000
    assert "ranked by validation cross-entropy without the L2 term" in card and "validation loss" not in card
    positive = exported.metadata.label_names[1]
    assert f"| precision ({positive}) | recall ({positive}) | F1 ({positive}) |" in card


def test_test_metrics_are_those_of_the_exported_model(searched, exported):
    from autosent.data import load_dataset

    test = load_dataset(str(searched / "reviews.csv")).test
    predicted = [p.label for p in Predictor(exported.out).predict(test.texts)]
    names = exported.metadata.label_names
    accuracy = np.mean([names.index(p) == y for p, y in zip(predicted, test.labels)])
    assert accuracy == pytest.approx(exported.metadata.test_metrics.accuracy)


def test_predictions_do_not_depend_on_how_texts_are_batched(exported):
    predictor = Predictor(exported.out)
    texts = TEXTS * 3  # 12 texts: four batches of 3, one of 256
    in_threes = predictor.probabilities(texts, batch_size=3)
    assert in_threes.shape == (12, 2)
    np.testing.assert_allclose(in_threes, predictor.probabilities(texts), atol=1e-6)
    np.testing.assert_allclose(in_threes, class_probabilities(predictor.model.predict(tf.constant(texts), verbose=0)), atol=1e-6)


def test_on_a_small_val_split_export_retrains_on_train_and_val_unless_told_no_full(searched, exported, tmp_path):
    assert exported.metadata.full  # 12 val texts, under selection.SMALL_VAL: train + val, for exactly the best epochs
    assert len(exported.metadata.retrain_history) == exported.metadata.epochs
    assert "val_cross_entropy" not in exported.metadata.retrain_history[0]
    card = (exported.out / "MODEL_CARD.md").read_text()
    assert f"- Trained on train + val: the val split is small (12 texts, under {SMALL_VAL:,}), so its texts are worth more as training data; --no-full keeps them out.\n" in card
    assert "| epoch | cross-entropy | accuracy |\n" in card  # the retrain's curve has no val columns: it read no val
    held_back = export_trial(searched / "results", RUN, out=tmp_path / "no-full", full=False)
    assert not held_back.metadata.full and "val_cross_entropy" in held_back.metadata.retrain_history[0]  # early stopping on val
    assert held_back.metadata.retraining_rule == "as asked (--no-full)"
    assert "- Trained on train, early stopping on val: as asked (--no-full)" in (held_back.out / "MODEL_CARD.md").read_text()


@pytest.mark.slow
def test_predictions_survive_a_reload_in_a_fresh_process(searched, exported):
    expected = Predictor(exported.out).predict(TEXTS)
    result = run_cli("predict", "--json", "--model", str(exported.out), *TEXTS, cwd=searched)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == TEXTS
    for line, mine in zip(lines, expected):
        assert line["label"] == mine.label
        assert line["probability"] == pytest.approx(mine.probability, abs=1e-6)


def test_predict_reads_args_file_and_stdin(searched, exported, cli, monkeypatch, tmp_path):
    (tmp_path / "texts.txt").write_text("\n".join(TEXTS[:2]) + "\n\n")  # a blank third line: labelled too (test_guide)
    results = str(searched / "results")  # the newest export under it is the one to use
    from_args = cli("predict", "--results", results, *TEXTS[:2])
    from_file = cli("predict", "--results", results, "--file", "texts.txt")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(TEXTS[:2]).encode()), encoding="utf-8"))
    from_stdin = cli("predict", "--results", results)
    for result in (from_args, from_file, from_stdin):
        assert result.code == 0, result.err
        lines = result.out.splitlines()
        assert len(lines) == (3 if result is from_file else 2) and lines[0].split("\t")[2] == TEXTS[0]
        assert lines[0].split("\t")[0] in ("negative", "positive", "neg", "pos")
    assert from_args.out == from_stdin.out and from_file.out.startswith(from_args.out)


@pytest.mark.slow
def test_export_killed_mid_write_leaves_the_previous_export_loadable(searched, exported):
    previous = (exported.out / "metadata.json").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "autosent", "export", "--run", RUN], cwd=searched,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    staging = []
    while not staging and process.poll() is None and time.monotonic() < deadline:
        staging = list(exported.out.parent.glob(".export.staging-*/*"))  # it has started writing
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert staging, "the export never started writing"
    assert (exported.out / "metadata.json").read_bytes() == previous
    assert Predictor(exported.out).predict(TEXTS[:1])


def test_a_swap_cut_between_its_renames_is_recovered(tmp_path):
    out = tmp_path / "export"
    backup = tmp_path / ".export.previous"
    backup.mkdir()
    (backup / "metadata.json").write_text('{"producer": "autosent", "format": 1}')
    recover(out)  # the state a kill between "export -> backup" and "staging -> export" leaves
    assert (out / "metadata.json").read_text() == '{"producer": "autosent", "format": 1}' and not backup.exists()


def test_export_refuses_unknown_trial_and_runs_without_finished_trials(searched, tmp_path, cli):
    with pytest.raises(UsageError, match="no finished trial '99'"):
        export_trial(searched / "results", RUN, trial="99")
    empty = tmp_path / "results" / "e"
    empty.mkdir(parents=True)
    (empty / "run.json").write_bytes((searched / "results" / RUN / "run.json").read_bytes())  # a real run, no trials
    cli("export", "best", "--run", "e").assert_usage_error("no finished trial")
    cli("predict", "--model", str(tmp_path), "hi").assert_usage_error("not an autosent export")


def test_report_draws_valid_pngs_and_a_markdown_report(searched, exported):
    from autosent.views.report import make_report

    run_dir = searched / "results" / RUN
    report = make_report(run_dir)
    assert [p.name for p in report.figures] == ["learning_curves.png", "best_so_far.png", "val_by_encoder.png"]
    for figure in report.figures:
        data = figure.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, figure
    text = report.markdown.read_text()
    for figure in report.figures:
        assert f"]({figure.name})" in text
    records = read_records(run_dir)
    assert all(f"| {r.trial_id} |" in text for r in records)
    assert "Exported: trial" in text and "## Overfitting" in text
    assert f"Trained on train + val: the val split is small (12 texts, under {SMALL_VAL:,})" in text  # as the card and metadata say
    assert f"Trial {exported.metadata.trial_id} was chosen by this rule: the val split is small (12 texts" in text  # so is the rule
    assert not list(run_dir.rglob("*.tmp"))


def test_each_trial_logs_to_tensorboard_with_its_hyperparameters(searched):
    tb = searched / "results" / RUN / "tb"
    for record in read_records(searched / "results" / RUN):
        logs = list((tb / record.trial_id).rglob("events.out.tfevents.*"))
        assert logs, f"no TensorBoard log for trial {record.trial_id}"
        assert any(b"hparams" in log.read_bytes() for log in logs), "keras-tuner wrote no HParams summary"


@pytest.mark.parametrize("encoder", ["bag", "nbsvm"])
def test_an_ngram_model_ships_with_its_ngram_text_layer_alone(tmp_path, encoder):
    space = tmp_path / f"{encoder}.toml"
    choice = 'encoder = { choice = ["conv1d", "gru", "bigru", "bag", "nbsvm"] }'
    space.write_text(TINY_SPACE.read_text().replace(choice, f'encoder = "{encoder}"'))
    data = write_reviews_csv(tmp_path / "reviews.csv", n=300)
    run_search(SearchConfig(data=str(data), space=str(space), budget=1, results=tmp_path / "results", run="b"))
    result = export_trial(tmp_path / "results", "b")
    assert result.metadata.hyperparameters["encoder"] == encoder
    assert result.metadata.test_metrics.accuracy > 0.9  # each class has its own words

    import keras

    reloaded = keras.saving.load_model(result.out / "model.keras")
    assert [layer.name for layer in reloaded.layers if type(layer).__name__ == "TextVectorization"] == ["ngrams_vectorizer"]
    texts = tf.constant(["review 7 poswordpos posish film plot", "review 8 negwordneg negish film plot"])
    probabilities = reloaded.predict(texts, verbose=0)[:, 0]
    assert probabilities[0] > 0.5 > probabilities[1]  # P(pos)
    saved_model = tf.saved_model.load(str(result.out / "saved_model"))
    np.testing.assert_allclose(probabilities, saved_model.serve(texts).numpy()[:, 0], atol=1e-5)
    # Trained on texts of six words, it reads a long one to its end: the telling phrase comes
    # after 1,500 words the run never saw, far past the sequence encoders' 64 words.
    neutral = " ".join(f"filler{i}" for i in range(1500))
    long_texts = tf.constant([f"{neutral} poswordpos posish", f"{neutral} negwordneg negish"])
    long_probabilities = reloaded.predict(long_texts, verbose=0)[:, 0]
    assert long_probabilities[0] > 0.5 > long_probabilities[1], long_probabilities
    if encoder == "nbsvm":  # its Naive Bayes ratios, counted on the run's training split, ship inside it
        ngrams = (tmp_path / "results" / "b" / "ngram_vocabulary.txt").read_text().split("\n")
        ratios = reloaded.get_layer("autosent_nbsvm").get_layer("nbsvm").ratios.numpy()[:, 0]
        assert ratios[1 + ngrams.index("poswordpos")] > 0 > ratios[1 + ngrams.index("negwordneg")]  # 0: [UNK]


def test_an_export_of_texts_holding_unicode_line_breaks_loads_again(tmp_path):
    """IMDB's reviews hold U+0085 (a mis-decoded ellipsis): Keras would save "film\\x85great" as one
    vocabulary line and read it back as two, and the export would not load."""
    from autosent.ship.predict import Predictor

    path = write_reviews_csv(tmp_path / "reviews.csv", n=120)
    rows = path.read_text(encoding="utf-8").splitlines()
    odd = [rows[0], *(r.replace(" film plot", f" film{sep}plot") for r, sep in zip(rows[1:], ["\x85", "\u2028", "\x1c"] * 40))]
    path.write_text("\n".join(odd) + "\n", encoding="utf-8")
    run_search(SearchConfig(data=str(path), space=str(TINY_SPACE), budget=1, results=tmp_path / "results", run="odd"))
    result = export_trial(tmp_path / "results", "odd")
    predictor = Predictor(result.out)  # raised "cannot be loaded as a model" before
    assert predictor.predict(["review 3 poswordpos posish film\x85plot"])[0].label == "pos"
