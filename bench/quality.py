"""Does autosent beat the seed notebook and a tf-idf baseline? All measured in one run, on one split.

    python bench/quality.py            # budget-50 search + export on the default IMDB split
    python bench/quality.py --quick    # the same path on --limit 2000 and budget 10: minutes
    python bench/quality.py --data rotten_tomatoes --budget 30
    python bench/quality.py --ensemble 5             # also an ensemble export of up to 5 trials
    python bench/quality.py --data reviews.csv --text-column body --label-column stars --budget 20
    python bench/quality.py --data rotten_tomatoes --budget 30 --folds 5   # also on held-out folds of train

The search starts no new trial after --time-limit (default 90 minutes, the goal's bound);
the table says how many of the budget's trials finished by then.

Needs scikit-learn for the baseline: `pip install -e '.[bench]'`. Prints one table, test
accuracy and macro-F1 of:
- autosent: `search --budget B` then `export best` on the data's split (IMDB's default:
  19,998 / 2,509 / 2,493, repeated reviews kept in one split), with search and export wall time, when the search first reached
  0.890 val accuracy, and the vectorizer sizes the data resolved;
- the seed notebook's model (Embedding 64, Conv1D 128/5, GAP, Dense 64; vocab 8,185,
  maxlen 512), 10 epochs, last epoch kept, as the notebook did;
- tf-idf + logistic regression, twice: word uni+bigrams, and character 1-4-grams within word
  boundaries (min_df 2, 200k features, sublinear tf; C chosen on val; refit on train + val
  where autosent's export trains on them: on a small val split, `selection.retraining`);
- the majority class, the floor any model must clear.
All train on the same training split (limited the same way under --quick) and are tested on
the same test texts; autosent and the better tf-idf row (on test) are also compared text by
text (McNemar's exact test), since on 2,500 texts a difference under about a point can be noise. The baselines run
first and print their rows as they finish, so a search cut short still leaves them.

With --folds K, the exported trial's configuration and both tf-idf baselines are also compared
on K held-out folds of the training split (`folds.py`): every training text predicted once by
a model that never saw it, K-1 folds of train each, paired text by text. On a small test split
(Rotten Tomatoes: 853 sentences) that is eight times the texts the test row rests on.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from folds import predictions_on_folds

from autosent.data import Dataset, load_dataset
from autosent.models.outputs import class_probabilities, predicted_classes
from autosent.runs.records import TrialRecord
from autosent.search.pipeline import SearchConfig, run_search
from autosent.ship.export import export_trial
from autosent.ship.export_metadata import ExportMetadata
from autosent.ship.metrics import Metrics, classification_metrics, mcnemar
from autosent.ship.selection import retraining
from autosent.views.events import vectorizer_line

TARGET_VAL_ACCURACY = 0.890


@dataclass(frozen=True)
class Scored:
    """One model's test predictions (class indices) and how long it took."""

    predicted: np.ndarray
    seconds: float
    note: str = ""  # what was chosen on val, e.g. "C=8"

    def metrics(self, dataset: Dataset) -> Metrics:
        one_hot = np.eye(dataset.num_classes)[self.predicted]
        return classification_metrics(dataset.test.labels, one_hot, list(dataset.label_names))


def majority_class(dataset: Dataset) -> Scored:
    """Every test text labelled with the training split's most frequent class."""
    return Scored(np.full(len(dataset.test), np.bincount(dataset.train.labels).argmax()), 0.0)


#: The tf-idf baselines: words as scikit-learn's default reads them (uni- and bigrams), and
#: character 1-4-grams within word boundaries, which catch what lives below the word
#: (misspellings, elongations, scripts written without spaces).
TFIDF = {
    "tf-idf words 1-2 + logistic regression": {"ngram_range": (1, 2)},
    "tf-idf chars 1-4 + logistic regression": {"analyzer": "char_wb", "ngram_range": (1, 4)},
}
#: Logistic regression's inverse L2 strengths tried; the one best on val is kept, as autosent's search would.
C_GRID = (0.5, 2.0, 8.0, 32.0)


def tfidf_baseline(dataset: Dataset, settings: dict) -> Scored:
    """tf-idf (sublinear tf, min_df 2, 200k features at most) + logistic regression, C chosen on val.

    Trained on the labelled texts autosent's export trains on (`selection.retraining`): where
    that is train + val, the pipeline is refit on them with the C chosen, vocabulary and idf
    included, as a scikit-learn user would (autosent's text layers stay as the search adapted
    them on train).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline

    started = time.monotonic()

    def pipeline(c: float) -> Pipeline:
        return make_pipeline(TfidfVectorizer(min_df=2, max_features=200_000, sublinear_tf=True, **settings), LogisticRegression(C=c, max_iter=1000))

    fitted = [pipeline(c).fit(dataset.train.texts, dataset.train.labels) for c in C_GRID]
    c, model = max(zip(C_GRID, fitted), key=lambda pair: (pair[1].predict(dataset.val.texts) == dataset.val.labels).mean())
    note = f"C={c:g}"
    if retraining(None, len(dataset.val)).full:
        model = pipeline(c).fit(dataset.train.texts + dataset.val.texts, np.concatenate([dataset.train.labels, dataset.val.labels]))
        note += ", refit on train + val"
    return Scored(model.predict(dataset.test.texts), time.monotonic() - started, note)


def seed_notebook_model(dataset: Dataset, epochs: int) -> Scored:
    """The notebook's model's test predictions, trained `epochs` and kept at the last."""
    import keras

    from autosent.models.hypermodel import SentimentHyperModel
    from autosent.search.space import load_space
    from autosent.text.inputs import WORDS
    from autosent.text.vectorize import make_vectorizer

    started = time.monotonic()
    keras.utils.set_random_seed(0)
    space = load_space("seed")
    layer = make_vectorizer(space.standardize, space.max_tokens, space.sequence_length)
    layer.adapt(dataset.train.texts, batch_size=2048)
    ids = {name: {WORDS: np.asarray(layer(split.texts))} for name, split in (("train", dataset.train), ("val", dataset.val), ("test", dataset.test))}
    hypermodel = SentimentHyperModel(space, {WORDS: layer.vocabulary_size()}, dataset.num_classes)
    hp = hypermodel.hyperparameters_for({})
    model = hypermodel.build(hp)
    model.fit(
        ids["train"], dataset.train.labels, batch_size=hp.get("batch_size"), epochs=epochs, shuffle=True,
        validation_data=(ids["val"], dataset.val.labels), verbose=2,
    )  # fmt: skip
    predicted = predicted_classes(class_probabilities(model.predict(ids["test"], verbose=0)))
    return Scored(predicted, time.monotonic() - started)


def exported_model(folder: Path, dataset: Dataset) -> np.ndarray:
    """The exported model's test predictions, from raw texts as a user's would be."""
    from autosent.ship.predict import Predictor

    return predicted_classes(Predictor(folder).probabilities(dataset.test.texts))


def minutes_to_target(records: list[TrialRecord], started: float) -> float | None:
    """Minutes after the search started at which a finished trial first reached the target."""
    hits = [
        datetime.fromisoformat(r.finished_at).timestamp()
        for r in records
        if r.finished and r.val_accuracy is not None and r.val_accuracy >= TARGET_VAL_ACCURACY
    ]
    return (min(hits) - started) / 60 if hits else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="--limit 2000 and budget 10")
    parser.add_argument("--budget", type=int, help="trials (default: 50, or 10 with --quick)")
    parser.add_argument("--space", default="default")
    parser.add_argument("--data", default="imdb", help="any `autosent search --data` source (default: imdb)")
    parser.add_argument("--val-data")
    parser.add_argument("--test-data")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--time-limit", type=float, default=90, help="minutes; no new trial starts after it (default: 90)")
    parser.add_argument("--ensemble", type=int, metavar="K", help="also export an ensemble of up to K trials and compare")
    parser.add_argument("--keep", action="store_true", help="resume the bench's earlier run instead of searching again (its trials count)")
    parser.add_argument("--folds", type=int, metavar="K", help="also compare autosent's exported configuration with the tf-idf rows on K held-out folds of train")
    parser.add_argument("--no-seed-model", action="store_true", help="leave out the seed notebook model's row (10 epochs of a Conv1D: long on large data)")
    args = parser.parse_args()
    if args.folds is not None and args.folds < 2:
        parser.error(f"--folds {args.folds}: give 2 folds or more")  # refused now, not after an hour of search
    if args.budget is not None and args.budget < 1:
        parser.error(f"--budget {args.budget}: give 1 trial or more")
    limit, budget = (2000, args.budget or 10) if args.quick else (None, args.budget or 50)
    run = f"bench-quality-{Path(args.data).stem}{'-quick' if args.quick else ''}"
    data = {"val_data": args.val_data, "test_data": args.test_data, "text_column": args.text_column, "label_column": args.label_column}

    # The baselines first: they take minutes, so their rows exist even if the search is cut short.
    dataset = load_dataset(args.data, **{k.replace("_data", "_source"): v for k, v in data.items()}, limit=limit)
    sizes = dataset.sizes()
    rarest = int(np.bincount(dataset.train.labels).min())
    if args.folds is not None and args.folds > rarest:
        parser.error(f"--folds {args.folds}: the rarest class has {rarest} training texts, too few for a text in each fold")
    print(f"{args.data}: {dataset.num_classes} classes, train {sizes['train']:,} / val {sizes['val']:,} / test {sizes['test']:,}; {os.cpu_count()} CPU cores", flush=True)
    rows: dict[str, Scored] = {}
    baselines = [(name, lambda d, settings=settings: tfidf_baseline(d, settings)) for name, settings in TFIDF.items()]
    seed = [] if args.no_seed_model else [("seed notebook model, 10 epochs, last kept", lambda d: seed_notebook_model(d, epochs=10))]
    for name, make in (*baselines, *seed, ("majority class", majority_class)):
        rows[name] = make(dataset)
        print(f"{name} {rows[name].note}: test accuracy {rows[name].metrics(dataset).accuracy:.4f} in {rows[name].seconds / 60:.1f} m", flush=True)

    started_wall = time.time()
    started = time.monotonic()
    config = SearchConfig(
        data=args.data, **data, space=args.space, budget=budget, limit=limit, results=args.results, run=run,
        overwrite=not args.keep, time_limit=args.time_limit * 60,
    )  # fmt: skip
    outcome = run_search(config)
    search_s = time.monotonic() - started
    started = time.monotonic()
    exported = export_trial(args.results, run)
    export_s = time.monotonic() - started
    ours = Scored(exported_model(exported.out, dataset), search_s + export_s)
    reached = None if args.keep else minutes_to_target(outcome.records, started_wall)  # a kept run's trials finished before this process
    finished = sum(r.finished for r in outcome.records)
    vectorizer = exported.metadata.vectorizer

    print()
    print(f"{'model':<52} {'test acc':>8} {'macro-F1':>8} {'wall':>9}")
    autosent = f"autosent: search --budget {budget} + export best"
    for name, scored in {autosent: ours, **rows}.items():
        m = scored.metrics(dataset)
        print(f"{f'{name} {scored.note}':<52} {m.accuracy:>8.4f} {m.macro_f1:>8.4f} {scored.seconds / 60:>7.1f} m")
    print(f"{'  search / export':<52} {'':>17} {search_s / 60:>5.1f} m / {export_s / 60:.1f} m")
    cut = f", stopped by --time-limit {args.time_limit:g} m" if outcome.stopped_by_time else ""
    print(f"{'  trials finished':<52} {finished:>8} of {budget}{cut}")
    print(f"{'  exported trial':<52} {exported.metadata.trial_id:>8} ({exported.metadata.hyperparameters.get('encoder')}, {exported.metadata.epochs} epochs)")
    print(f"{'  chosen by':<52} {exported.metadata.selection.rule}")
    print(f"{f'  first val accuracy >= {TARGET_VAL_ACCURACY}':<52} {'':>8} {('n/a (--keep)' if args.keep else 'never') if reached is None else f'{reached:.1f} m':>9}")
    print(f"{'  vectorizer (sizes from the training split)':<52} {vectorizer_line(vectorizer)}")
    print_paired_with_better_tfidf("test", dataset.test.labels, ours.predicted, {name: rows[name].predicted for name in TFIDF})
    if args.folds:
        print_folds(args, run, exported.metadata)
    if args.ensemble:
        print_ensemble(args, run, dataset, ours, {name: rows[name].predicted for name in TFIDF})
    print()
    print(encoder_table(outcome.records))


def print_paired_with_better_tfidf(texts: str, labels: np.ndarray, ours: np.ndarray, tfidf: dict[str, np.ndarray], who: str = "autosent") -> None:
    """`who` (autosent's export) against the tf-idf row more often right on these `texts`, text by text (McNemar's exact test)."""
    better = max(tfidf, key=lambda name: (tfidf[name] == labels).mean())
    test = mcnemar(ours == labels, tfidf[better] == labels)
    print(
        f"  paired with the better tf-idf ({better.split(' +')[0]}) on the {len(labels):,} {texts} texts: {who} alone "
        f"right on {test['first_only']}, tf-idf alone on {test['second_only']}; McNemar exact p = {test['p_value']:.3g}"
    )


def print_folds(args: argparse.Namespace, run: str, exported: ExportMetadata) -> None:
    """The exported trial's configuration and the tf-idf rows on held-out folds of the training split, paired."""
    started = time.monotonic()
    baselines = {name: lambda d, settings=settings: tfidf_baseline(d, settings).predicted for name, settings in TFIDF.items()}
    dataset, predicted = predictions_on_folds(args.results, run, exported.trial_id, bool(exported.full), baselines, args.folds)
    labels = dataset.train.labels
    names = {"autosent": f"autosent: trial {exported.trial_id} ({exported.hyperparameters.get('encoder')}), per fold", **{n: n for n in TFIDF}}
    print(f"held-out folds: {args.folds} folds of the {len(labels):,} training texts, each predicted by models that never saw it ({(time.monotonic() - started) / 60:.1f} m)")
    print(f"{'':<52} {'fold acc':>8} {'macro-F1':>8}")
    for name, shown in names.items():
        m = classification_metrics(labels, np.eye(dataset.num_classes)[predicted[name]], list(dataset.label_names))
        print(f"{f'  {shown}':<52} {m.accuracy:>8.4f} {m.macro_f1:>8.4f}")
    print_paired_with_better_tfidf("training", labels, predicted["autosent"], {name: predicted[name] for name in TFIDF})


def print_ensemble(args: argparse.Namespace, run: str, dataset: Dataset, single: Scored, tfidf: dict[str, np.ndarray]) -> None:
    """The ensemble export beside the best single export and the better tf-idf row (`tfidf`: their test predictions), on the same test texts."""
    from autosent.ship.ensemble import export_ensemble

    started = time.monotonic()
    exported = export_ensemble(args.results, run, args.ensemble)  # into the run's own export-ensemble/
    ensemble = Scored(exported_model(exported.out, dataset), time.monotonic() - started)
    m = ensemble.metrics(dataset)
    members = ", ".join(f"{x.trial_id} {x.encoder} x{x.weight} ({x.test_metrics.accuracy:.4f})" for x in exported.metadata.ensemble.members)
    print(f"{f'autosent: export --ensemble {args.ensemble}':<52} {m.accuracy:>8.4f} {m.macro_f1:>8.4f} {ensemble.seconds / 60:>7.1f} m")
    print(f"  members (trial, encoder, weight, own test accuracy): {members}")
    test = mcnemar(ensemble.predicted == dataset.test.labels, single.predicted == dataset.test.labels)
    print(
        f"  paired with the best single export: ensemble alone right on {test['first_only']}, "
        f"single alone on {test['second_only']}; McNemar exact p = {test['p_value']:.3g}"
    )
    print_paired_with_better_tfidf("test", dataset.test.labels, ensemble.predicted, tfidf, who="the ensemble")


def encoder_table(records: list[TrialRecord]) -> str:
    """Where the search's time went: trials, minutes and val accuracy per encoder family."""
    lines = [f"{'encoder':<10} {'trials':>6} {'minutes':>8} {'val accuracy':>14}"]
    families = sorted({r.hyperparameters.get("encoder") for r in records}, key=str)
    for encoder in families:
        mine = [r for r in records if r.hyperparameters.get("encoder") == encoder]
        accuracies = [r.val_accuracy for r in mine if r.finished and r.val_accuracy is not None]
        span = f"{min(accuracies):.3f}-{max(accuracies):.3f}" if accuracies else "-"
        lines.append(f"{encoder:<10} {len(mine):>6} {sum(r.seconds for r in mine) / 60:>8.1f} {span:>14}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
