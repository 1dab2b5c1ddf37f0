"""Export a Keras model to every requested format, embed its card, verify, write atomically.

    lenet-edge convert runs/lenet/model.keras --calibration runs/cal/calibration.npz --out runs/export

Writes one file per format (see convert.formats), and `manifest.json` with sha256, size,
conversion time, verification metrics, tool versions and each export's model card.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from calibration.representative import load_calibration
from convert.embed_card import embed_card_onnx, embed_card_tflite
from convert.formats import ExportFormat, parse_formats
from convert.rewrite_polyphase import NotApplicable
from convert.verify import verify_export
from edge_app.artifacts import atomic_output, sha256_file, tool_versions, utc_now, write_manifest
from edge_app.errors import LenetEdgeError
from edge_app.model_card import ModelCard

VERIFY_SAMPLES = 500


def log(msg: str) -> None:
    print(f"[convert] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def quiet():
    """Converters print signatures and warnings to stdout; keep stdout for results."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def fixed_batch_model(model):
    """The same network with a fixed batch of 1 (no shape ops: smaller and faster on a device)."""
    import keras
    inp = keras.Input(batch_shape=(1, *model.input_shape[1:]), name="image")
    clone = keras.models.clone_model(model, input_tensors=inp)
    clone.set_weights(model.get_weights())
    return clone


def export_card(card: ModelCard, fmt: ExportFormat, data: bytes, batch: int | None, parent_sha: str) -> ModelCard:
    io = {"input": {"dtype": "float32", "quantization": None}, "output": {"dtype": "float32", "quantization": None}}
    if fmt.runtime == "tflite":
        from convert.export_tflite import io_details
        io = io_details(data)
    return card.derive(
        format=fmt.name, input_shape=[batch, *card.input_shape[1:]], output_shape=[batch, *card.output_shape[1:]],
        input_dtype=io["input"]["dtype"], input_quantization=io["input"]["quantization"],
        output_dtype=io["output"]["dtype"], output_quantization=io["output"]["quantization"],
        provenance={**card.provenance, "converted": utc_now(), "parent_sha256": parent_sha,
                    "versions": tool_versions()})


def embed(fmt: ExportFormat, data: bytes, card: ModelCard) -> bytes:
    if fmt.runtime == "tflite":
        return embed_card_tflite(data, card)
    import onnx
    return embed_card_onnx(onnx.load_from_string(data), card).SerializeToString()


def export_one(model, card: ModelCard, fmt: ExportFormat, cal, opts: dict, out: Path, x: np.ndarray,
               ref: np.ndarray, batch1: bool, parent_sha: str) -> dict:
    module, func = fmt.exporter.split(":")
    exporter = getattr(importlib.import_module(module), func)
    t0 = time.perf_counter()
    try:
        with quiet():
            raw = exporter(model, cal, opts)
    except LenetEdgeError:
        raise
    except Exception as e:  # converter crashes come in many types; report them as a failed export
        raise LenetEdgeError(f"{fmt.name}: conversion failed ({type(e).__name__}: {str(e).splitlines()[0][:160]})") from None
    ecard = export_card(card, fmt, raw, 1 if batch1 else None, parent_sha)
    data = embed(fmt, raw, ecard)
    seconds = time.perf_counter() - t0
    path = out / (fmt.batch1_filename() if batch1 else fmt.filename)
    with atomic_output(path) as tmp:       # verified before it takes the final name
        tmp.write_bytes(data)
        check = verify_export(tmp, fmt, x, ref)
    log(f"{path.name}: {len(data) / 1024:.1f} KB in {seconds:.2f} s; agreement {check['agreement_pct']:.1f}%, "
        f"max |Δprob| {check['max_abs_dprob']:.2e} ({check['backend']})")
    return {"path": path.name, "format": fmt.name, "batch": 1 if batch1 else None, "seconds": round(seconds, 3),
            "verify": check, "model_card": ecard.to_dict()}


def export_all(model_path: str, calibration: str | None, formats: str, out: str, int8_io: str = "int8",
               batch1: bool = False, diagnose: bool = False) -> dict:
    fmts = parse_formats(formats)
    from train.model_io import load_keras_with_card
    model, card = load_keras_with_card(model_path)
    size = tuple(card.input_shape[1:])
    cal = load_calibration(calibration, expect_shape=size) if calibration else None
    if cal is None and any(f.needs_calibration for f in fmts):
        need = [f.name for f in fmts if f.needs_calibration]
        raise LenetEdgeError(f"--calibration is required for {', '.join(need)} (make one with `lenet-edge calibrate`)")
    if cal is not None and cal.spec != card.preprocessing:
        raise LenetEdgeError(f"{calibration}: calibration preprocessing {cal.spec.to_dict()} differs from the "
                             f"model's {card.preprocessing.to_dict()} (re-run calibrate with --model)")
    x = cal.x[:VERIFY_SAMPLES] if cal is not None else \
        np.random.default_rng(0).uniform(-1, 1, (256, *size)).astype(np.float32)
    ref = model.predict(x, batch_size=256, verbose=0)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    parent_sha = sha256_file(model_path)
    opts = {"int8_io": int8_io}
    results, failures, skipped = [], [], []
    t_all = time.perf_counter()
    variants = [(model, False)] + ([(fixed_batch_model(model), True)] if batch1 else [])
    for m, b1 in variants:
        for fmt in fmts:
            try:
                results.append(export_one(m, card, fmt, cal, opts, out_dir, x, ref, b1, parent_sha))
            except NotApplicable as e:
                if formats.strip() != "all":     # asked for by name: an error, not a silent skip
                    raise LenetEdgeError(f"{fmt.name}: {e}") from None
                if not b1:
                    log(f"skipped {fmt.name}: {e}")
                    skipped.append({"format": fmt.name, "reason": str(e)})
            except LenetEdgeError as e:
                log(f"FAILED {e}")
                failures.append(str(e))
    total = time.perf_counter() - t_all
    if diagnose and cal is not None:
        from convert.diagnose import write_quantization_diagnostics
        results_diag = write_quantization_diagnostics(model, cal, out_dir)
        log(f"quantization diagnostics: {', '.join(results_diag)}")
    write_manifest(out_dir, results,
                   extra={"source_model": {"path": str(model_path), "sha256": parent_sha},
                          "calibration": calibration, "total_seconds": round(total, 3),
                          "failures": failures, "skipped": skipped})
    if failures:
        raise LenetEdgeError("export verification failed: " + "; ".join(failures))
    log(f"{len(results)} exports in {total:.1f} s -> {out_dir}")
    return {"exports": results, "total_seconds": total}
