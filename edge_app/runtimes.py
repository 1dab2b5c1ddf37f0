"""Run an exported model on LiteRT (`ai_edge_litert`), tflite-runtime or ONNX Runtime.

    clf = load_classifier("model_int8.tflite", backend="auto", threads=1)
    probs = clf.classify(images_uint8_rgb)       # (N, classes) float32, card's preprocessing applied
    probs = clf.predict(x_float)                 # x already preprocessed: (N, size, size, 1) float32

The model card inside the artifact (TFLite metadata / ONNX metadata_props) sets preprocessing,
input quantization and labels; a model without a valid card, or whose card contradicts the model's
own tensors, is refused with one clear line.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.model_card import CARD_METADATA_KEY, ModelCard, card_from_json, check_card_matches
from edge_app.preprocess import dequantize, quantize, to_model_input
from edge_app.tflite_metadata import read_tflite_metadata

BACKENDS = ("litert", "tflite-runtime", "onnxruntime")
_INSTALL = {"litert": "pip install ai-edge-litert", "tflite-runtime": "pip install tflite-runtime (Python 3.11, numpy<2)",
            "onnxruntime": "pip install onnxruntime"}
_MODULES = {"litert": "ai_edge_litert", "tflite-runtime": "tflite_runtime", "onnxruntime": "onnxruntime"}
_NP = {"float32": np.float32, "float16": np.float16, "int8": np.int8, "uint8": np.uint8}


def backend_available(name: str) -> bool:
    return importlib.util.find_spec(_MODULES[name]) is not None


def available_backends() -> list[str]:
    return [b for b in BACKENDS if backend_available(b)]


def choose_backend(path: Path, backend: str = "auto") -> str:
    suffix = path.suffix.lower()
    if suffix not in (".tflite", ".onnx"):
        raise LenetEdgeError(f"{path}: unknown model type (expected .tflite or .onnx)")
    if backend == "auto":
        cands = ["litert", "tflite-runtime"] if suffix == ".tflite" else ["onnxruntime"]
        for b in cands:
            if backend_available(b):
                return b
        raise LenetEdgeError(f"no runtime for {suffix} models is installed: {_INSTALL[cands[0]]}")
    if backend not in BACKENDS:
        raise LenetEdgeError(f"unknown backend {backend!r} (one of {', '.join(BACKENDS)})")
    if (suffix == ".onnx") != (backend == "onnxruntime"):
        raise LenetEdgeError(f"backend {backend} cannot run {suffix} models")
    if not backend_available(backend):
        raise LenetEdgeError(f"backend {backend} is not installed: {_INSTALL[backend]}")
    return backend


def _bucket(n: int) -> int:
    """Batch sizes are padded to powers of two so a dynamic-batch model re-plans rarely."""
    return 1 << max(0, (n - 1).bit_length())


class Classifier:
    """One loaded model: `predict` takes preprocessed float input, `classify` takes uint8 images."""

    def __init__(self, path: Path, card: ModelCard, backend: str, threads: int):
        self.path, self.card, self.backend, self.threads = path, card, backend, threads
        self.labels = card.labels
        self.fixed_batch = card.input_shape[0] if card.input_shape[0] else None

    def classify(self, images: np.ndarray) -> np.ndarray:
        return self.predict(to_model_input(images, self.card.preprocessing))

    def predict(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        if n == 0:
            return np.zeros((0, self.card.num_classes), np.float32)
        q = self.card.input_quantization
        xin = quantize(x, q["scale"], q["zero_point"], _NP[self.card.input_dtype]) if q else \
            x.astype(_NP[self.card.input_dtype], copy=False)
        if self.fixed_batch:
            b = self.fixed_batch
            pad = (-n) % b
            xp = np.concatenate([xin, np.zeros((pad, *xin.shape[1:]), xin.dtype)]) if pad else xin
            out = np.concatenate([self._run(xp[i:i + b]) for i in range(0, len(xp), b)])[:n]
        else:
            m = _bucket(n)
            xp = np.concatenate([xin, np.zeros((m - n, *xin.shape[1:]), xin.dtype)]) if m > n else xin
            out = self._run(xp)[:n]
        oq = self.card.output_quantization
        return dequantize(out, oq["scale"], oq["zero_point"]) if oq else out.astype(np.float32, copy=False)

    def _run(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def bind(self, x: np.ndarray):
        """Place `x` (model dtype, a batch the model takes) in the runtime's own input memory once and
        return a function that runs the model on it and returns the output: the loop of a pipeline
        whose preprocessing writes into the runtime's input buffer (no per-call input copy)."""
        raise NotImplementedError  # pragma: no cover - overridden


class TFLiteClassifier(Classifier):
    def __init__(self, path: Path, backend: str, threads: int):
        data = path.read_bytes()
        meta = read_tflite_metadata(data)
        if CARD_METADATA_KEY not in meta:
            raise LenetEdgeError(f"{path}: no lenet-edge model card in the TFLite metadata; "
                                 "export the model with `lenet-edge convert`")
        card = card_from_json(meta[CARD_METADATA_KEY], f"{path} model card")
        if backend == "litert":
            from ai_edge_litert.interpreter import Interpreter
        else:
            from tflite_runtime.interpreter import Interpreter
        try:
            self.interp = Interpreter(model_content=data, num_threads=threads)
            self.interp.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise LenetEdgeError(f"{path}: the runtime cannot load this model ({str(e).splitlines()[0]})") from None
        i, o = self.interp.get_input_details()[0], self.interp.get_output_details()[0]
        check_card_matches(card, [None if d < 0 else int(d) for d in i["shape_signature"]], np.dtype(i["dtype"]).name,
                           [None if d < 0 else int(d) for d in o["shape_signature"]], np.dtype(o["dtype"]).name,
                           str(path))
        if card.input_quantization and not np.isclose(i["quantization"][0], card.input_quantization["scale"]):
            raise LenetEdgeError(f"{path}: model card input quantization does not match the model")
        self.in_idx, self.out_idx = i["index"], o["index"]
        self.dynamic = int(i["shape_signature"][0]) < 0
        self.cur_batch = int(i["shape"][0])
        super().__init__(path, card, backend, threads)
        if not self.dynamic:
            self.fixed_batch = self.cur_batch

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self.dynamic and len(x) != self.cur_batch:
            self.interp.resize_tensor_input(self.in_idx, list(x.shape))
            self.interp.allocate_tensors()
            self.cur_batch = len(x)
        self.interp.set_tensor(self.in_idx, x)
        self.interp.invoke()
        return self.interp.get_tensor(self.out_idx)

    def bind(self, x: np.ndarray):
        self._run(x)  # resizes if needed and leaves x in the input tensor
        interp, out = self.interp, self.out_idx

        def run() -> np.ndarray:
            interp.invoke()
            return interp.get_tensor(out)
        return run


class OnnxClassifier(Classifier):
    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        try:
            self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for bad files
            raise LenetEdgeError(f"{path}: ONNX Runtime cannot load this model ({str(e).splitlines()[0][:160]})") from None
        meta = self.sess.get_modelmeta().custom_metadata_map
        if CARD_METADATA_KEY not in meta:
            raise LenetEdgeError(f"{path}: no lenet-edge model card in the ONNX metadata_props; "
                                 "export the model with `lenet-edge convert`")
        card = card_from_json(meta[CARD_METADATA_KEY], f"{path} model card")
        i, o = self.sess.get_inputs()[0], self.sess.get_outputs()[0]
        dt = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(int8)": "int8", "tensor(uint8)": "uint8"}
        shape = lambda s: [d if isinstance(d, int) else None for d in s]  # noqa: E731
        check_card_matches(card, shape(i.shape), dt.get(i.type, i.type), shape(o.shape), dt.get(o.type, o.type), str(path))
        self.in_name, self.out_name = i.name, o.name
        super().__init__(path, card, "onnxruntime", threads)

    def _run(self, x: np.ndarray) -> np.ndarray:
        return self.sess.run([self.out_name], {self.in_name: x})[0]

    def bind(self, x: np.ndarray):
        io = self.sess.io_binding()
        io.bind_cpu_input(self.in_name, np.ascontiguousarray(x))  # ORT reads the numpy memory in place
        io.bind_output(self.out_name)
        sess = self.sess

        def run() -> np.ndarray:
            sess.run_with_iobinding(io)
            return io.copy_outputs_to_cpu()[0]
        return run


def load_classifier(path: str | Path, backend: str = "auto", threads: int = 1) -> Classifier:
    p = Path(path)
    if not p.is_file():
        raise LenetEdgeError(f"no such model file: {p}")
    if threads < 1:
        raise LenetEdgeError(f"threads must be >= 1, got {threads}")
    b = choose_backend(p, backend)
    return OnnxClassifier(p, threads) if b == "onnxruntime" else TFLiteClassifier(p, b, threads)
