"""The model card: what a model expects and what it is, travelling with every artifact.

A card is a JSON object (schema in `model_card.schema.json`, checked by `validate_card`):

    {"schema_version": 1, "name": "lenet", "architecture": "lenet", "format": "tflite_int8",
     "input":  {"shape": [null, 32, 32, 1], "dtype": "int8", "quantization": {"scale": s, "zero_point": z}},
     "output": {"shape": [null, 43], "dtype": "int8", "quantization": {...}, "activation": "softmax"},
     "preprocessing": {"size": 32, "gray": "mean", "clahe": false, "offset": 128.0, "scale": 128.0},
     "labels": ["Speed limit (20km/h)", ...], "dataset": "gtsrb", "metrics": {"test_accuracy": 0.97},
     "provenance": {"created": "...", "command": "...", "versions": {...}, "parent_sha256": "..."}}

The edge app sets preprocessing, (de)quantization and labels from it; a card that is missing,
malformed or contradicts the model file is refused with one clear line.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from edge_app.errors import LenetEdgeError
from edge_app.preprocess import PreprocessSpec

SCHEMA_VERSION = 1
DTYPES = ("float32", "float16", "int8", "uint8")
CARD_METADATA_KEY = "lenet_edge_model_card"  # key in ONNX metadata_props / TFLite metadata


@dataclass
class ModelCard:
    name: str
    architecture: str
    format: str
    input_shape: list            # [None, H, W, C]
    input_dtype: str
    output_shape: list           # [None, num_classes]
    output_dtype: str
    preprocessing: PreprocessSpec
    labels: list[str]
    input_quantization: dict | None = None   # {"scale": float, "zero_point": int} for int inputs
    output_quantization: dict | None = None
    dataset: str = ""
    metrics: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "architecture": self.architecture,
            "format": self.format,
            "input": {"shape": list(self.input_shape), "dtype": self.input_dtype,
                      "quantization": self.input_quantization},
            "output": {"shape": list(self.output_shape), "dtype": self.output_dtype,
                       "quantization": self.output_quantization, "activation": "softmax"},
            "preprocessing": self.preprocessing.to_dict(),
            "labels": list(self.labels),
            "dataset": self.dataset,
            "metrics": dict(self.metrics),
            "provenance": dict(self.provenance),
        }

    def to_json(self, compact: bool = False) -> str:
        if compact:  # embedded in artifacts: every byte counts on a device
            return json.dumps(self.to_dict(), separators=(",", ":"))
        return json.dumps(self.to_dict(), indent=2)

    def derive(self, **changes: Any) -> "ModelCard":
        """A copy with some fields changed (e.g. the card of an export of this model)."""
        card = copy.deepcopy(self)
        for k, v in changes.items():
            if not hasattr(card, k):
                raise AttributeError(k)
            setattr(card, k, v)
        return card


def _need(d: dict, key: str, kind, where: str):
    if key not in d:
        raise LenetEdgeError(f"model card: missing '{where}{key}'")
    v = d[key]
    if not isinstance(v, kind):
        raise LenetEdgeError(f"model card: '{where}{key}' must be {getattr(kind, '__name__', kind)}, got {type(v).__name__}")
    return v


def _quant(q, where: str, dtype: str) -> dict | None:
    if dtype in ("int8", "uint8"):
        if not isinstance(q, dict) or "scale" not in q or "zero_point" not in q:
            raise LenetEdgeError(f"model card: '{where}.quantization' needs scale and zero_point for {dtype}")
        if not float(q["scale"]) > 0:
            raise LenetEdgeError(f"model card: '{where}.quantization.scale' must be > 0")
        return {"scale": float(q["scale"]), "zero_point": int(q["zero_point"])}
    return None


def _shape(s, where: str) -> list:
    if not isinstance(s, list) or not s or not all(x is None or (isinstance(x, int) and x > 0) for x in s):
        raise LenetEdgeError(f"model card: '{where}.shape' must be a list of positive ints or null, got {s!r}")
    return s


def validate_card(d: Any) -> ModelCard:
    """Check a parsed card and build a ModelCard, or raise LenetEdgeError naming what is wrong."""
    if not isinstance(d, dict):
        raise LenetEdgeError("model card: not a JSON object")
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        raise LenetEdgeError(f"model card: schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
    inp = _need(d, "input", dict, "")
    out = _need(d, "output", dict, "")
    in_dtype = _need(inp, "dtype", str, "input.")
    out_dtype = _need(out, "dtype", str, "output.")
    for where, dt in (("input", in_dtype), ("output", out_dtype)):
        if dt not in DTYPES:
            raise LenetEdgeError(f"model card: '{where}.dtype' must be one of {DTYPES}, got {dt!r}")
    in_shape = _shape(inp.get("shape"), "input")
    out_shape = _shape(out.get("shape"), "output")
    if len(in_shape) != 4 or in_shape[1] != in_shape[2]:
        raise LenetEdgeError(f"model card: input.shape must be [batch, size, size, channels], got {in_shape}")
    labels = _need(d, "labels", list, "")
    if not labels or not all(isinstance(x, str) for x in labels):
        raise LenetEdgeError("model card: 'labels' must be a non-empty list of strings")
    if out_shape[-1] != len(labels):
        raise LenetEdgeError(f"model card: output has {out_shape[-1]} classes but {len(labels)} labels")
    pre = PreprocessSpec.from_dict(_need(d, "preprocessing", dict, ""))
    if pre.size != in_shape[1]:
        raise LenetEdgeError(f"model card: preprocessing.size {pre.size} != input size {in_shape[1]}")
    return ModelCard(
        name=_need(d, "name", str, ""),
        architecture=_need(d, "architecture", str, ""),
        format=_need(d, "format", str, ""),
        input_shape=in_shape, input_dtype=in_dtype,
        output_shape=out_shape, output_dtype=out_dtype,
        preprocessing=pre, labels=list(labels),
        input_quantization=_quant(inp.get("quantization"), "input", in_dtype),
        output_quantization=_quant(out.get("quantization"), "output", out_dtype),
        dataset=str(d.get("dataset", "")),
        metrics=dict(d.get("metrics") or {}),
        provenance=dict(d.get("provenance") or {}),
    )


def card_from_json(text: str | bytes, source: str = "model card") -> ModelCard:
    try:
        d = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise LenetEdgeError(f"{source}: not valid JSON ({e})") from None
    return validate_card(d)


def check_card_matches(card: ModelCard, input_shape, input_dtype: str, output_shape, output_dtype: str,
                       source: str) -> None:
    """Refuse a model whose card contradicts what the model file itself declares."""
    def same(a, b):
        return len(a) == len(b) and all(x is None or y is None or x < 0 or y < 0 or x == y
                                        for x, y in zip(a, b))
    problems = []
    if not same(list(card.input_shape), list(input_shape)):
        problems.append(f"input shape {list(input_shape)} vs card {card.input_shape}")
    if card.input_dtype != input_dtype:
        problems.append(f"input dtype {input_dtype} vs card {card.input_dtype}")
    if not same(list(card.output_shape), list(output_shape)):
        problems.append(f"output shape {list(output_shape)} vs card {card.output_shape}")
    if card.output_dtype != output_dtype:
        problems.append(f"output dtype {output_dtype} vs card {card.output_dtype}")
    if problems:
        raise LenetEdgeError(f"{source}: model card does not match the model ({'; '.join(problems)})")
