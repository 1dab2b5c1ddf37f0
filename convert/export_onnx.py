"""ONNX exports: float32 through Keras' own exporter (opset 17), int8 static (QDQ, per-channel,
after `quant_pre_process`) and dynamic through onnxruntime.quantization.

`tf2onnx.convert.from_keras` fails on Keras 3 models, so it is not used.
Each function returns the serialized ONNX model (card not yet embedded).
"""
from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

OPSET = 17


def _float_model_file(model, work: Path) -> Path:
    import keras
    path = work / "float.onnx"
    spec = keras.InputSpec(shape=tuple(model.input_shape), dtype="float32")  # batch None, or 1 (batch-1 variant)
    with contextlib.redirect_stdout(io.StringIO()):  # the exporter prints "Saved artifact at ..."
        model.export(str(path), format="onnx", input_signature=[spec], opset_version=OPSET, verbose=False)
    return path


def export_onnx_float32(model, cal=None, opts=None) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        return _float_model_file(model, Path(d)).read_bytes()


def export_onnx_int8(model, cal, opts=None) -> bytes:
    import onnx
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from calibration.representative import onnx_calibration_reader
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        f = _float_model_file(model, d)
        pre = d / "pre.onnx"
        quant_pre_process(str(f), str(pre), skip_symbolic_shape=True)
        name = onnx.load(str(pre)).graph.input[0].name
        out = d / "int8.onnx"
        quantize_static(str(pre), str(out), onnx_calibration_reader(cal, name), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
        return out.read_bytes()


def export_onnx_dynamic(model, cal=None, opts=None) -> bytes:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        f = _float_model_file(model, d)
        out = d / "dynamic.onnx"
        quantize_dynamic(str(f), str(out), weight_type=QuantType.QInt8)
        return out.read_bytes()
