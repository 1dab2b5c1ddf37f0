"""Track sign candidates across frames and smooth their labels.

Greedy IoU matching of boxes frame to frame; each track keeps the class probabilities of its last
`window` frames, and its label is the arg-max of their mean. A track is reported (confirmed) once it
has been seen in `persist` frames and its smoothed confidence reaches `min_confidence`.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from edge_app.proposals import Box, iou


@dataclass
class Track:
    id: int
    box: Box
    probs: deque = field(default_factory=lambda: deque(maxlen=8))
    hits: int = 0
    misses: int = 0
    reported: bool = False

    def label(self) -> tuple[int, float]:
        mean = np.mean(self.probs, axis=0)
        c = int(mean.argmax())
        return c, float(mean[c])


class Tracker:
    def __init__(self, persist: int = 3, min_confidence: float = 0.6, max_misses: int = 5, min_iou: float = 0.3,
                 window: int = 8):
        self.persist, self.min_confidence, self.max_misses, self.min_iou, self.window = persist, min_confidence, max_misses, min_iou, window
        self.tracks: list[Track] = []
        self.next_id = 1

    def update(self, boxes: list[Box], probs: np.ndarray) -> list[Track]:
        """Feed one frame's boxes and their class probabilities; returns the confirmed tracks seen now."""
        pairs = sorted(((iou(t.box, b), ti, bi) for ti, t in enumerate(self.tracks) for bi, b in enumerate(boxes)),
                       reverse=True)
        used_t, used_b = set(), set()
        for overlap, ti, bi in pairs:
            if overlap < self.min_iou:
                break
            if ti in used_t or bi in used_b:
                continue
            used_t.add(ti), used_b.add(bi)
            t = self.tracks[ti]
            t.box, t.hits, t.misses = boxes[bi], t.hits + 1, 0
            t.probs.append(probs[bi])
        for ti, t in enumerate(self.tracks):
            if ti not in used_t:
                t.misses += 1
        for bi, b in enumerate(boxes):
            if bi not in used_b:
                t = Track(self.next_id, b, deque(maxlen=self.window), hits=1)
                t.probs.append(probs[bi])
                self.tracks.append(t)
                self.next_id += 1
        self.tracks = [t for t in self.tracks if t.misses <= self.max_misses]
        seen = []
        for t in self.tracks:
            if t.misses == 0 and t.hits >= self.persist and t.label()[1] >= self.min_confidence:
                seen.append(t)
        return seen
