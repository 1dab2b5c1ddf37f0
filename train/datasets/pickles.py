"""The seed notebook's pickles (`train.p`, `valid.p`, `test.p`, each a dict with `features`, `labels`).

Pickles can run arbitrary code when loaded, so they are read with a restricted unpickler that
admits only plain containers and numpy arrays: anything else is refused with a clear error.
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES
from train.datasets.dataset import Dataset

# The globals a pickle of dicts/lists/numpy arrays needs (numpy 1.x and 2.x module names).
_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"), ("collections", "OrderedDict"),
}


class _RefusedGlobal(Exception):
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise _RefusedGlobal(f"{module}.{name}")


def safe_load_pickle(path: str | Path):
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise LenetEdgeError(f"cannot read {p}: {e.strerror}") from None
    try:
        return _RestrictedUnpickler(io.BytesIO(data)).load()
    except _RefusedGlobal as e:
        raise LenetEdgeError(f"{p}: refused: the pickle references {e}, which could run code "
                             "(only plain containers and numpy arrays are allowed)") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise LenetEdgeError(f"{p}: not a readable pickle ({type(e).__name__})") from None


def load_seed_pickle(path: str | Path) -> Dataset:
    d = safe_load_pickle(path)
    if not isinstance(d, dict) or "features" not in d or "labels" not in d:
        raise LenetEdgeError(f"{path}: expected a dict with 'features' and 'labels'")
    x, y = np.asarray(d["features"]), np.asarray(d["labels"])
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise LenetEdgeError(f"{path}: 'features' must be uint8 (N, H, W, 3), got {x.dtype} {x.shape}")
    return Dataset(x, y.astype(np.int64), GTSRB_CLASS_NAMES, "gtsrb", None, source=str(path))
