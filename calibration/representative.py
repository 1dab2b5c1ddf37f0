"""The representative set for int8 quantization: built from the training split only, stratified.

    cal = build_calibration(train_ds, size=500, seed=0, spec=SEED_SPEC)
    save_calibration(cal, "runs/cal/calibration.npz")      # + manifest.json
    cal = load_calibration("runs/cal/calibration.npz")
    converter.representative_dataset = tflite_representative_dataset(cal)
    quantize_static(..., calibration_data_reader=OnnxCalibrationReader(cal, "image"))
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_app.artifacts import atomic_output, sha256_file, write_manifest
from edge_app.errors import LenetEdgeError
from edge_app.preprocess import PreprocessSpec, to_model_input

MIN_RECOMMENDED = 100


@dataclass
class CalibrationSet:
    x: np.ndarray                # float32 (N, size, size, 1), preprocessed with `spec`
    labels: np.ndarray           # int64 (N,)
    spec: PreprocessSpec
    source: str
    seed: int
    num_classes: int

    @property
    def histogram(self) -> list[int]:
        return np.bincount(self.labels, minlength=self.num_classes).tolist()


def stratified_pick(labels: np.ndarray, size: int, seed: int, num_classes: int) -> np.ndarray:
    """Indices: each class gets its share of `size` in proportion to its frequency (largest
    remainders), at least one image per present class when size allows; order is seeded."""
    rng = np.random.default_rng(seed)
    counts = np.bincount(labels, minlength=num_classes)
    size = min(size, int(counts.sum()))
    share = counts / counts.sum() * size
    quota = np.floor(share).astype(int)
    for c in np.argsort(-(share - quota), kind="stable")[: size - quota.sum()]:
        quota[c] += 1                                  # largest remainders
    for c in np.flatnonzero((counts > 0) & (quota == 0)):
        donor = int(np.argmax(quota))                  # every present class gets one, if size allows
        if quota[donor] > 1:
            quota[donor] -= 1
            quota[c] += 1
    quota = np.minimum(quota, counts)
    picked = [rng.choice(np.flatnonzero(labels == c), size=q, replace=False) for c, q in enumerate(quota) if q]
    idx = np.concatenate(picked) if picked else np.zeros(0, int)
    return rng.permutation(idx)


def build_calibration(train_ds, size: int = 500, seed: int = 0, spec: PreprocessSpec | None = None) -> CalibrationSet:
    if size < 1:
        raise LenetEdgeError(f"calibration size must be >= 1, got {size}")
    spec = spec or PreprocessSpec()
    idx = stratified_pick(train_ds.labels, size, seed, train_ds.num_classes)
    cal = CalibrationSet(to_model_input(train_ds.images[idx], spec), train_ds.labels[idx], spec,
                         train_ds.source or train_ds.name, seed, train_ds.num_classes)
    warn_if_weak(cal)
    return cal


def warn_if_weak(cal: CalibrationSet) -> list[str]:
    warnings = []
    if len(cal.x) < MIN_RECOMMENDED:
        warnings.append(f"only {len(cal.x)} calibration images (fewer than {MIN_RECOMMENDED}): int8 ranges may be poor")
    missing = [c for c, n in enumerate(cal.histogram) if n == 0]
    if missing:
        warnings.append(f"calibration set misses {len(missing)} classes: {missing[:10]}{'...' if len(missing) > 10 else ''}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return warnings


def save_calibration(cal: CalibrationSet, path: str | Path) -> Path:
    path = Path(path)
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, x=cal.x, labels=cal.labels, num_classes=np.int64(cal.num_classes),
                                spec=np.array(json.dumps(cal.spec.to_dict())), source=np.array(cal.source),
                                seed=np.int64(cal.seed))
    write_manifest(path.parent, [path.name], extra={
        "calibration": {"images": len(cal.x), "class_histogram": cal.histogram, "source": cal.source,
                        "seed": cal.seed, "preprocessing": cal.spec.to_dict(), "sha256": sha256_file(path)}},
        name=path.stem + ".manifest.json")
    return path


def load_calibration(path: str | Path, expect_shape: tuple | None = None) -> CalibrationSet:
    """Load and check a calibration set; `expect_shape` = the model input (size, size, 1)."""
    from train.datasets.npz_arrays import read_npz
    a = read_npz(path)
    if "x" not in a or "labels" not in a or "spec" not in a:
        raise LenetEdgeError(f"{path}: not a calibration set (make one with `lenet-edge calibrate`)")
    x = a["x"]
    if len(x) == 0:
        raise LenetEdgeError(f"{path}: the calibration set is empty")
    if x.dtype != np.float32 or x.ndim != 4:
        raise LenetEdgeError(f"{path}: calibration images must be float32 (N, H, W, C), got {x.dtype} {x.shape}")
    if expect_shape is not None and tuple(x.shape[1:]) != tuple(expect_shape):
        raise LenetEdgeError(f"{path}: calibration images are {tuple(x.shape[1:])} but the model takes "
                             f"{tuple(expect_shape)}")
    if not np.isfinite(x).all():
        raise LenetEdgeError(f"{path}: calibration images contain NaN or inf")
    return CalibrationSet(x, a["labels"].astype(np.int64), PreprocessSpec.from_dict(json.loads(str(a["spec"]))),
                          str(a["source"]), int(a["seed"]), int(a["num_classes"]))


def tflite_representative_dataset(cal: CalibrationSet):
    """A TFLite `representative_dataset`: a callable yielding one [(1, H, W, C) float32] per image."""
    def gen():
        for i in range(len(cal.x)):
            yield [cal.x[i:i + 1]]
    return gen


def onnx_calibration_reader(cal: CalibrationSet, input_name: str, batch: int = 1):
    """An onnxruntime.quantization CalibrationDataReader over the set."""
    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.rewind()

        def get_next(self):
            if self.pos >= len(cal.x):
                return None
            item = {input_name: cal.x[self.pos:self.pos + batch]}
            self.pos += batch
            return item

        def rewind(self):
            self.pos = 0

    return Reader()
