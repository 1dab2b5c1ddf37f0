"""Quantization diagnostics: per-layer error between the float and int8 TFLite models.

Uses TFLite's QuantizationDebugger on the calibration set and writes
`quant_debug_tflite_int8.csv` (one row per quantized tensor: RMSE / scale, mean error, ...),
sorted so the worst layers come first, to explain an int8 accuracy drop.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from calibration.representative import tflite_representative_dataset
from convert.export_tflite import int8_converter
from edge_app.artifacts import write_text_atomic


def write_quantization_diagnostics(model, cal, out: Path) -> list[str]:
    import tensorflow as tf
    conv = int8_converter(model, cal, "float32")
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=conv, debug_dataset=tflite_representative_dataset(cal))
    debugger.run()
    buf = io.StringIO()
    debugger.layer_statistics_dump(buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    for r in rows:
        try:
            r["rmse/scale"] = float(r["mean_squared_error"]) ** 0.5 / float(r["scale"])
        except (KeyError, ValueError, ZeroDivisionError):
            r["rmse/scale"] = ""
    rows.sort(key=lambda r: -(r["rmse/scale"] or 0))
    text = io.StringIO()
    if rows:
        w = csv.DictWriter(text, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    name = "quant_debug_tflite_int8.csv"
    write_text_atomic(out / name, text.getvalue())
    return [name]
