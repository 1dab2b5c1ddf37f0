"""The npz arrays of the shared data folder (`gtsrb/{train,test}.npz`, `mnist/{train,test}.npz`).

GTSRB npz: images uint8 (N, 32, 32, 3) RGB, labels int64, filenames (train `000CC/TTTTT_FFFFF.ppm`).
MNIST npz: images uint8 (N, 28, 28), labels int64.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES, MNIST_CLASS_NAMES
from train.datasets.dataset import Dataset


def read_npz(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise LenetEdgeError(f"no such file: {p}")
    try:
        with np.load(p, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise LenetEdgeError(f"{p}: not a readable npz file ({type(e).__name__}: {e})") from None


def tracks_from_filenames(labels: np.ndarray, filenames: np.ndarray) -> np.ndarray:
    """`000CC/TTTTT_FFFFF.ppm` -> class * 100000 + TTTTT (unique per physical sign)."""
    t = np.array([int(str(f).rsplit("/", 1)[-1].split("_")[0]) for f in filenames], dtype=np.int64)
    return labels.astype(np.int64) * 100000 + t


def load_npz_dataset(path: str | Path) -> Dataset:
    arrays = read_npz(path)
    if "images" not in arrays or "labels" not in arrays:
        raise LenetEdgeError(f"{path}: npz needs 'images' and 'labels' arrays, has {sorted(arrays)}")
    images, labels = arrays["images"], arrays["labels"].astype(np.int64)
    if images.dtype != np.uint8:
        raise LenetEdgeError(f"{path}: images must be uint8, got {images.dtype}")
    if images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 1):
        names, name = MNIST_CLASS_NAMES, "mnist"
        images = images.reshape(images.shape[:3])
    elif images.ndim == 4 and images.shape[-1] == 3:
        names, name = GTSRB_CLASS_NAMES, "gtsrb"
    else:
        raise LenetEdgeError(f"{path}: images of shape {images.shape} are neither RGB nor gray")
    tracks = None
    if "tracks" in arrays:
        tracks = arrays["tracks"]
    elif "filenames" in arrays and "/" in str(arrays["filenames"][0]):
        tracks = tracks_from_filenames(labels, arrays["filenames"])
    return Dataset(images, labels, names, name, tracks, source=str(path))
