import hashlib
import json

import pytest

from edge_app.artifacts import atomic_output, write_bytes_atomic, write_manifest


def test_atomic_write_and_manifest(tmp_path):
    p = write_bytes_atomic(tmp_path / "a.bin", b"hello")
    m = json.loads(write_manifest(tmp_path, ["a.bin"], card={"name": "x"}).read_text())
    assert m["files"][0] == {"path": "a.bin", "sha256": hashlib.sha256(b"hello").hexdigest(), "bytes": 5}
    assert m["model_card"] == {"name": "x"} and "python" in m["versions"] and "numpy" in m["versions"]
    assert p.read_bytes() == b"hello"


def test_failure_leaves_no_partial_file_and_keeps_old(tmp_path):
    target = tmp_path / "model.tflite"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.tflite"]
