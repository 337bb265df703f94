"""`export best` on a small val split prefers the cheapest family within the noise of the lowest val cross-entropy,
and ranks that family's tied trials on held-out folds."""

import numpy as np
import pytest

from autosent.cli import build_parser
from autosent.runs.records import COMPLETED, TrialRecord
from autosent.ship.selection import SMALL_VAL, Retraining, retraining, select_best


def _record(trial_id: str, encoder: str, val_cross_entropy: float, seconds_per_epoch: float) -> TrialRecord:
    return TrialRecord(
        trial_id, COMPLETED, {"encoder": encoder}, history=[{}, {}], val_cross_entropy=val_cross_entropy, seconds=2 * seconds_per_epoch
    )


def _probabilities(labels: np.ndarray, right: float, rng) -> np.ndarray:
    """Val probabilities that give each text's class about `right`, with per-text noise."""
    p = np.clip(right + rng.normal(0, 0.05, size=len(labels)), 0.01, 0.99)
    out = np.empty((len(labels), 2))
    out[np.arange(len(labels)), labels] = p
    out[np.arange(len(labels)), 1 - labels] = 1 - p
    return out


@pytest.fixture
def trials():
    """A dear bigru with the lowest val cross-entropy, a cheap nbsvm a hair behind it, a cheaper bag far behind."""
    return [_record("0", "bigru", 0.300, 40.0), _record("1", "nbsvm", 0.302, 1.0), _record("2", "bag", 0.600, 0.5)]


def _val(n: int):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=n)
    by_trial = {"0": _probabilities(labels, 0.75, rng), "1": _probabilities(labels, 0.745, rng), "2": _probabilities(labels, 0.55, rng)}
    return labels, lambda record: by_trial[record.trial_id]


def _not_called(records):
    raise AssertionError(f"cross-validated {[r.trial_id for r in records]}: no family has two tied trials")


def test_a_small_val_split_prefers_the_cheapest_family_within_the_noise(trials):
    labels, probabilities = _val(300)
    chosen, selection = select_best(trials, labels, probabilities, _not_called)
    assert chosen.trial_id == "1" and selection.lowest_val_cross_entropy_trial == "0"
    assert "small (300 texts" in selection.rule and "bigru, nbsvm)" in selection.rule  # bag is beyond the noise
    assert "held-out" not in selection.rule


def test_the_cheapest_familys_tied_trials_are_ranked_on_held_out_folds_and_only_they(trials):
    """Two more nbsvm trials: one a hair behind on val, one far behind; the val split cannot rank the first two."""
    labels, probabilities = _val(300)
    rng = np.random.default_rng(1)
    more = {"3": _probabilities(labels, 0.748, rng), "4": _probabilities(labels, 0.55, rng)}
    trials = [*trials, _record("3", "nbsvm", 0.301, 1.0), _record("4", "nbsvm", 0.6, 1.0)]
    asked = []

    def held_out(records):
        asked.append(sorted(r.trial_id for r in records))
        return {"1": 0.45, "3": 0.47}

    val = lambda r: more.get(r.trial_id) if r.trial_id in more else probabilities(r)
    chosen, selection = select_best(trials, labels, val, held_out)
    assert asked == [["1", "3"]]  # trial 4 is beyond the noise, bigru is dearer
    assert chosen.trial_id == "1" == selection.trial_id  # the lower held-out cross-entropy, though not the lower val one (3's)
    assert selection.rule.endswith("of its 2 trials within that noise, the lowest cross-entropy on 5 held-out folds of the training split, "
                                   "each retrained as this export was (trial 1: 0.4500, trial 3: 0.4700)")  # fmt: skip

    assert selection.held_out_cross_entropy == {"1": 0.45, "3": 0.47}  # in metadata.json as numbers, not only in the rule

    # no folds to cut (a class of fewer than 5 distinct texts): the val split's order stands, and the rule says why
    chosen, selection = select_best(trials, labels, val, lambda records: None)
    assert chosen.trial_id == "3" and selection.held_out_cross_entropy is None and selection.rule.endswith(
        "of its 2 trials within that noise, the lowest val cross-entropy: the training split cannot be cut into 5 folds that "
        "each train on every class (a class has fewer than 5 distinct texts)"
    )


def test_a_large_val_split_takes_the_lowest_val_cross_entropy(trials):
    labels, probabilities = _val(SMALL_VAL)
    chosen, selection = select_best(trials, labels, probabilities, _not_called)
    assert chosen.trial_id == "0" == selection.trial_id
    assert selection.rule == "the lowest val cross-entropy of 3 finished trials"


def test_by_default_an_export_trains_on_val_only_where_the_val_split_is_small():
    small, large = retraining(None, SMALL_VAL - 1), retraining(None, SMALL_VAL)
    assert small.full and small.line().startswith(f"trained on train + val: the val split is small ({SMALL_VAL - 1:,} texts")
    assert not large.full and large.line().startswith(f"trained on train, early stopping on val: the val split holds {SMALL_VAL:,} texts")


@pytest.mark.parametrize(("flag", "full"), [("--full", True), ("--no-full", False), (None, None)])
def test_the_export_flag_reaches_the_rule_as_asked_whatever_the_val_splits_size(flag, full):
    args = build_parser().parse_args(["export", *([flag] if flag else [])])
    assert args.full is full
    if full is not None:
        assert {retraining(args.full, n) for n in (10, SMALL_VAL, 10 * SMALL_VAL)} == {Retraining(full, f"as asked ({flag})")}
