"""Read the `metadata` entries of a .tflite flatbuffer with no dependency (for any runtime).

TFLite schema: Model table fields 4 = buffers [Buffer], 6 = metadata [Metadata];
Metadata fields 0 = name (string), 1 = buffer (uint32 index); Buffer field 0 = data [ubyte].
"""
from __future__ import annotations

import struct

from edge_app.errors import LenetEdgeError


def _u32(b: bytes, pos: int) -> int:
    return struct.unpack_from("<I", b, pos)[0]


def _field(b: bytes, table: int, index: int) -> int | None:
    """Absolute position of field `index` of the table at `table`, or None if absent."""
    vt = table - struct.unpack_from("<i", b, table)[0]
    vt_size = struct.unpack_from("<H", b, vt)[0]
    slot = 4 + 2 * index
    if slot >= vt_size:
        return None
    off = struct.unpack_from("<H", b, vt + slot)[0]
    return table + off if off else None


def _vector(b: bytes, pos: int) -> tuple[int, int]:
    vec = pos + _u32(b, pos)
    return vec + 4, _u32(b, vec)  # (first element, length)


def _table_at(b: bytes, elem: int) -> int:
    return elem + _u32(b, elem)


def read_tflite_metadata(model: bytes) -> dict[str, bytes]:
    """{name: bytes} of every metadata entry whose buffer holds inline data."""
    try:
        if len(model) < 8 or model[4:8] != b"TFL3":
            raise LenetEdgeError("not a TFLite flatbuffer (no TFL3 identifier)")
        root = _u32(model, 0)
        meta_pos, buf_pos = _field(model, root, 6), _field(model, root, 4)
        if meta_pos is None or buf_pos is None:
            return {}
        buffers, n_buffers = _vector(model, buf_pos)
        metas, n_metas = _vector(model, meta_pos)
        out = {}
        for i in range(n_metas):
            m = _table_at(model, metas + 4 * i)
            name_pos, idx_pos = _field(model, m, 0), _field(model, m, 1)
            if name_pos is None or idx_pos is None:
                continue
            s, n = _vector(model, name_pos)
            name = model[s:s + n].decode("utf-8", "replace")
            idx = _u32(model, idx_pos)
            if idx >= n_buffers:
                continue
            buf = _table_at(model, buffers + 4 * idx)
            data_pos = _field(model, buf, 0)
            if data_pos is not None:
                d, dn = _vector(model, data_pos)
                out[name] = bytes(model[d:d + dn])
        return out
    except (struct.error, IndexError):
        raise LenetEdgeError("corrupt TFLite flatbuffer (metadata unreadable)") from None
