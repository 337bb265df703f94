"""Ensembles: selection on val probabilities, one weighted-mean model, shipped like any export."""

from collections import Counter

import keras
import keras_tuner
import numpy as np
import tensorflow as tf

from autosent.ensemble import CANDIDATES, candidates, export_ensemble, select, weighted_mean_model
from autosent.hypermodel import SentimentHyperModel
from autosent.records import TrialRecord
from autosent.space import load_space
from test_hypermodel import SIZES, _inputs

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


def test_an_exported_ensemble_loads_with_keras_and_serves_from_saved_model_alike(tmp_path, finished_run):
    stored = {p.name: np.load(p).shape for p in (finished_run / "val_predictions").glob("*.npy")}
    assert stored == {"trial_0.npy": (12, 2), "trial_1.npy": (12, 2)}  # written by the search, as each trial ended
    result = export_ensemble(tmp_path / "results", "done", size=3)
    members = result.metadata["ensemble"]["members"]
    assert sum(m["weight"] for m in members) == 3 and {m["trial_id"] for m in members} <= {"0", "1"}
    import autosent.layers  # noqa: F401 (the n-gram layers a member may hold)

    reloaded = keras.saving.load_model(result.out / "model.keras")
    texts = tf.constant(["review 7 poswordpos posish film plot", "review 8 negwordneg negish film plot"])
    saved_model = tf.saved_model.load(str(result.out / "saved_model"))  # kept: its variables die with it
    served = saved_model.serve(texts).numpy()
    np.testing.assert_allclose(reloaded.predict(texts, verbose=0), served, atol=1e-5)
    card = (result.out / "MODEL_CARD.md").read_text()
    assert "It is an ensemble" in card and "McNemar" in card


def test_candidates_are_the_best_trials_and_the_best_of_every_family():
    def record(trial_id: str, encoder: str, val: float) -> TrialRecord:
        return TrialRecord(trial_id, "COMPLETED", {"encoder": encoder}, history=[{"epoch": 1}], seconds=1.0, val_cross_entropy=val)

    crowd = [record(str(i), "nbsvm", 0.20 + i / 1000) for i in range(CANDIDATES + 5)]  # one family fills the top
    records = [*crowd, record("90", "bag", 0.25), record("91", "bag", 0.26), record("92", "gru", 0.40)]
    chosen = [r.trial_id for r in candidates(records)]
    assert chosen == [str(i) for i in range(CANDIDATES)] + ["90", "92"]  # best first; one per crowded-out family
