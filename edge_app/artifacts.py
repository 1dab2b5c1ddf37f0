"""Atomic artifact writing with a manifest (sha256, size, versions, model card).

Every file the toolkit produces goes through `write_bytes_atomic` / `atomic_output`: it is written
to a temporary file in the same folder, flushed, then renamed into place, so a crash or a failed
check never leaves a partial file under the final name.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Iterator

MANIFEST_NAME = "manifest.json"
_VERSIONED = ("lenet-edge", "numpy", "opencv-python-headless", "tensorflow", "tensorflow-cpu", "keras",
              "jax", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert", "tflite-runtime")


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it onto `path`, else delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temp name keeps the real suffix (Keras insists on ".keras", numpy on ".npz")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + (suffix or path.suffix), dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if tmp.is_file():
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        if tmp.is_file():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, obj) -> Path:
    return write_text_atomic(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(o):
    import numpy as np
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def tool_versions() -> dict:
    """Versions of Python and the installed packages that matter (read from metadata: no imports)."""
    out = {"python": platform.python_version(), "platform": f"{sys.platform}-{platform.machine()}"}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def file_entry(path: str | os.PathLike, root: str | os.PathLike) -> dict:
    p = Path(path)
    return {"path": os.path.relpath(p, root), "sha256": sha256_file(p), "bytes": p.stat().st_size}


def write_manifest(folder: str | os.PathLike, files: list, card: dict | None = None,
                   extra: dict | None = None, name: str = MANIFEST_NAME) -> Path:
    """Write `folder/manifest.json` listing each file's sha256 and size, tool versions and the card.

    `files` holds paths, or dicts that already carry per-file fields (they are merged in).
    """
    folder = Path(folder)
    entries = []
    for f in files:
        more = {}
        if isinstance(f, dict):
            more = {k: v for k, v in f.items() if k != "path"}
            f = f["path"]
        entries.append({**file_entry(folder / f if not Path(f).is_absolute() else f, folder), **more})
    manifest = {"created": utc_now(), "versions": tool_versions(), "files": entries}
    if card is not None:
        manifest["model_card"] = card
    if extra:
        manifest.update(extra)
    return write_json_atomic(folder / name, manifest)
