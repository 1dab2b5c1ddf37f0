"""Check an export right after writing it, through the real runtime, against Keras.

A broken export (NaN, constant output, wrong shape, far from Keras) raises LenetEdgeError, so
`convert` never leaves it under its final name.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.formats import ExportFormat
from edge_app.errors import LenetEdgeError
from edge_app.runtimes import load_classifier


def compare_probs(probs: np.ndarray, ref: np.ndarray) -> dict:
    pred, ref_pred = probs.argmax(1), ref.argmax(1)
    return {"agreement_pct": float(100 * np.mean(pred == ref_pred)),
            "max_abs_dprob": float(np.max(np.abs(probs - ref))),
            "mean_abs_dprob": float(np.mean(np.abs(probs - ref)))}


def check_outputs(name: str, probs: np.ndarray, ref: np.ndarray, min_agree: float, max_dprob: float) -> dict:
    if probs.shape != ref.shape:
        raise LenetEdgeError(f"{name}: output shape {probs.shape}, expected {ref.shape}")
    bad = ~np.isfinite(probs)
    if bad.any():
        raise LenetEdgeError(f"{name}: {100 * bad.any(1).mean():.0f}% of outputs contain NaN or inf")
    pred = probs.argmax(1)
    top_share = np.bincount(pred).max() / len(pred)
    ref_share = np.bincount(ref.argmax(1)).max() / len(pred)
    if len(pred) >= 20 and top_share > 0.9 and ref_share < 0.5:
        raise LenetEdgeError(f"{name}: predicts class {np.bincount(pred).argmax()} for {100 * top_share:.0f}% "
                             f"of inputs (Keras: at most {100 * ref_share:.0f}% for one class): a collapsed export")
    m = compare_probs(probs, ref)
    if m["agreement_pct"] < min_agree:
        raise LenetEdgeError(f"{name}: top-1 agreement with Keras {m['agreement_pct']:.1f}% < {min_agree}%")
    if m["max_abs_dprob"] > max_dprob:
        raise LenetEdgeError(f"{name}: max |Δprob| vs Keras {m['max_abs_dprob']:.4f} > {max_dprob}")
    return m


def verify_export(path: Path, fmt: ExportFormat, x: np.ndarray, ref: np.ndarray) -> dict:
    """Load `path` with its card through the edge runtime and compare with Keras' `ref` probs."""
    clf = load_classifier(path, threads=1)
    probs = clf.predict(x)
    m = check_outputs(fmt.name, probs, ref, fmt.verify_min_agree, fmt.verify_max_dprob)
    return {**m, "samples": len(x), "backend": clf.backend}
