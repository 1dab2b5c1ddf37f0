"""Sign candidates from colour and shape: red and blue masks (plus yellow for the priority road),
contours, and shape tests (circle, triangle, octagon, diamond), with size limits.

Works on a downscaled copy (longest side `work_size` px) for speed; boxes come back in full-frame
pixels, enlarged by `margin` (GTSRB crops keep about 10% of background around the sign).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    shape: str = ""     # circle | triangle | octagon | diamond | roi

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


@dataclass
class ProposalConfig:
    work_size: int = 320           # proposals run at this longest side (px)
    min_side: int = 10             # px at work size (~20 px at 640x480)
    max_frac: float = 0.8          # a sign may fill at most this fraction of the frame's shorter side
    min_aspect: float = 0.55
    max_aspect: float = 1.8
    min_fill: float = 0.35         # contour area / box area
    margin: float = 0.12           # enlarge boxes by this fraction per side
    max_candidates: int = 16


_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_KERNEL_RED = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))  # bridges the white bar of "no entry"


def colour_masks(hsv: np.ndarray) -> list[np.ndarray]:
    """Red (two hue bands), blue and yellow masks of an HSV image (OpenCV hue 0..180)."""
    s_ok = cv2.inRange(hsv, (0, 50, 28), (180, 255, 255))   # GTSRB has many dark, washed-out signs
    red = cv2.bitwise_and(cv2.bitwise_or(cv2.inRange(hsv, (0, 0, 0), (10, 255, 255)),
                                         cv2.inRange(hsv, (160, 0, 0), (180, 255, 255))), s_ok)
    blue = cv2.bitwise_and(cv2.inRange(hsv, (95, 0, 0), (130, 255, 255)), s_ok)
    yellow = cv2.bitwise_and(cv2.inRange(hsv, (15, 0, 0), (35, 255, 255)), cv2.inRange(hsv, (0, 60, 40), (180, 255, 255)))
    return [red, blue, yellow]


def classify_shape(contour: np.ndarray, area: float) -> str:
    peri = cv2.arcLength(contour, True)
    if peri <= 0:
        return ""
    circularity = 4 * np.pi * area / (peri * peri)
    n = len(cv2.approxPolyDP(contour, 0.04 * peri, True))
    if n == 3:
        return "triangle"
    if n == 4:
        return "diamond"
    if 7 <= n <= 9 and circularity > 0.75:
        return "octagon"
    if circularity > 0.6:
        return "circle"
    return ""


def iou(a: Box, b: Box) -> float:
    x1, y1 = max(a.x, b.x), max(a.y, b.y)
    x2, y2 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / float(a.w * a.h + b.w * b.h - inter + 1e-9)


def _contains(a: Box, b: Box) -> bool:
    """b lies (almost) inside a."""
    return b.x >= a.x - 2 and b.y >= a.y - 2 and b.x + b.w <= a.x + a.w + 2 and b.y + b.h <= a.y + a.h + 2


def find_candidates(frame_bgr: np.ndarray, cfg: ProposalConfig = ProposalConfig()) -> list[Box]:
    h, w = frame_bgr.shape[:2]
    scale = min(1.0, cfg.work_size / max(h, w))
    small = cv2.resize(frame_bgr, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else frame_bgr
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    max_side = cfg.max_frac * min(small.shape[:2])
    found: list[tuple[float, Box]] = []
    for k, mask in enumerate(colour_masks(hsv)):
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL_RED if k == 0 else _KERNEL)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            if min(bw, bh) < cfg.min_side or max(bw, bh) > max_side:
                continue
            if not cfg.min_aspect <= bw / bh <= cfg.max_aspect:
                continue
            hull = cv2.convexHull(c)
            area = cv2.contourArea(hull)
            if area / (bw * bh) < cfg.min_fill:
                continue
            shape = classify_shape(hull, area)
            if not shape:
                continue
            m = cfg.margin if k < 2 else 0.3   # yellow: only the inner diamond, the white border is outside
            bx = Box(int(max(0, (x - m * bw) / scale)), int(max(0, (y - m * bh) / scale)),
                     int(min(w, (x + bw * (1 + m)) / scale)) - int(max(0, (x - m * bw) / scale)),
                     int(min(h, (y + bh * (1 + m)) / scale)) - int(max(0, (y - m * bh) / scale)), shape)
            found.append((area, bx))
    found.sort(key=lambda t: -t[0])
    kept: list[Box] = []
    for _, b in found:  # largest first; drop overlaps and parts inside a kept sign (e.g. a red ring's inner blob)
        if all(iou(b, k) < 0.3 and not _contains(k, b) for k in kept):
            kept.append(b)
        if len(kept) >= cfg.max_candidates:
            break
    return kept


def center_box(frame_bgr: np.ndarray, frac: float = 0.5) -> Box:
    """The central square (a sign held up to the camera)."""
    h, w = frame_bgr.shape[:2]
    s = int(min(h, w) * frac)
    return Box((w - s) // 2, (h - s) // 2, s, s, "roi")


def full_box(frame_bgr: np.ndarray) -> Box:
    h, w = frame_bgr.shape[:2]
    s = min(h, w)
    return Box((w - s) // 2, (h - s) // 2, s, s, "roi")
