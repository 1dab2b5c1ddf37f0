"""Put the model card inside the artifact: TFLite flatbuffer metadata, ONNX metadata_props."""
from __future__ import annotations

import numpy as np

from edge_app.model_card import CARD_METADATA_KEY, ModelCard


def embed_card_tflite(model_bytes: bytes, card: ModelCard) -> bytes:
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    m = flatbuffer_utils.read_model_from_bytearray(bytearray(model_bytes))
    m.metadata = [md for md in (m.metadata or []) if md.name != CARD_METADATA_KEY.encode()]
    buf = schema.BufferT()
    buf.data = np.frombuffer(card.to_json(compact=True).encode(), np.uint8)
    m.buffers.append(buf)
    md = schema.MetadataT()
    md.name = CARD_METADATA_KEY
    md.buffer = len(m.buffers) - 1
    m.metadata.append(md)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(m))


def embed_card_onnx(onnx_model, card: ModelCard):
    keep = [p for p in onnx_model.metadata_props if p.key != CARD_METADATA_KEY]
    del onnx_model.metadata_props[:]
    onnx_model.metadata_props.extend(keep)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = CARD_METADATA_KEY, card.to_json(compact=True)
    return onnx_model
