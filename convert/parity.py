"""The accuracy-parity gate: Keras against every export, through the real runtimes, on one split.

    lenet-edge parity --model runs/lenet/model.keras --exports runs/export --data gtsrb --out runs/parity

Per export and runtime: accuracy, Δ vs Keras (pp), top-1 agreement with Keras, max |Δprob|, the five
classes whose accuracy changed most, size. Thresholds come from the format's kind (float / quantized)
in convert.formats; any violation makes the command exit non-zero. Writes parity.json (schema:
parity_report.schema.json), parity.md and parity.junit.xml.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convert.formats import format_of_file
from edge_app.artifacts import sha256_file, tool_versions, utc_now, write_json_atomic, write_text_atomic
from edge_app.errors import LenetEdgeError
from edge_app.preprocess import to_model_input
from edge_app.runtimes import available_backends, load_classifier


@dataclass
class Thresholds:
    max_drop_float: float = 0.05   # pp
    min_agree_float: float = 99.9  # %
    max_drop_int8: float = 0.5
    min_agree_int8: float = 99.0

    def for_kind(self, kind: str) -> tuple[float, float]:
        return (self.max_drop_float, self.min_agree_float) if kind == "float" else \
            (self.max_drop_int8, self.min_agree_int8)


def per_class_accuracy(pred: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    correct = np.bincount(labels, weights=(pred == labels), minlength=n)
    support = np.bincount(labels, minlength=n)
    return np.divide(correct, support, out=np.full(n, np.nan), where=support > 0)


def most_changed(acc_a: np.ndarray, acc_b: np.ndarray, names, k: int = 5) -> list[dict]:
    d = np.nan_to_num(acc_b - acc_a)
    order = np.argsort(-np.abs(d), kind="stable")[:k]
    return [{"class": int(c), "name": names[c], "keras_pct": round(100 * float(acc_a[c]), 2),
             "export_pct": round(100 * float(acc_b[c]), 2), "delta_pp": round(100 * float(d[c]), 2)}
            for c in order]


def backends_for(path: Path) -> list[str]:
    have = available_backends()
    return [b for b in (("litert", "tflite-runtime") if path.suffix == ".tflite" else ("onnxruntime",)) if b in have]


def export_files(exports: Path) -> list[Path]:
    if not exports.is_dir():
        raise LenetEdgeError(f"no such exports folder: {exports}")
    files = sorted(p for p in exports.iterdir() if p.is_file() and format_of_file(p.name))
    if not files:
        raise LenetEdgeError(f"{exports}: no exported models (run `lenet-edge convert` first)")
    return files


def evaluate(model_path: str, exports: str, data: str, split: str = "test", limit: int | None = None,
             thresholds: Thresholds = Thresholds(), synthetic_per_class: int | None = None) -> dict:
    from train.datasets import load_data
    from train.model_io import load_keras_with_card
    model, card = load_keras_with_card(model_path)
    files = export_files(Path(exports))
    ds = load_data(data, split, synthetic_per_class=synthetic_per_class)
    if limit:
        ds = ds.subset(np.arange(min(limit, len(ds))))
    if ds.num_classes != card.num_classes:
        raise LenetEdgeError(f"--data {data} has {ds.num_classes} classes but the model {card.num_classes}")
    x = to_model_input(ds.images, card.preprocessing)
    ref = model.predict(x, batch_size=1024, verbose=0)
    ref_pred = ref.argmax(1)
    keras_acc = float(np.mean(ref_pred == ds.labels))
    keras_cls = per_class_accuracy(ref_pred, ds.labels, card.num_classes)
    parent = sha256_file(model_path)
    rows = []
    for path in files:
        fmt = format_of_file(path.name)
        max_drop, min_agree = thresholds.for_kind(fmt.kind)
        for backend in backends_for(path):
            clf = load_classifier(path, backend=backend)
            problems = []
            if clf.card.provenance.get("parent_sha256") not in (None, parent):
                problems.append("exported from a different model (parent sha256 differs)")
            if clf.card.preprocessing != card.preprocessing:
                problems.append("preprocessing in the export's card differs from the model's")
            probs = clf.predict(x)
            pred = probs.argmax(1)
            acc = float(np.mean(pred == ds.labels))
            finite = bool(np.isfinite(probs).all())
            row = {
                "file": path.name, "format": fmt.name, "kind": fmt.kind, "runtime": backend,
                "batch": clf.card.input_shape[0], "bytes": path.stat().st_size,
                "accuracy_pct": round(100 * acc, 4), "delta_pp": round(100 * (acc - keras_acc), 4),
                "agreement_pct": round(100 * float(np.mean(pred == ref_pred)), 4),
                "max_abs_dprob": float(np.max(np.abs(np.nan_to_num(probs, nan=1.0) - ref))),
                "most_changed_classes": most_changed(keras_cls, per_class_accuracy(pred, ds.labels, card.num_classes),
                                                     card.labels),
                "max_drop_pp": max_drop, "min_agreement_pct": min_agree,
            }
            if not finite:
                problems.append("outputs contain NaN or inf")
            if -row["delta_pp"] > max_drop:
                problems.append(f"accuracy drop {-row['delta_pp']:.3f} pp > {max_drop} pp")
            if row["agreement_pct"] < min_agree:
                problems.append(f"agreement {row['agreement_pct']:.2f}% < {min_agree}%")
            row["passed"], row["problems"] = not problems, problems
            rows.append(row)
    return {
        "created": utc_now(), "model": str(model_path), "model_sha256": parent, "exports": str(exports),
        "data": data, "split": split, "images": len(ds), "keras_accuracy_pct": round(100 * keras_acc, 4),
        "thresholds": thresholds.__dict__, "results": rows, "passed": all(r["passed"] for r in rows),
        "versions": tool_versions(),
    }


def to_markdown(rep: dict) -> str:
    lines = [f"# Accuracy parity: {rep['images']:,} images of `{rep['data']}` ({rep['split']})", "",
             f"Keras accuracy **{rep['keras_accuracy_pct']:.2f}%**. Thresholds: float Δacc ≤ "
             f"{rep['thresholds']['max_drop_float']} pp and agreement ≥ {rep['thresholds']['min_agree_float']}%; "
             f"quantized Δacc ≤ {rep['thresholds']['max_drop_int8']} pp and agreement ≥ "
             f"{rep['thresholds']['min_agree_int8']}%.", "",
             "| file | runtime | size (KB) | accuracy % | Δ pp | agreement % | max \\|Δprob\\| | most changed classes (Δ pp) | gate |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rep["results"]:
        changed = ", ".join(f"{c['class']} ({c['delta_pp']:+.1f})" for c in r["most_changed_classes"] if c["delta_pp"])
        gate = "pass" if r["passed"] else "**FAIL**: " + "; ".join(r["problems"])
        lines.append(f"| {r['file']} | {r['runtime']} | {r['bytes'] / 1024:.1f} | {r['accuracy_pct']:.2f} | "
                     f"{r['delta_pp']:+.3f} | {r['agreement_pct']:.2f} | {r['max_abs_dprob']:.2e} | {changed or '-'} | {gate} |")
    lines += ["", f"**{'PASSED' if rep['passed'] else 'FAILED'}**", ""]
    return "\n".join(lines)


def to_junit(rep: dict) -> str:
    from xml.sax.saxutils import quoteattr
    fails = sum(not r["passed"] for r in rep["results"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuite name="lenet-edge parity" tests="{len(rep["results"])}" failures="{fails}" errors="0">']
    for r in rep["results"]:
        name = quoteattr(f"{r['file']} [{r['runtime']}]")
        out.append(f'  <testcase classname="parity.{r["format"]}" name={name} time="0">')
        out.append(f'    <system-out>accuracy {r["accuracy_pct"]:.3f}% delta {r["delta_pp"]:+.3f} pp '
                   f'agreement {r["agreement_pct"]:.3f}%</system-out>')
        if not r["passed"]:
            out.append(f'    <failure message={quoteattr("; ".join(r["problems"]))}/>')
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"


def failure_summary(rep: dict) -> str:
    """One line naming every export that failed the gate and why."""
    return " | ".join(f"{r['file']} [{r['runtime']}]: {'; '.join(r['problems'])}"
                      for r in rep["results"] if not r["passed"])


def write_reports(rep: dict, out: str) -> Path:
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    write_json_atomic(d / "parity.json", rep)
    write_text_atomic(d / "parity.md", to_markdown(rep))
    write_text_atomic(d / "parity.junit.xml", to_junit(rep))
    return d


def main(args) -> int:
    th = Thresholds(args.max_drop_float, args.min_agree_float, args.max_drop_int8, args.min_agree_int8)
    rep = evaluate(args.model, args.exports, args.data, args.split, args.limit, th, args.synthetic_per_class)
    write_reports(rep, args.out)
    print(to_markdown(rep))
    if not rep["passed"]:
        print(f"lenet-edge: error: parity gate failed: {failure_summary(rep)}", file=sys.stderr)
        return 1
    return 0
