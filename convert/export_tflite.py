"""TFLite exports through `TFLiteConverter.from_keras_model` (the path measured to work on Keras 3).

Each function returns the .tflite bytes (card not yet embedded) and the I/O quantization it chose.
"""
from __future__ import annotations

import numpy as np

from calibration.representative import tflite_representative_dataset


def _converter(model):
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    return tf.lite.TFLiteConverter.from_keras_model(model)


def io_details(tflite_bytes: bytes) -> dict:
    """dtype and quantization of the model's first input and output, read with LiteRT."""
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_content=tflite_bytes)
    out = {}
    for side, d in (("input", it.get_input_details()[0]), ("output", it.get_output_details()[0])):
        dtype = np.dtype(d["dtype"]).name
        scale, zp = d["quantization"]
        out[side] = {"dtype": dtype,
                     "quantization": {"scale": float(scale), "zero_point": int(zp)} if dtype in ("int8", "uint8") else None,
                     "shape": [None if s < 0 else int(s) for s in d["shape_signature"]]}
    return out


def export_tflite_float32(model, cal=None, opts=None) -> bytes:
    return _converter(model).convert()


def export_tflite_float16(model, cal=None, opts=None) -> bytes:
    import tensorflow as tf
    c = _converter(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.target_spec.supported_types = [tf.float16]
    return c.convert()


def export_tflite_dynamic(model, cal=None, opts=None) -> bytes:
    import tensorflow as tf
    c = _converter(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    return c.convert()


def export_tflite_dynamic_polyphase(model, cal=None, opts=None) -> bytes:
    """Dynamic-range TFLite of the polyphase rewrite (convert.rewrite_polyphase): LeNet-shaped models only."""
    from convert.rewrite_polyphase import polyphase_model
    return export_tflite_dynamic(polyphase_model(model))


def int8_converter(model, cal, io_type: str = "int8"):
    import tensorflow as tf
    c = _converter(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = tflite_representative_dataset(cal)
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    t = {"int8": tf.int8, "uint8": tf.uint8, "float32": tf.float32}[io_type]
    c.inference_input_type = t
    c.inference_output_type = t
    return c


def export_tflite_int8(model, cal, opts=None) -> bytes:
    return int8_converter(model, cal, (opts or {}).get("int8_io", "int8")).convert()
