"""Synthetic road-scene videos with signs composited at known boxes: for edge-app tests and demos.

    gt = make_scene_video("road.avi", frames=120, sign_images=[(rgb, mask_or_None, class_id), ...])
    # gt[frame] = [(x, y, w, h, class_id), ...]

Signs drift across the frame and grow as if the car approached; the background is a sky / trees /
road picture with noise and slow lighting changes. Deterministic by seed.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge_app.errors import LenetEdgeError


def road_background(rng: np.random.Generator, w: int = 640, h: int = 480) -> np.ndarray:
    """BGR uint8: sky gradient, green verge, grey road with lane marks."""
    img = np.zeros((h, w, 3), np.float32)
    horizon = h // 2
    sky = np.linspace(235, 170, horizon)[:, None]
    img[:horizon] = np.stack([sky + 10, sky, sky - 40], -1).transpose(0, 1, 2) * np.ones((1, w, 1))
    img[horizon:] = (70, 120, 60)                                              # verge (BGR)
    road = np.array([[w * 0.42, horizon], [w * 0.58, horizon], [w * 0.95, h], [w * 0.05, h]], np.int32)
    cv2.fillPoly(img, [road], (95, 95, 95))
    cv2.line(img, (w // 2, horizon), (w // 2, h), (230, 230, 230), 3)
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_scene_video(path: str | Path, frames: int, sign_images: list, seed: int = 0, size=(640, 480),
                     fps: float = 30.0) -> list[list[tuple[int, int, int, int, int]]]:
    """Write an MJPG .avi (or mp4v .mp4) and return the per-frame ground truth boxes."""
    rng = np.random.default_rng(seed)
    w, h = size
    bg = road_background(rng, w, h)
    n = len(sign_images)
    if n == 0:
        raise LenetEdgeError("no signs to place")
    # each sign is visible for a window of frames; at most 2 at once, at different places
    span = max(12, frames * 2 // (n + 1))
    plans = []
    for k, (rgb, mask, cls) in enumerate(sign_images):
        start = int(k * (frames - span) / max(1, n - 1)) if n > 1 else 0
        side = "left" if k % 2 == 0 else "right"
        x0 = rng.uniform(0.05, 0.3) * w if side == "left" else rng.uniform(0.55, 0.75) * w
        y0 = rng.uniform(0.12, 0.4) * h
        plans.append((start, start + span, x0, y0, rng.uniform(44, 60), rng.uniform(80, 110), rgb, mask, cls))
    p = Path(path)
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if p.suffix.lower() == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(p), fourcc, fps, (w, h))
    if not writer.isOpened():
        raise LenetEdgeError(f"cannot write video {p}")
    gt = []
    for f in range(frames):
        img = bg.astype(np.float32) * (0.9 + 0.1 * np.sin(f / 25.0))
        boxes = []
        for start, end, x0, y0, s0, s1, rgb, mask, cls in plans:
            if not start <= f < end:
                continue
            a = (f - start) / max(1, end - start - 1)
            s = int(s0 + a * (s1 - s0))
            x, y = int(x0 + a * 0.08 * w * (1 if x0 > w / 2 else -1)), int(y0 - a * 0.04 * h)
            x, y = int(np.clip(x, 0, w - s)), int(np.clip(y, 0, h - s))
            sign = cv2.resize(rgb[..., ::-1], (s, s), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            alpha = np.ones((s, s, 1), np.float32) if mask is None else \
                cv2.resize(mask, (s, s), interpolation=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
            img[y:y + s, x:x + s] = sign * alpha + img[y:y + s, x:x + s] * (1 - alpha)
            boxes.append((x, y, s, s, int(cls)))
        writer.write(np.clip(img, 0, 255).astype(np.uint8))
        gt.append(boxes)
    writer.release()
    return gt
