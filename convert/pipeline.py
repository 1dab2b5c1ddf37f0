"""`lenet-edge pipeline`: train, calibrate, convert, parity, bench and bundle into one run folder,
with one summary page (summary.html) linking every report.

    lenet-edge pipeline --out runs/pipeline                  # offline: the built-in synthetic set
    lenet-edge pipeline --data gtsrb --out runs/gtsrb        # real GTSRB (env var, cache or download)

A failed step stops the pipeline with a clear message; what earlier steps made is kept.
"""
from __future__ import annotations

import html
import shlex
import sys
import time
from pathlib import Path

from edge_app.artifacts import utc_now, write_json_atomic, write_text_atomic
from edge_app.errors import LenetEdgeError

# recipes: synthetic (fast, offline) and real data (the tuned LeNet recipe of the README)
SYNTHETIC_RECIPE = dict(epochs=40, batch_size=64, lr=2e-3, schedule="cosine", augment="none", preprocess="seed",
                        keep_best=False)
REAL_RECIPE = dict(epochs=80, batch_size=64, lr=2e-3, schedule="cosine", augment="strong", preprocess="clahe",
                   keep_best=True)


def log(msg: str) -> None:
    print(f"[pipeline] {msg}", file=sys.stderr, flush=True)


def run_pipeline(data: str, model: str | None, epochs: int | None, formats: str, out: str,
                 synthetic_per_class: int | None = None) -> dict:
    from calibration.command import calibrate
    from convert import bench, parity
    from convert.bundle import make_bundle
    from convert.export_all import export_all
    from train.fit import TrainConfig, train

    from convert.formats import parse_formats
    parse_formats(formats)               # bad options fail before an hour of training, not after
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    synthetic = data == "synthetic"
    per_class = synthetic_per_class or (200 if synthetic else None)
    model = model or ("mnist-cnn3" if data == "mnist" else "lenet")
    recipe = dict(SYNTHETIC_RECIPE if synthetic else REAL_RECIPE)
    if epochs is not None:
        recipe["epochs"] = epochs
    state = {"created": utc_now(), "data": data, "model": model, "recipe": recipe, "steps": [],
             "command": "lenet-edge " + shlex.join(sys.argv[1:])}
    paths = {k: root / k for k in ("train", "calibration", "export", "parity", "bench", "bundle")}

    def step(name, fn):
        t0 = time.perf_counter()
        log(f"step {name} ...")
        try:
            result = fn()
        except LenetEdgeError as e:
            state["steps"].append({"step": name, "ok": False, "seconds": round(time.perf_counter() - t0, 1),
                                   "error": str(e)})
            finish(root, state)
            raise LenetEdgeError(f"pipeline stopped at step '{name}': {e} (earlier results kept in {root})") from None
        state["steps"].append({"step": name, "ok": True, "seconds": round(time.perf_counter() - t0, 1)})
        return result

    metrics = step("train", lambda: train(TrainConfig(
        data=data, model=model, synthetic_per_class=per_class, out=str(paths["train"]), command=state["command"],
        **recipe)))
    state["test_accuracy"] = metrics["test_accuracy"]
    model_path = paths["train"] / "model.keras"

    _, cal = step("calibrate", lambda: calibrate(data, str(model_path), 500, 0, str(paths["calibration"]), per_class))
    step("convert", lambda: export_all(str(model_path), str(cal), formats, str(paths["export"])))

    def run_parity():
        rep = parity.evaluate(str(model_path), str(paths["export"]), data, synthetic_per_class=per_class)
        parity.write_reports(rep, str(paths["parity"]))
        state["parity"] = [{k: r[k] for k in ("file", "runtime", "accuracy_pct", "delta_pp", "agreement_pct", "bytes",
                                              "passed")} for r in rep["results"]]
        state["keras_accuracy_pct"] = rep["keras_accuracy_pct"]
        if not rep["passed"]:
            raise LenetEdgeError("parity gate failed: " + parity.failure_summary(rep))
    step("parity", run_parity)

    def run_bench():
        rep = bench.bench(str(paths["export"]), str(model_path), [1, 2], short=True)
        paths["bench"].mkdir(parents=True, exist_ok=True)
        write_json_atomic(paths["bench"] / "bench.json", rep)
        write_text_atomic(paths["bench"] / "bench.md", bench.to_markdown(rep))
    step("bench", run_bench)
    step("bundle", lambda: make_bundle(str(paths["export"]), "tflite_int8,onnx_int8", str(paths["bundle"])))
    finish(root, state)
    log(f"done: {root / 'summary.html'}")
    return state


def finish(root: Path, state: dict) -> None:
    write_json_atomic(root / "summary.json", state)
    write_text_atomic(root / "summary.html", summary_html(root, state))


def _link(root: Path, rel: str, text: str) -> str:
    return f'<a href="{html.escape(rel)}">{html.escape(text)}</a>' if (root / rel).exists() else html.escape(text) + " (not made)"


def summary_html(root: Path, s: dict) -> str:
    steps = "".join(f"<tr><td>{x['step']}</td><td>{'ok' if x['ok'] else 'FAILED: ' + html.escape(x.get('error', ''))}"
                    f"</td><td>{x['seconds']}</td></tr>" for x in s["steps"])
    par = "".join(f"<tr><td>{r['file']}</td><td>{r['runtime']}</td><td>{r['bytes'] / 1024:.1f}</td>"
                  f"<td>{r['accuracy_pct']:.2f}</td><td>{r['delta_pp']:+.3f}</td><td>{r['agreement_pct']:.2f}</td>"
                  f"<td>{'pass' if r['passed'] else 'FAIL'}</td></tr>" for r in s.get("parity", []))
    acc = f"{100 * s['test_accuracy']:.2f}%" if "test_accuracy" in s else "n/a"
    links = [_link(root, "train/report.html", "training report (curves, confusion matrix, predictions, per-class report)"),
             _link(root, "parity/parity.md", "parity report (Markdown)"), _link(root, "parity/parity.json", "parity JSON"),
             _link(root, "parity/parity.junit.xml", "parity JUnit XML"), _link(root, "bench/bench.md", "benchmark"),
             _link(root, "export/manifest.json", "export manifest"), _link(root, "bundle/README.md", "Raspberry Pi bundle"),
             _link(root, "bundle.tar.gz", "bundle.tar.gz")]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>lenet-edge pipeline</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:auto}} td,th{{padding:2px 10px}}</style></head><body>
<h1>lenet-edge pipeline: {html.escape(s['model'])} on {html.escape(s['data'])}</h1>
<p>{html.escape(s['created'])} &middot; <code>{html.escape(s['command'])}</code></p>
<p><b>Keras test accuracy {acc}</b></p>
<h2>Steps</h2><table><tr><th>step</th><th>result</th><th>seconds</th></tr>{steps}</table>
<h2>Parity (every export against Keras)</h2>
<table><tr><th>file</th><th>runtime</th><th>KB</th><th>accuracy %</th><th>Δ pp</th><th>agreement %</th><th>gate</th></tr>{par}</table>
<h2>Reports</h2><ul>{''.join(f'<li>{l}</li>' for l in links)}</ul>
<p><img src="train/curves.png" alt=""> <img src="train/confusion_matrix.png" alt="" width="480"></p>
</body></html>
"""


def main(args) -> int:
    run_pipeline(args.data, args.model, args.epochs, args.formats, args.out, args.synthetic_per_class)
    return 0
