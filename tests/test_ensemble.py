"""Ensembles: selection on val probabilities, one weighted-mean model, shipped like any export."""

import contextlib
import io
import json
from collections import Counter

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from conftest import copy_finished_run
from test_hypermodel import SIZES, _inputs

from autosent.cli import main as cli_main
from autosent.models.hypermodel import SentimentHyperModel
from autosent.runs.records import TrialRecord
from autosent.runs.rundir import RUN_ENTRIES
from autosent.search.space import load_space
from autosent.ship.ensemble import CANDIDATES, against_best_member, candidates, select, weighted_mean_model
from autosent.ship.export import export_trial
from autosent.ship.export_metadata import Ensemble, EnsembleMember, ValComparison, read_metadata
from autosent.ship.predict import latest_export
from autosent.ship.selection import SMALL_VAL
from autosent.views.report import REPORTED, make_report

LABELS = np.array([0, 1] * 50)


def _probabilities(right: np.ndarray, confidence: float = 0.8) -> np.ndarray:
    """(n, 2) probabilities that put `confidence` on the true class where `right`, on the other elsewhere."""
    p_true = np.where(right, confidence, 1 - confidence)
    p = np.empty((len(LABELS), 2))
    p[np.arange(len(LABELS)), LABELS] = p_true
    p[np.arange(len(LABELS)), 1 - LABELS] = 1 - p_true
    return p


def test_selection_picks_the_better_of_two_members_only():
    good, poor = _probabilities(np.arange(100) < 90), _probabilities(np.arange(100) < 60)
    assert select({"poor": poor, "good": good}, LABELS, size=4) == Counter(good=4)


def test_selection_combines_members_that_err_on_different_texts():
    first, second = _probabilities(np.arange(100) < 70), _probabilities(np.arange(100) >= 30)
    third = _probabilities(np.arange(100) < 50, confidence=0.6)
    chosen = select({"first": first, "second": second, "third": third}, LABELS, size=4)
    assert chosen["first"] > 0 and chosen["second"] > 0 and chosen["third"] == 0


def test_the_weighted_mean_model_is_the_weighted_mean_of_its_members(tiny_space):
    space = load_space(str(tiny_space))
    hypermodel = SentimentHyperModel(space, SIZES, 2)
    members = {}
    for trial_id, encoder in (("3", "conv1d"), ("7", "bag")):
        hp = keras_tuner.HyperParameters()
        hp.Fixed("encoder", encoder)
        members[trial_id] = hypermodel.build(hp)
        members[trial_id].name = f"trial_{trial_id}"
    x = _inputs(space, np.random.default_rng(6), 8)
    expected = (2 * members["3"].predict(x, verbose=0) + members["7"].predict(x, verbose=0)) / 3
    ensemble = weighted_mean_model(members, Counter({"3": 2, "7": 1}))
    np.testing.assert_allclose(ensemble.predict(x, verbose=0), expected, rtol=1e-5)


@pytest.fixture(scope="module")
def ensembled(_finished_run_template, tmp_path_factory):
    """A copy of the finished tiny run with `export best`, then `autosent export --ensemble 3` (in this process):
    the run folder, export/metadata.json as the single export wrote it, and what the ensemble export printed."""
    run_dir = copy_finished_run(_finished_run_template, tmp_path_factory.mktemp("ensemble"))
    single = (export_trial(run_dir.parent, "done").out / "metadata.json").read_bytes()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli_main(["export", "--ensemble", "3", "--results", str(run_dir.parent), "--run", "done"])
    assert code == 0
    return run_dir, single, printed.getvalue()


def test_an_exported_ensemble_loads_with_keras_and_serves_from_saved_model_alike(ensembled):
    run_dir, _, _ = ensembled
    stored = {p.name: np.load(p).shape for p in (run_dir / "val_predictions").glob("*.npy")}
    assert stored == {"trial_0.npy": (12, 2), "trial_1.npy": (12, 2)}  # written by the search, as each trial ended
    out = run_dir / "export-ensemble"
    members = json.loads((out / "metadata.json").read_text())["ensemble"]["members"]
    assert sum(m["weight"] for m in members) == 3 and {m["trial_id"] for m in members} <= {"0", "1"}
    import autosent.layers  # noqa: F401 (the n-gram layers a member may hold)

    reloaded = keras.saving.load_model(out / "model.keras")
    texts = tf.constant(["review 7 poswordpos posish film plot", "review 8 negwordneg negish film plot"])
    saved_model = tf.saved_model.load(str(out / "saved_model"))  # kept: its variables die with it
    served = saved_model.serve(texts).numpy()
    np.testing.assert_allclose(reloaded.predict(texts, verbose=0), served, atol=1e-5)
    card = (out / "MODEL_CARD.md").read_text()
    assert "It is an ensemble" in card and "McNemar" in card and "On the validation texts that chose the members" in card


def test_an_ensemble_has_its_own_folder_leaves_export_best_as_it_was_and_is_the_newest_for_predict(ensembled):
    run_dir, single, _ = ensembled
    assert (run_dir / "export" / "metadata.json").read_bytes() == single
    assert "ensemble" in json.loads((run_dir / "export-ensemble" / "metadata.json").read_text())
    assert latest_export(run_dir.parent) == run_dir / "export-ensemble"
    assert {entry.name for entry in run_dir.iterdir()} <= RUN_ENTRIES  # --overwrite and a re-export take it for the run's own


def test_the_ensembles_line_gives_its_best_members_own_test_result_and_the_next_step(ensembled):
    run_dir, _, printed = ensembled
    metadata = json.loads((run_dir / "export-ensemble" / "metadata.json").read_text())
    ensemble = metadata["ensemble"]
    best = next(m for m in ensemble["members"] if m["trial_id"] == ensemble["best_member"])
    lines = [line for line in printed.splitlines() if not line.startswith("Epoch") and "step" not in line]
    assert lines[0].startswith("exported ensemble of ") and f"test accuracy {metadata['test_metrics']['accuracy']:.4f}" in lines[0]
    assert f"trial {best['trial_id']}, its best member, alone: test accuracy {best['test_metrics']['accuracy']:.4f}" in lines[0]
    read = read_metadata(run_dir / "export-ensemble", needs=REPORTED)
    assert read.to_json() == metadata and read.ensemble.best.trial_id == best["trial_id"]  # typed, and written back alike
    note = read.ensemble.noise_note()  # its wording: test_an_ensemble_is_said_to_beat_...
    if note is not None:
        assert lines.pop(1) == note
    val = metadata["splits"]["val"]  # a small val split: the members trained on train + val
    assert metadata["full"] and lines.pop(1).startswith(f"trained on train + val: the val split is small ({val} texts, under {SMALL_VAL:,})")
    assert lines[1:] == [
        f'next: autosent predict --model {run_dir / "export-ensemble"} "a text to label"',
        f'      or in Python, as {run_dir / "export-ensemble" / "MODEL_CARD.md"} shows under "Use it"',
    ]


def test_an_ensemble_is_said_to_beat_its_best_member_only_beyond_the_noise_of_the_paired_val_difference():
    labels = np.array([0, 1] * 50)
    member = _probabilities(np.arange(100) < 80)
    much_better = _probabilities(np.arange(100) < 80, confidence=0.95)  # surer on the 80 it gets right ...
    much_better[80:] = member[80:]  # ... and the same on the rest
    slightly = member.copy()
    slightly[0] = much_better[0]  # better on one text alone: within the noise
    assert against_best_member(much_better, member, labels).beyond_noise
    assert not against_best_member(slightly, member, labels).beyond_noise
    assert not against_best_member(member, member, labels).beyond_noise
    rounded = member.copy()
    rounded[np.arange(100), labels] += 1e-8  # one trial averaged with itself: float rounding, the same way on every text
    assert not against_best_member(rounded, member, labels).beyond_noise

    def note(members: int, ensemble: np.ndarray) -> str | None:
        return _ensemble(members, against_best_member(ensemble, member, labels)).noise_note()

    assert note(2, much_better) is None
    assert "does not beat trial 3 alone beyond the noise" in note(2, slightly)
    assert note(1, member) == "note: selection chose trial 3 alone, so this is that one model (autosent export 3 ships it too)"
    assert note(1, much_better) == note(1, member)  # one member is that model, whatever its val comparison says


def _ensemble(members: int, val: ValComparison) -> Ensemble:
    """An ensemble of `members` members whose best is trial 3, compared with it on val by `val`."""
    return Ensemble([EnsembleMember(str(3 + i), 1, 2) for i in range(members)], "3", val_against_best_member=val)


def test_one_val_text_gives_no_noise_to_measure_and_its_comparison_is_still_json():
    """One text has no spread: an infinite standard error, which JSON cannot hold (`Infinity` is not JSON)."""
    labels = np.array([1])
    one = against_best_member(_probabilities(np.array([True]), confidence=0.9), _probabilities(np.array([True])), labels)
    json.dumps(vars(one), allow_nan=False)  # raises on inf or nan
    assert one.standard_error is None and not one.beyond_noise
    note = _ensemble(2, one).noise_note()
    assert note is not None and "inf" not in note and "one val text" in note, note


def test_the_report_gives_each_ensemble_members_retrain_epochs(ensembled, finished_run):
    """An ensemble's metadata `epochs` is its best member's alone: the report read it as the whole ensemble's."""
    metadata = json.loads((ensembled[0] / "export-ensemble" / "metadata.json").read_text())
    metadata["ensemble"]["members"] = [
        {**metadata["ensemble"]["members"][0], "trial_id": trial, "weight": weight, "epochs": epochs}
        for trial, weight, epochs in (("0", 1, 4), ("1", 2, 2))
    ]  # two members retrained for different epochs, written where exports went before export-ensemble/
    (finished_run / "export").mkdir()
    (finished_run / "export" / "metadata.json").write_text(json.dumps(metadata))
    text = make_report(finished_run).markdown.read_text()
    assert "Exported: ensemble of trial 0 x1 retrained for 4 epoch(s), trial 1 x2 retrained for 2 epoch(s); test accuracy" in text


def test_candidates_are_the_best_trials_and_the_best_of_every_family():
    def record(trial_id: str, encoder: str, val: float) -> TrialRecord:
        return TrialRecord(trial_id, "COMPLETED", {"encoder": encoder}, history=[{"epoch": 1}], seconds=1.0, val_cross_entropy=val)

    crowd = [record(str(i), "nbsvm", 0.20 + i / 1000) for i in range(CANDIDATES + 5)]  # one family fills the top
    records = [*crowd, record("90", "bag", 0.25), record("91", "bag", 0.26), record("92", "gru", 0.40)]
    chosen = [r.trial_id for r in candidates(records)]
    assert chosen == [str(i) for i in range(CANDIDATES)] + ["90", "92"]  # best first; one per crowded-out family
