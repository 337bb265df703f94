"""Latency and throughput of an exported model on this machine's CPU.

    python bench/predict_latency.py [--model results/RUN/export] [--n 200]

Prints p50/p95 latency of one review through `Predictor.predict` (the path `autosent predict`
uses) and batch throughput over the bundled IMDB test reviews, next to Keras' plain
`model.predict` measured in the same process as the baseline. Goals: p50 <= 20 ms,
>= 2,000 reviews/s. Then the cost of `--explain` per review, as a multiple of a plain one.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf

from autosent.data import load_dataset
from autosent.ship.predict import Predictor, latest_export


def _latencies_ms(call, texts: list[str]) -> np.ndarray:
    call(texts[:1])  # warm up: trace the function once
    times = []
    for text in texts:
        started = time.perf_counter()
        call([text])
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def _throughput(call, texts: list[str]) -> float:
    call(texts[:256])
    started = time.perf_counter()
    call(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="export folder (default: newest under results/)")
    parser.add_argument("--n", type=int, default=200, help="single-review calls to time (default: 200)")
    args = parser.parse_args()
    export = args.model or latest_export(Path("results"))
    predictor = Predictor(export)
    texts = load_dataset("imdb").test.texts

    def keras_predict(batch: list[str]):
        return predictor.model.predict(tf.constant(batch), verbose=0, batch_size=256)

    print(f"model: {export} ({predictor.metadata.hyperparameters.get('encoder')}), threads: {os.cpu_count()} CPUs")
    print(f"{'path':<26}{'p50 ms':>9}{'p95 ms':>9}{'reviews/s':>12}")
    results = {}
    for name, call in (("autosent predict", predictor.predict), ("keras model.predict", keras_predict)):
        latency = _latencies_ms(call, texts[: args.n])
        rate = _throughput(call, texts)
        results[name] = (np.percentile(latency, 50), rate)
        print(f"{name:<26}{np.percentile(latency, 50):>9.2f}{np.percentile(latency, 95):>9.2f}{rate:>12,.0f}")
    ours, base = results["autosent predict"], results["keras model.predict"]
    print(f"speed-up over model.predict: latency x{base[0] / ours[0]:.1f}, throughput x{ours[1] / base[1]:.2f}")
    print(f"goals: p50 <= 20 ms: {'met' if ours[0] <= 20 else 'NOT met'}; >= 2,000 reviews/s: {'met' if ours[1] >= 2000 else 'NOT met'}")
    explained = _latencies_ms(lambda batch: predictor.predict(batch, explain_top=5), texts[: min(args.n, 50)])
    method = predictor.predict(texts[:1], explain_top=5)[0].explanation.method
    print(
        f"--explain ({method}): p50 {np.percentile(explained, 50):.1f} ms, p95 {np.percentile(explained, 95):.1f} ms per review, "
        f"x{np.percentile(explained, 50) / ours[0]:.0f} a plain prediction"
    )


if __name__ == "__main__":
    main()
