"""What augmentation does to each encoder: the same model trained with and without it, one split.

    python bench/augmentation.py                          # conv1d, gru, bigru and bag on IMDB
    python bench/augmentation.py --encoders conv1d bag --epochs 4
    python bench/augmentation.py --data rotten_tomatoes

Each encoder is built from the default space at its defaults (the middle of its ranges), with
`word_dropout` and `span_mask` at 0 and at the rates given, trained with the search's early
stopping on the val cross-entropy (best weights kept), and scored on val and test. Runs of one
encoder share the seed, so they start from the same weights and see the same batches; the
table compares each augmented run with the plain one on the same test texts (McNemar's exact
test), since on 2,500 texts a point is within the noise. `nbsvm` is left out: its `dropout`
already drops n-grams, and it reads no words.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from autosent.data import load_dataset
from autosent.models.outputs import class_probabilities, predicted_classes
from autosent.search.space import load_space
from autosent.ship.metrics import mcnemar
from autosent.text.sizes import resolve_sizes


def main() -> None:
    import keras
    import tensorflow as tf

    from autosent.models.hypermodel import SentimentHyperModel, early_stopping
    from autosent.text.vectorize import fitted_tokenizer, vectorize

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="imdb")
    parser.add_argument("--encoders", nargs="+", default=["conv1d", "gru", "bigru", "bag"])
    parser.add_argument("--epochs", type=int, default=6, help="most epochs per run (default: the default space's max_epochs)")
    parser.add_argument("--word-dropout", type=float, default=0.1)
    parser.add_argument("--span-mask", type=float, default=0.15)
    args = parser.parse_args()

    dataset = load_dataset(args.data)
    space = resolve_sizes(load_space("default"), dataset.train.texts)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = fitted_tokenizer(dataset.train.texts, space, Path(scratch))
    data = vectorize(dataset, tokenizer)
    hypermodel = SentimentHyperModel.for_run(space, tokenizer, dataset.num_classes, 0, data)
    train = tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
    val = tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val))
    test_inputs = tf.data.Dataset.from_tensor_slices(dataset.test.texts).batch(512).map(tokenizer)  # the search never tokenises test
    settings = {"none": (0.0, 0.0), f"word_dropout {args.word_dropout:g}": (args.word_dropout, 0.0),
                f"span_mask {args.span_mask:g}": (0.0, args.span_mask)}  # fmt: skip
    print(f"{args.data}: train {len(dataset.train):,} / val {len(dataset.val):,} / test {len(dataset.test):,}; {os.cpu_count()} CPU cores", flush=True)
    print(f"{'encoder':<8} {'augmentation':<18} {'epochs':>6} {'val acc':>8} {'test acc':>8} {'minutes':>7}  paired with none on test", flush=True)
    for encoder in args.encoders:
        plain_correct = None
        for name, (word_dropout, span_mask) in settings.items():
            if encoder == "bag" and span_mask:
                continue  # bag reads n-gram counts: no order, no span
            keras.utils.set_random_seed(0)
            hp = hypermodel.hyperparameters_for({"encoder": encoder, "word_dropout": word_dropout, "span_mask": span_mask})
            model = hypermodel.build(hp)
            started = time.monotonic()
            history = hypermodel.fit(hp, model, train, validation_data=val, epochs=args.epochs,
                                     callbacks=[early_stopping(space.patience)], verbose=0)  # fmt: skip
            minutes = (time.monotonic() - started) / 60
            best = int(np.argmin(history.history["val_cross_entropy"]))
            correct = predicted_classes(class_probabilities(model.predict(test_inputs, verbose=0))) == dataset.test.labels
            paired = ""
            if plain_correct is None:
                plain_correct = correct
            else:
                test = mcnemar(correct, plain_correct)
                paired = f"+{test['first_only']} / -{test['second_only']} texts, p = {test['p_value']:.2g}"
            print(f"{encoder:<8} {name:<18} {best + 1:>6} {history.history['val_accuracy'][best]:>8.4f} {correct.mean():>8.4f} {minutes:>7.1f}  {paired}", flush=True)


if __name__ == "__main__":
    main()
