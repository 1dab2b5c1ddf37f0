"""`lenet-edge calibrate`: the representative set, from the training split only.

    lenet-edge calibrate --data gtsrb --size 500 --model runs/lenet/model.keras --out runs/cal
"""
from __future__ import annotations

import json
from pathlib import Path

from calibration.representative import build_calibration, save_calibration
from edge_app.errors import LenetEdgeError
from edge_app.preprocess import PreprocessSpec
from train.datasets import load_data


def spec_from_model(model_path: str) -> PreprocessSpec:
    from edge_app.model_card import card_from_json
    from train.model_io import card_path_for
    p = Path(model_path)
    if not p.is_file():
        raise LenetEdgeError(f"no such model file: {p}")
    cp = card_path_for(p)
    if not cp.is_file():
        raise LenetEdgeError(f"{p}: model card {cp.name} not found beside it")
    return card_from_json(cp.read_text(), str(cp)).preprocessing


def calibrate(data: str, model: str | None, size: int, seed: int, out: str,
              synthetic_per_class: int | None = None):
    """Build the set from the training split with the model's preprocessing and save it in `out`."""
    spec = spec_from_model(model) if model else PreprocessSpec()
    ds = load_data(data, "train", synthetic_per_class=synthetic_per_class, seed=seed)
    cal = build_calibration(ds, size, seed, spec)
    return cal, save_calibration(cal, Path(out) / "calibration.npz")


def main(args) -> int:
    cal, path = calibrate(args.data, args.model, args.size, args.seed, args.out, args.synthetic_per_class)
    print(json.dumps({"calibration": str(path), "images": len(cal.x),
                      "classes": sum(1 for n in cal.histogram if n)}))
    return 0
