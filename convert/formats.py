"""The one table of export formats: convert, verify, parity and bench all iterate over it.

    for fmt in FORMATS.values(): fmt.name, fmt.filename, fmt.runtime, fmt.kind, ...

`kind` picks the parity thresholds ("float": Δacc ≤ 0.05 pp, agreement ≥ 99.9 %; "quantized":
Δacc ≤ 0.5 pp, agreement ≥ 99 %). `verify_*` are the looser checks `convert` applies right after
each export on the calibration sample, to catch broken exports (NaN, constant output) at once.

`tflite_dynamic_polyphase` is `tflite_dynamic` of an exact graph rewrite (convert.rewrite_polyphase)
that makes LeNet's first conv + pool fit SIMD lanes: the batch-throughput format. It applies to
models that open like LeNet only; under `--formats all` other models skip it.
"""
from __future__ import annotations

from dataclasses import dataclass

from edge_app.errors import LenetEdgeError


@dataclass(frozen=True)
class ExportFormat:
    name: str                 # CLI name
    filename: str             # file written in the export folder
    runtime: str              # "tflite" (LiteRT / tflite-runtime) or "onnx" (ONNX Runtime)
    kind: str                 # "float" or "quantized": selects the parity thresholds
    needs_calibration: bool   # static int8 needs the representative set
    exporter: str             # "module:function" (imported lazily: it needs TensorFlow)
    verify_min_agree: float   # % top-1 agreement with Keras on the verification sample
    verify_max_dprob: float   # max |Δprob| vs Keras on the verification sample

    def batch1_filename(self) -> str:
        stem, ext = self.filename.rsplit(".", 1)
        return f"{stem}_b1.{ext}"


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("tflite_float32", "model_float32.tflite", "tflite", "float", False,
                 "convert.export_tflite:export_tflite_float32", 99.5, 1e-3),
    ExportFormat("tflite_float16", "model_float16.tflite", "tflite", "float", False,
                 "convert.export_tflite:export_tflite_float16", 99.0, 2e-2),
    ExportFormat("tflite_dynamic", "model_dynamic.tflite", "tflite", "quantized", False,
                 "convert.export_tflite:export_tflite_dynamic", 95.0, 0.5),
    ExportFormat("tflite_dynamic_polyphase", "model_dynamic_polyphase.tflite", "tflite", "quantized", False,
                 "convert.export_tflite:export_tflite_dynamic_polyphase", 95.0, 0.5),
    ExportFormat("tflite_int8", "model_int8.tflite", "tflite", "quantized", True,
                 "convert.export_tflite:export_tflite_int8", 95.0, 0.5),
    ExportFormat("onnx_float32", "model_float32.onnx", "onnx", "float", False,
                 "convert.export_onnx:export_onnx_float32", 99.5, 1e-3),
    ExportFormat("onnx_int8", "model_int8.onnx", "onnx", "quantized", True,
                 "convert.export_onnx:export_onnx_int8", 95.0, 0.5),
    ExportFormat("onnx_dynamic", "model_dynamic.onnx", "onnx", "quantized", False,
                 "convert.export_onnx:export_onnx_dynamic", 95.0, 0.5),
)}


def parse_formats(spec: str) -> list[ExportFormat]:
    names = list(FORMATS) if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise LenetEdgeError(f"unknown format(s) {', '.join(unknown) or repr(spec)}; known: {', '.join(FORMATS)}")
    return [FORMATS[n] for n in names]


def format_of_file(filename: str) -> ExportFormat | None:
    for f in FORMATS.values():
        if filename in (f.filename, f.batch1_filename()):
            return f
    return None
