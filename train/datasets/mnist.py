"""MNIST from idx files (raw or .gz), from npz, or through Keras' downloader."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.labels import MNIST_CLASS_NAMES
from train.datasets.dataset import Dataset

_STEMS = {"train": "train", "test": "t10k"}


def read_idx(path: Path) -> np.ndarray:
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as e:
        raise LenetEdgeError(f"cannot read {path}: {e}") from None
    if len(raw) < 8 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise LenetEdgeError(f"{path}: not an unsigned-byte idx file")
    ndim = raw[3]
    dims = np.frombuffer(raw[4:4 + 4 * ndim], ">u4").astype(int)
    body = np.frombuffer(raw[4 + 4 * ndim:], np.uint8)
    if body.size != int(np.prod(dims)):
        raise LenetEdgeError(f"{path}: truncated idx file ({body.size} of {int(np.prod(dims))} bytes)")
    return body.reshape(dims)


def find_idx(folder: Path, split: str, kind: str) -> Path | None:
    stem = _STEMS[split]
    for sep in ("-", "."):
        for ext in ("", ".gz"):
            p = folder / f"{stem}-{kind}{sep}idx{3 if kind == 'images' else 1}-ubyte{ext}"
            if p.is_file():
                return p
    return None


def is_mnist_idx_folder(folder: Path) -> bool:
    return folder.is_dir() and any(find_idx(folder, s, "images") is not None for s in ("train", "test"))


def load_mnist_idx(folder: str | Path, split: str = "train") -> Dataset:
    folder = Path(folder)
    xi, yi = find_idx(folder, split, "images"), find_idx(folder, split, "labels")
    if xi is None or yi is None:
        raise LenetEdgeError(f"{folder}: MNIST {split} idx files not found")
    x, y = read_idx(xi), read_idx(yi).astype(np.int64)
    return Dataset(x, y, MNIST_CLASS_NAMES, "mnist", source=str(folder))


def load_mnist_keras(split: str = "train") -> Dataset:
    """Keras' downloader (needs TensorFlow/Keras and internet; cached in ~/.keras/datasets)."""
    try:
        import keras
        (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
    except ImportError:
        raise LenetEdgeError("Keras is not installed: install lenet-edge[all] or give a path to MNIST") from None
    except Exception as e:  # network errors come in many types
        raise LenetEdgeError(f"MNIST download through Keras failed: {e}") from None
    x, y = (xtr, ytr) if split == "train" else (xte, yte)
    return Dataset(x, y.astype(np.int64), MNIST_CLASS_NAMES, "mnist", source="keras.datasets.mnist")
