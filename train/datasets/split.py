"""Track-aware train/validation split.

GTSRB training images come in tracks of up to 30 frames of one physical sign; a random split by
image leaks near-duplicates into validation. This split holds out whole tracks, per class.
"""
from __future__ import annotations

import numpy as np

from edge_app.errors import LenetEdgeError


def split_by_track(labels: np.ndarray, tracks: np.ndarray | None, val_fraction: float = 0.15,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val): for each class, whole tracks go to validation until it holds about
    `val_fraction` of that class's images (at least one track when the class has two or more).
    Without tracks (synthetic, MNIST) every image is its own track.
    """
    if not 0 < val_fraction < 1:
        raise LenetEdgeError(f"validation fraction must be in (0, 1), got {val_fraction}")
    labels = np.asarray(labels)
    tracks = np.arange(len(labels)) if tracks is None else np.asarray(tracks)
    rng = np.random.default_rng(seed)
    val_mask = np.zeros(len(labels), bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        uniq = np.unique(tracks[idx])
        if len(uniq) < 2:
            continue
        rng.shuffle(uniq)
        target, taken = val_fraction * len(idx), 0
        for t in uniq[:-1]:  # always leave one track for training
            if taken >= target:
                break
            m = idx[tracks[idx] == t]
            val_mask[m] = True
            taken += len(m)
    return np.flatnonzero(~val_mask), np.flatnonzero(val_mask)
