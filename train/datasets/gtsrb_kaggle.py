"""GTSRB in the Kaggle layout: `Train/<ClassId>/*.png`, `Train.csv`, `Test/*.png`, `Test.csv`.

csv columns: Width,Height,Roi.X1,Roi.Y1,Roi.X2,Roi.Y2,ClassId,Path (Path relative to the root).
Training file names are `000CC_TTTTT_FFFFF.png`, so tracks are recovered from them.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES
from train.datasets.dataset import Dataset
from train.datasets.gtsrb_official import load_roi_image

COLUMNS = ["Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId", "Path"]


def is_kaggle_root(path: str | Path) -> bool:
    p = Path(path)
    return (p / "Train.csv").is_file() or (p / "Test.csv").is_file()


def load_gtsrb_kaggle(path: str | Path, split: str = "train", roi: bool = True) -> Dataset:
    root = Path(path)
    if split not in ("train", "test"):
        raise LenetEdgeError(f"unknown split {split!r} (train or test)")
    gt = root / ("Train.csv" if split == "train" else "Test.csv")
    try:
        with open(gt, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise LenetEdgeError(f"cannot read {gt}: {e.strerror}") from None
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise LenetEdgeError(f"{gt}: expected columns {','.join(COLUMNS)}")
    images, labels, tracks = [], [], []
    for n, r in enumerate(rows, start=2):
        try:
            w, h, x1, y1, x2, y2, c = (int(r[k]) for k in COLUMNS[:7])
        except (TypeError, ValueError):
            raise LenetEdgeError(f"{gt}:{n}: bad row") from None
        rel = r["Path"].replace("\\", "/")
        images.append(load_roi_image(root / rel, w, h, (x1, y1, x2, y2), roi))
        labels.append(c)
        if split == "train":
            parts = Path(rel).stem.split("_")
            if len(parts) != 3:
                raise LenetEdgeError(f"{gt}:{n}: training file {rel!r} is not 000CC_TTTTT_FFFFF.png")
            tracks.append(c * 100000 + int(parts[1]))
    return Dataset(np.stack(images), np.array(labels), GTSRB_CLASS_NAMES, "gtsrb",
                   np.array(tracks) if tracks else None, source=str(root))
