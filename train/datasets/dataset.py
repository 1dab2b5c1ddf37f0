"""The in-memory dataset every loader returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edge_app.errors import LenetEdgeError


@dataclass
class Dataset:
    images: np.ndarray               # uint8 (N, H, W, 3) RGB, or (N, H, W) gray for MNIST
    labels: np.ndarray               # int64 (N,)
    class_names: tuple[str, ...]
    name: str                        # "gtsrb", "mnist", "synthetic", ...
    tracks: np.ndarray | None = None  # int64 (N,), physical-sign track id (GTSRB train), else None
    source: str = ""                 # where it was loaded from
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.images.dtype != np.uint8:
            raise LenetEdgeError(f"{self.name}: images must be uint8, got {self.images.dtype}")
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.images) != len(self.labels):
            raise LenetEdgeError(f"{self.name}: {len(self.images)} images but {len(self.labels)} labels")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise LenetEdgeError(f"{self.name}: labels outside 0..{len(self.class_names) - 1}")
        if self.tracks is not None:
            self.tracks = np.asarray(self.tracks, dtype=np.int64)
            if len(self.tracks) != len(self.labels):
                raise LenetEdgeError(f"{self.name}: {len(self.tracks)} track ids for {len(self.labels)} images")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, idx: np.ndarray) -> "Dataset":
        return Dataset(self.images[idx], self.labels[idx], self.class_names, self.name,
                       None if self.tracks is None else self.tracks[idx], self.source, dict(self.extra))
