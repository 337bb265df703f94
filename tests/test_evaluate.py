"""`autosent evaluate`: an export scored on labelled data, its calibration and its worst mistakes."""

import json

import numpy as np
import pytest
from conftest import TINY_SPACE, write_reviews_csv

from autosent.data import GROUPED, Split, SplitRule, load_dataset
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.evaluate import calibration_bins, evaluate, expected_calibration_error, render
from autosent.ship.export import export_trial
from autosent.ship.held_out import ScoredRows, in_training
from autosent.ship.metrics import classification_metrics

LABELS = ("meh", "neg", "pos")  # strings, three classes


@pytest.fixture(scope="module")
def three_class_export(tmp_path_factory):
    """A tiny nbsvm search and export on a three-class CSV with string labels."""
    root = tmp_path_factory.mktemp("evaluate")
    write_reviews_csv(root / "reviews.csv", n=300, labels=LABELS)
    choice = 'encoder = { choice = ["conv1d", "gru", "bigru", "bag", "nbsvm"] }'
    (root / "nbsvm.toml").write_text(TINY_SPACE.read_text().replace(choice, 'encoder = "nbsvm"'))
    data = str(root / "reviews.csv")
    run_search(SearchConfig(data=data, space=str(root / "nbsvm.toml"), budget=1, results=root / "results", run="three"))
    export_trial(root / "results", "three")
    return root


def test_evaluate_reproduces_the_exports_own_test_metrics_on_its_test_split(cli, three_class_export, monkeypatch):
    monkeypatch.chdir(three_class_export)
    result = cli("evaluate", "--model", "results/three/export", "--data", "reviews.csv", "--split", "test", "--json")
    assert result.code == 0, result.err
    evaluation = json.loads(result.out)
    shipped = json.loads((three_class_export / "results/three/export/metadata.json").read_text())["test_metrics"]
    assert shipped["n"] == evaluation["metrics"]["n"] == 30
    for key in ("accuracy", "macro_f1", "loss"):
        assert evaluation["metrics"][key] == pytest.approx(shipped[key], abs=1e-6), key
    assert evaluation["metrics"]["confusion_matrix"] == shipped["confusion_matrix"]
    assert list(evaluation["metrics"]["per_class"]) == list(LABELS)
    assert sum(b["count"] for b in evaluation["calibration"]) == 30
    assert evaluation["rows"] == {"split": "test", "rows": 30, "in_train_or_val": 0, "left_out": 0, "scored": 30}
    assert result.err == ""  # its test split shares no text with its train and val splits: nothing to say


def test_evaluate_on_the_file_it_trained_on_leaves_out_its_train_and_val_rows_and_says_how_many(cli, three_class_export, monkeypatch):
    monkeypatch.chdir(three_class_export)
    shipped = json.loads((three_class_export / "results/three/export/metadata.json").read_text())["test_metrics"]
    result = cli("evaluate", "--model", "results/three/export", "--data", "reviews.csv", "--json")
    assert result.code == 0, result.err
    assert result.err.strip().splitlines() == [
        "evaluate: 270 of 300 rows were in the export's train/val split and are left out; --split all scores every row, these too"
    ]
    evaluation = json.loads(result.out)
    assert evaluation["rows"] == {"split": "all", "rows": 300, "in_train_or_val": 270, "left_out": 270, "scored": 30}
    # what is left of its training file is its test split: the export's own test figures, not a memory test
    assert evaluation["metrics"]["confusion_matrix"] == shipped["confusion_matrix"]
    assert evaluation["metrics"]["accuracy"] == pytest.approx(shipped["accuracy"], abs=1e-6)
    shown = cli("evaluate", "--model", "results/three/export", "--data", "reviews.csv").out
    assert shown.startswith("results/three/export on reviews.csv (every row but the 270 in the export's train/val split): 30 texts")
    every = cli("evaluate", "--model", "results/three/export", "--data", "reviews.csv", "--split", "all")
    assert every.err == "" and every.out.startswith(
        "results/three/export on reviews.csv (every row, 270 of them in the export's train/val split): 300 texts"
    )


def test_evaluate_knows_its_training_texts_in_another_file_and_scores_new_texts_whole(cli, three_class_export, monkeypatch):
    monkeypatch.chdir(three_class_export)
    new = write_reviews_csv(three_class_export / "new.csv", n=30, labels=LABELS, first=1000).read_text().splitlines()
    old = (three_class_export / "reviews.csv").read_text().splitlines()[1:]
    # the training texts shouted and punctuated, in another order: the same words, so the same texts to the model
    again = [row.upper().replace(" FILM", ", FILM!").replace(",MEH", ",meh").replace(",NEG", ",neg").replace(",POS", ",pos") for row in old[::-1]]
    (three_class_export / "mixed.csv").write_text("\n".join([new[0], *new[1:], *again]) + "\n")
    mixed = cli("evaluate", "--model", "results/three/export", "--data", "mixed.csv", "--json")
    assert mixed.code == 0, mixed.err
    assert json.loads(mixed.out)["rows"] == {"split": "all", "rows": 330, "in_train_or_val": 270, "left_out": 270, "scored": 60}
    assert mixed.err.startswith("evaluate: 270 of 330 rows were in the export's train/val split and are left out")
    fresh = cli("evaluate", "--model", "results/three/export", "--data", "new.csv")
    assert fresh.code == 0 and fresh.err == ""
    assert fresh.out.startswith("results/three/export on new.csv (every row): 30 texts")


def test_an_export_moved_from_its_run_still_knows_its_training_file_by_its_fingerprint(cli, three_class_export, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(three_class_export / "results/three/export", tmp_path / "moved")
    shutil.copy(three_class_export / "reviews.csv", tmp_path / "reviews.csv")
    write_reviews_csv(tmp_path / "new.csv", n=30, labels=LABELS, first=1000)
    monkeypatch.chdir(tmp_path)  # no results/ here: only the data can tell
    own = cli("evaluate", "--model", "moved", "--data", "reviews.csv", "--json")
    assert own.code == 0, own.err
    assert json.loads(own.out)["rows"]["left_out"] == 270 and own.err.startswith("evaluate: 270 of 300 rows were in")
    other = cli("evaluate", "--model", "moved", "--data", "new.csv")
    assert other.code == 0 and "(every row, not checked for the export's training rows): 30 texts" in other.out
    assert other.err.strip().splitlines() == [
        (
            "evaluate: this export's run 'three' is neither the folder the export is in nor under results, "
            "and new.csv is not its training data, so rows it trained on cannot be left out: every row is scored"
        )
    ]


def test_evaluate_on_every_row_draws_the_reliability_diagram_and_lists_the_worst_mistakes(cli, three_class_export, monkeypatch):
    monkeypatch.chdir(three_class_export)
    # Relabel ten texts: the model, sure of their words, is confidently wrong about exactly these.
    rows = (three_class_export / "reviews.csv").read_text().splitlines()
    flipped = [rows[0], *(r.replace(",pos", ",neg") if i < 30 else r for i, r in enumerate(rows[1:]))]
    (three_class_export / "flipped.csv").write_text("\n".join(flipped) + "\n")
    result = cli("evaluate", "--model", "results/three/export", "--data", "flipped.csv", "--split", "all", "--figure", "reliability.png")
    assert result.code == 0, result.err
    assert "300 texts" in result.out and "expected calibration error" in result.out
    assert (three_class_export / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    worst = result.out.split("most confidently wrong")[1]
    assert worst.count("| neg | pos |") == 10  # labelled neg, predicted pos: the ten flipped texts


def test_evaluate_on_data_without_some_classes_names_them_and_averages_f1_over_the_others(cli, three_class_export, monkeypatch):
    monkeypatch.chdir(three_class_export)
    rows = (three_class_export / "reviews.csv").read_text().splitlines()
    (three_class_export / "only_pos.csv").write_text("\n".join([rows[0], *(r for r in rows[1:] if r.endswith(",pos"))]) + "\n")
    result = cli("evaluate", "--model", "results/three/export", "--data", "only_pos.csv", "--split", "all", "--json")
    assert result.code == 0, result.err
    metrics = json.loads(result.out)["metrics"]
    assert metrics["absent_classes"] == ["meh", "neg"]
    assert metrics["macro_f1"] == pytest.approx(metrics["per_class"]["pos"]["f1"]) and metrics["accuracy"] > 0.9
    shown = cli("evaluate", "--model", "results/three/export", "--data", "only_pos.csv", "--split", "all").out
    assert "(over the 1 class present)" in shown and "note: class meh, neg are absent from this data: its recall and F1 are not measured" in shown
    assert metrics["per_class"]["neg"]["f1"] is None and metrics["per_class"]["neg"]["recall"] is None


def test_a_model_right_on_every_text_says_so_instead_of_an_empty_table_of_mistakes(tmp_path):
    rows = ScoredRows(Split(["good", "bad", "fine"], np.array([1, 0, 1])), "test", 3, None, False, None)
    result = evaluate(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), rows, ["neg", "pos"])
    shown = render(result, tmp_path, "reviews.csv")
    assert result.mistakes == [] and shown.splitlines()[-1] == "no text was labelled wrong" and "most confidently wrong" not in shown


def test_a_perfect_model_on_one_class_has_a_macro_f1_of_one():
    metrics = classification_metrics(np.array([1, 1, 1]), np.array([[0.1], [0.2], [0.3]]) * -1 + 1, ["neg", "pos"])
    assert metrics.accuracy == 1.0 and metrics.macro_f1 == 1.0 and metrics.absent_classes == ["neg"]


@pytest.mark.parametrize(
    "args, mentions",
    [
        (["--data", "unknown.csv"], "label 'awful' is not a class of the training data (classes: meh, neg, pos"),
        (["--data", "reviews.csv", "--figure", "reviews.csv"], "--figure reviews.csv: the reliability diagram is a PNG"),
        (["--data", "reviews.csv", "--figure", "taken.png"], "--figure taken.png exists; autosent does not overwrite it"),
        (["--data", "reviews.csv", "--model", "results"], "results is not an autosent export"),
        (["--data", "missing.csv"], "data file not found: missing.csv"),
        (["--data", "trained.csv"], "trained.csv: all 240 rows were in the export's train/val split, so none is left to test it on"),
    ],
)
def test_evaluate_refuses_bad_input_in_one_line(cli, three_class_export, monkeypatch, args, mentions):
    monkeypatch.chdir(three_class_export)
    (three_class_export / "unknown.csv").write_text("text,label\ngreat film,pos\nawful film,awful\n")
    (three_class_export / "taken.png").write_bytes(b"mine")
    trained = load_dataset(str(three_class_export / "reviews.csv"), rule=SplitRule("split_at_punctuation")).train
    (three_class_export / "trained.csv").write_text("text,label\n" + "".join(f"{t},{LABELS[k]}\n" for t, k in zip(trained.texts, trained.labels)))
    cli("evaluate", "--model", "results/three/export", *args).assert_usage_error(mentions)
    assert (three_class_export / "taken.png").read_bytes() == b"mine"


def test_calibration_error_is_zero_when_confidence_matches_accuracy_and_large_when_not():
    confidence = np.full(100, 0.85)
    honest = np.arange(100) < 85  # right 85 times out of 100 at confidence 0.85
    assert expected_calibration_error(calibration_bins(confidence, honest)) == pytest.approx(0.0)
    overconfident = np.arange(100) < 45
    assert expected_calibration_error(calibration_bins(confidence, overconfident)) == pytest.approx(0.40)
    table = calibration_bins(np.array([0.05, 0.55, 1.0]), np.array([True, False, True]))
    assert [b.count for b in table] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]  # 1.0 falls in the last bin


def test_a_figure_that_cannot_be_written_keeps_the_evaluation_and_names_the_figure(cli, three_class_export, monkeypatch):
    import errno

    from autosent.ship import evaluate as evaluation

    def disk_full(table, ece, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.chdir(three_class_export)
    monkeypatch.setattr(evaluation, "reliability_diagram", disk_full)  # the disk fills after the checks
    result = cli("evaluate", "--model", "results/three/export", "--data", "reviews.csv", "--split", "all", "--figure", "full.png")
    assert result.code == 1 and "expected calibration error" in result.out  # the evaluation is printed, not lost
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autosent: error: cannot write full.png: No space left"), result.err


def test_a_training_text_without_words_is_known_by_its_characters_and_no_other_such_text_by_it():
    """`!!!` has no words, as `???` has none: the same empty key, yet not the same text."""
    seen = in_training(["!!!", "???", "Great film", "new words"], ["!!!", "great film!"], GROUPED.same_text())
    assert seen.tolist() == [True, False, True, False]
