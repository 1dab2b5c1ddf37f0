"""`lenet-edge bench`: size, batch-1 latency (p50/p90/p99) and batch-256 throughput of every export,
per runtime and thread count, each in a fresh process after warm-up; Keras `predict` and a compiled
`tf.function` as baselines. Prints a table and writes bench.json and bench.md. Throughput is the
median of 200 calls at batch 256, with the input copied in on every call and with the input placed
once in the runtime's memory (see `convert.bench_worker`).

    lenet-edge bench --exports runs/export --model runs/lenet/model.keras --out runs/bench
    lenet-edge bench --exports runs/export --short          # quick smoke run, rough numbers
    lenet-edge bench --exports runs/export --formats tflite_dynamic_polyphase --threads 2 --repeat 5   # medians of 5
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from convert.formats import format_of_file, parse_formats
from convert.parity import backends_for, export_files
from edge_app.artifacts import tool_versions, utc_now, write_json_atomic, write_text_atomic
from edge_app.errors import LenetEdgeError


def run_worker(args: list[str], timeout: float = 600) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-m", "convert.bench_worker", *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        err = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": err[:200]}
    return json.loads(lines[-1])


def parse_threads(spec: str) -> list[int]:
    try:
        t = [int(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        t = []
    if not t or min(t) < 1:
        raise LenetEdgeError(f"--threads must be a comma-separated list of positive ints, got {spec!r}")
    return t


def combine(runs: list[dict]) -> dict:
    """Fresh-process measurements of one configuration -> each figure's median over them."""
    bad = [r for r in runs if "error" in r]
    if bad or len(runs) == 1:
        return bad[0] if bad else runs[0]
    out = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    for k in ("throughput_ips", "throughput_inplace_ips"):
        if k in runs[0]:
            out[k.replace("_ips", "_runs")] = [r[k] for r in runs]
    return {**out, "repeat": len(runs)}


def bench(exports: str, model: str | None, threads: list[int], short: bool, formats: str = "all",
          repeat: int = 1) -> dict:
    """With repeat > 1 the rounds go round-robin over all configurations (a, b, c, a, b, c, ...), so
    a slow spell of a shared machine hits every format alike rather than one of them."""
    if repeat < 1:
        raise LenetEdgeError(f"--repeat must be >= 1, got {repeat}")
    wanted = {f.name for f in parse_formats(formats)}
    iters, biters, kbiters = ("200", "5", "5") if short else ("3000", "200", "40")
    jobs = [(path, fmt, backend, t) for path in export_files(Path(exports))
            for fmt in [format_of_file(path.name)] if fmt.name in wanted
            for backend in backends_for(path) for t in threads]
    if not jobs:
        raise LenetEdgeError(f"{exports}: no exports of the formats {formats!r}")
    runs: dict[int, list[dict]] = {i: [] for i in range(len(jobs))}
    for rnd in range(repeat):
        for i, (path, fmt, backend, t) in enumerate(jobs):
            r = run_worker(["--file", str(path), "--backend", backend, "--threads", str(t), "--iters", iters,
                            "--batch-iters", biters])
            runs[i].append(r)
            print(f"[bench] {path.name} {backend} {t}T" + (f" (round {rnd + 1}/{repeat})" if repeat > 1 else "")
                  + ": " + (r.get("error") or f"p50 {r['p50_us']:.1f} us, {r['throughput_ips']:,.0f} img/s, "
                                              f"{r.get('throughput_inplace_ips', 0):,.0f} in place"),
                  file=sys.stderr, flush=True)
    rows = [{"file": path.name, "format": fmt.name, "runtime": backend, "threads": t,
             "bytes": path.stat().st_size, **combine(runs[i])} for i, (path, fmt, backend, t) in enumerate(jobs)]
    if model:
        for mode in ("predict", "function"):
            for t in threads:
                r = run_worker(["--keras", model, "--mode", mode, "--threads", str(t),
                                "--iters", "50" if short or mode == "predict" else "500", "--batch-iters", kbiters])
                rows.append({"file": Path(model).name, "format": f"keras_{mode}", "runtime": "tensorflow",
                             "threads": t, "bytes": Path(model).stat().st_size, **r})
    return {"created": utc_now(), "short": short, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "versions": tool_versions(), "results": rows}


def to_markdown(rep: dict) -> str:
    lines = [f"# Benchmark ({rep['machine']}{', short run' if rep['short'] else ''})", "",
             "| file | format | runtime | threads | size (KB) | p50 µs | p90 µs | p99 µs | img/s @256 "
             "| img/s @256, input in place |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rep["results"]:
        if "error" in r:
            lines.append(f"| {r['file']} | {r['format']} | {r['runtime']} | {r['threads']} | {r['bytes'] / 1024:.1f} "
                         f"| error: {r['error']} |||||")
            continue
        lines.append(f"| {r['file']} | {r['format']} | {r['runtime']} | {r['threads']} | {r['bytes'] / 1024:.1f} "
                     f"| {r['p50_us']:.1f} | "
                     f"{r['p90_us']:.1f} | {r['p99_us']:.1f} | {r['throughput_ips']:,.0f} | "
                     + (f"{r['throughput_inplace_ips']:,.0f} |" if "throughput_inplace_ips" in r else "– |"))
    return "\n".join(lines) + "\n"


def main(args) -> int:
    rep = bench(args.exports, args.model, parse_threads(args.threads), args.short, args.formats, args.repeat)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "bench.json", rep)
    write_text_atomic(out / "bench.md", to_markdown(rep))
    print(to_markdown(rep))
    return 1 if any("error" in r for r in rep["results"]) else 0
