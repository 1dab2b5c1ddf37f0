"""`--data` resolution: "synthetic", "gtsrb", "mnist" or a path, to a `Dataset`.

- synthetic: generated (`make_synthetic`), offline, deterministic.
- gtsrb: `$LENET_EDGE_DATA/gtsrb/{split}.npz` if set, else the download cache (downloading once).
- mnist: `$LENET_EDGE_DATA/mnist/{split}.npz` if set, else Keras' downloader.
- PATH: an npz file, a seed pickle (`.p`), or a folder in one of the known layouts: npz pair
  (`train.npz`/`test.npz`), GTSRB official (`Final_Training/`, `Final_Test/`), Kaggle
  (`Train.csv`), seed pickles (`train.p`, `valid.p`, `test.p`), MNIST idx files.
"""
from __future__ import annotations

import os
from pathlib import Path

from edge_app.errors import LenetEdgeError
from train.datasets.dataset import Dataset
from train.datasets.download import default_cache_dir, fetch_gtsrb
from train.datasets.gtsrb_kaggle import is_kaggle_root, load_gtsrb_kaggle
from train.datasets.gtsrb_official import find_official_root, load_gtsrb_official
from train.datasets.mnist import is_mnist_idx_folder, load_mnist_idx, load_mnist_keras
from train.datasets.npz_arrays import load_npz_dataset
from train.datasets.pickles import load_seed_pickle
from train.datasets.synthetic import make_synthetic

DATA_ENV = "LENET_EDGE_DATA"
SPLITS = ("train", "test")
SYNTHETIC_PER_CLASS = {"train": 200, "test": 50}  # defaults: 8,600 train / 2,150 test images


def data_root() -> Path | None:
    """The folder named by $LENET_EDGE_DATA (laid out like shared/data), if set and present."""
    v = os.environ.get(DATA_ENV)
    return Path(v) if v and Path(v).is_dir() else None


def load_data(spec: str, split: str = "train", *, synthetic_per_class: int | None = None, seed: int = 0,
              download: bool = True) -> Dataset:
    if split not in SPLITS:
        raise LenetEdgeError(f"unknown split {split!r} (expected one of {SPLITS})")
    if spec == "synthetic":
        n = synthetic_per_class or SYNTHETIC_PER_CLASS[split]
        return make_synthetic(n, seed=seed + (0 if split == "train" else 10_000))
    if spec in ("gtsrb", "mnist"):
        root = data_root()
        if root is not None and (root / spec / f"{split}.npz").is_file():
            return _named(load_npz_dataset(root / spec / f"{split}.npz"), spec)
        if spec == "mnist":
            return load_mnist_keras(split)
        cache = default_cache_dir() / "gtsrb"
        if not (cache / f"{split}.npz").is_file():
            if not download:
                raise LenetEdgeError(f"GTSRB not found: set {DATA_ENV} or run with downloads allowed")
            cache = fetch_gtsrb()
        return _named(load_npz_dataset(cache / f"{split}.npz"), "gtsrb")
    return load_path(Path(spec), split)


def _named(ds: Dataset, name: str) -> Dataset:
    ds.name = name
    return ds


def load_path(p: Path, split: str) -> Dataset:
    if not p.exists():
        raise LenetEdgeError(f"no such file or folder: {p}")
    if p.is_file():
        if p.suffix == ".npz":
            return load_npz_dataset(p)
        if p.suffix in (".p", ".pkl", ".pickle"):
            return load_seed_pickle(p)
        raise LenetEdgeError(f"{p}: unknown data file type (expected .npz or a seed pickle .p)")
    for cand in (p / f"{split}.npz", p / "gtsrb" / f"{split}.npz"):
        if cand.is_file():
            return load_npz_dataset(cand)
    if find_official_root(p) is not None:
        return load_gtsrb_official(p, split)
    if is_kaggle_root(p):
        return load_gtsrb_kaggle(p, split)
    if (p / f"{split}.p").is_file():
        return load_seed_pickle(p / f"{split}.p")
    if is_mnist_idx_folder(p):
        return load_mnist_idx(p, split)
    raise LenetEdgeError(f"{p}: unknown dataset layout (expected train.npz/test.npz, GTSRB Final_Training/"
                         f"Final_Test, Kaggle Train.csv, seed pickles train.p/test.p, or MNIST idx files)")
