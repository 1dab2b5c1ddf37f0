"""GTSRB in the official layout (the archives from the benchmark site).

    GTSRB/Final_Training/Images/000NN/GT-000NN.csv + *.ppm   (43 class folders)
    GTSRB/Final_Test/Images/GT-final_test.csv + *.ppm         (with ClassId)

The csv rows are `Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId`. With `roi=True`
(default) each image is cropped to `img[Y1:Y2+1, X1:X2+1]`, the recipe of the shared npz arrays,
then resized to 32x32 with INTER_AREA and converted BGR -> RGB.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES
from train.datasets.dataset import Dataset

GT_HEADER = ["Filename", "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2"]
SIZE = 32


def find_official_root(path: str | Path) -> Path | None:
    """The folder holding Final_Training/ and/or Final_Test/, or None if `path` is not this layout."""
    p = Path(path)
    for cand in (p, p / "GTSRB", p.parent):
        if (cand / "Final_Training" / "Images").is_dir() or (cand / "Final_Test" / "Images").is_dir():
            return cand
    return None


def read_gt_csv(path: Path, need_class: bool = True) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError as e:
        raise LenetEdgeError(f"cannot read {path}: {e.strerror}") from None
    if not rows or rows[0][:7] != GT_HEADER or (need_class and (len(rows[0]) < 8 or rows[0][7] != "ClassId")):
        raise LenetEdgeError(f"{path}: not a GTSRB ground-truth csv (header {rows[0] if rows else 'empty'})")
    out = []
    for n, r in enumerate(rows[1:], start=2):
        if not r or not "".join(r).strip():
            continue
        try:
            vals = [int(v) for v in r[1:8 if need_class else 7]]
        except ValueError:
            raise LenetEdgeError(f"{path}:{n}: bad row {';'.join(r)!r}") from None
        out.append({"file": r[0], "w": vals[0], "h": vals[1], "roi": vals[2:6],
                    "label": vals[6] if need_class else -1})
    return out


def load_roi_image(path: Path, w: int, h: int, roi, crop: bool = True) -> np.ndarray:
    """Read one image, check its size against the csv, crop the ROI, resize to 32x32, -> RGB uint8."""
    if not path.is_file():
        raise LenetEdgeError(f"image listed in the csv is missing: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise LenetEdgeError(f"unreadable or truncated image: {path}")
    if bgr.shape[:2] != (h, w):
        raise LenetEdgeError(f"{path}: image is {bgr.shape[1]}x{bgr.shape[0]} but the csv says {w}x{h}")
    if crop:
        x1, y1, x2, y2 = roi
        if not (0 <= x1 <= x2 < w and 0 <= y1 <= y2 < h):
            raise LenetEdgeError(f"{path}: ROI {roi} outside the {w}x{h} image")
        bgr = bgr[y1:y2 + 1, x1:x2 + 1]
    small = cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


def track_id(label: int, filename: str) -> int:
    """Unique id of the physical sign: class * 100000 + the TTTTT of `TTTTT_FFFFF.ppm`."""
    stem = Path(filename).stem
    try:
        return label * 100000 + int(stem.split("_")[0])
    except ValueError:
        raise LenetEdgeError(f"training file name {filename!r} is not TTTTT_FFFFF.ext") from None


def load_gtsrb_official(path: str | Path, split: str = "train", roi: bool = True) -> Dataset:
    root = find_official_root(path)
    if root is None:
        raise LenetEdgeError(f"{path}: no GTSRB Final_Training/ or Final_Test/ folder")
    images, labels, tracks = [], [], []
    if split == "train":
        base = root / "Final_Training" / "Images"
        csvs = sorted(base.glob("*/GT-*.csv")) if base.is_dir() else []
        if not csvs:
            raise LenetEdgeError(f"{base}: no GT-000NN.csv files found")
        for gt in csvs:
            for r in read_gt_csv(gt):
                images.append(load_roi_image(gt.parent / r["file"], r["w"], r["h"], r["roi"], roi))
                labels.append(r["label"])
                tracks.append(track_id(r["label"], r["file"]))
    elif split == "test":
        base = root / "Final_Test" / "Images"
        gt = next((p for p in (base / "GT-final_test.csv", root / "Final_Test" / "GT-final_test.csv",
                               root / "GT-final_test.csv") if p.is_file()), None)
        if gt is None:
            raise LenetEdgeError(f"{base}: GT-final_test.csv (test labels) not found")
        for r in read_gt_csv(gt):
            images.append(load_roi_image(base / r["file"], r["w"], r["h"], r["roi"], roi))
            labels.append(r["label"])
    else:
        raise LenetEdgeError(f"unknown split {split!r} (train or test)")
    return Dataset(np.stack(images), np.array(labels), GTSRB_CLASS_NAMES, "gtsrb",
                   np.array(tracks) if tracks else None, source=str(root))
