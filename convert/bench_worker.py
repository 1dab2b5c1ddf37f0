"""One benchmark measurement in a fresh process (so runs do not share caches, threads or warm-up).

    python -m convert.bench_worker --file model_int8.tflite --backend litert --threads 1 --iters 2000
    python -m convert.bench_worker --keras model.keras --mode predict|function --threads 1

Prints one JSON object: latency per image at batch 1 (p50/p90/p99, microseconds) and throughput at
batch 256 (images/s, median call). Runtime models are timed at the invoke level (input already
quantized), which is what a device loop pays per frame; `Classifier.predict` adds only the
(de)quantization. Throughput is given twice: `throughput_ips` copies the batch into the runtime and
the output out on every call; `throughput_inplace_ips` places the batch in the runtime's input memory
once (`Classifier.bind`) and times inference plus reading the output.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def _stats(samples_s: list[float]) -> dict:
    us = np.array(samples_s) * 1e6
    return {"p50_us": float(np.percentile(us, 50)), "p90_us": float(np.percentile(us, 90)),
            "p99_us": float(np.percentile(us, 99)), "mean_us": float(us.mean())}


def time_calls(fn, iters: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_runtime(path: str, backend: str, threads: int, iters: int, batch: int, batch_iters: int) -> dict:
    from edge_app.runtimes import load_classifier
    clf = load_classifier(path, backend=backend, threads=threads)
    dtype = {"float32": np.float32, "int8": np.int8, "uint8": np.uint8}[clf.card.input_dtype]
    shape = clf.card.input_shape[1:]
    rng = np.random.default_rng(0)
    x1 = (rng.uniform(-1, 1, (1, *shape)) * (100 if dtype != np.float32 else 1)).astype(dtype)
    xb = (rng.uniform(-1, 1, (batch, *shape)) * (100 if dtype != np.float32 else 1)).astype(dtype)
    lat = _stats(time_calls(lambda: clf._run(x1), iters, max(50, iters // 10)))
    if clf.fixed_batch == 1:  # a batch-1 model: throughput = sequential single-image calls
        run_batch = lambda: [clf._run(xb[i:i + 1]) for i in range(batch)]  # noqa: E731
    else:
        run_batch = lambda: clf._run(xb)  # noqa: E731
    tb = time_calls(run_batch, batch_iters, 3)
    res = {**lat, "throughput_ips": float(batch / np.median(tb))}
    if clf.fixed_batch != 1:  # input placed once in the runtime's memory: the runtime's own throughput
        bound = clf.bind(xb)
        res["throughput_inplace_ips"] = float(batch / np.median(time_calls(bound, batch_iters, 3)))
    return res


def bench_keras(path: str, mode: str, threads: int, iters: int, batch: int, batch_iters: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from train.model_io import load_keras_with_card
    model, card = load_keras_with_card(path)
    x1 = np.zeros((1, *card.input_shape[1:]), np.float32)
    xb = np.zeros((batch, *card.input_shape[1:]), np.float32)
    if mode == "predict":
        one, many = (lambda: model.predict(x1, verbose=0)), (lambda: model.predict(xb, batch_size=batch, verbose=0))
    else:
        f = tf.function(lambda t: model(t, training=False), jit_compile=False)
        one, many = (lambda: f(x1).numpy()), (lambda: f(xb).numpy())
    lat = _stats(time_calls(one, iters, 10))
    return {**lat, "throughput_ips": float(batch / np.median(time_calls(many, batch_iters, 3)))}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--file"), p.add_argument("--backend"), p.add_argument("--keras"), p.add_argument("--mode")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--batch-iters", type=int, default=30)
    a = p.parse_args()
    if a.keras:
        r = bench_keras(a.keras, a.mode, a.threads, a.iters, a.batch, a.batch_iters)
    else:
        r = bench_runtime(a.file, a.backend, a.threads, a.iters, a.batch, a.batch_iters)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
