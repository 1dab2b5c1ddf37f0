"""On-the-fly augmentation of uint8 images (before the shared preprocessing), with OpenCV.

Geometric: rotation, scale, shift, small shear (border replicated); photometric: brightness and
contrast. No flips: many signs (turn left / right, keep left / right) change class when mirrored.
"""
from __future__ import annotations

import cv2
import numpy as np

STRENGTH = {  # (max rotation deg, max scale delta, max shift px, max shear, max gain delta, max offset)
    "light": (10.0, 0.08, 2.0, 0.05, 0.2, 20.0),
    "strong": (15.0, 0.15, 3.0, 0.1, 0.4, 40.0),
}


def augment_batch(images: np.ndarray, rng: np.random.Generator, strength: str = "light") -> np.ndarray:
    """images uint8 (B, H, W[, C]) -> augmented copy, same shape and dtype."""
    if strength == "none":
        return images
    rot, scl, shift, shear, gain, offset = STRENGTH[strength]
    out = np.empty_like(images)
    h, w = images.shape[1:3]
    c = np.array([w / 2, h / 2])
    n = len(images)
    angles = np.radians(rng.uniform(-rot, rot, n))
    scales = 1 + rng.uniform(-scl, scl, n)
    shifts = rng.uniform(-shift, shift, (n, 2))
    shears = rng.uniform(-shear, shear, n)
    gains = 1 + rng.uniform(-gain, gain, n)
    offsets = rng.uniform(-offset, offset, n)
    for i in range(n):
        ca, sa = np.cos(angles[i]) * scales[i], np.sin(angles[i]) * scales[i]
        m = np.array([[ca, -sa + shears[i]], [sa, ca]])
        t = c - m @ c + shifts[i]
        warped = cv2.warpAffine(images[i], np.hstack([m, t[:, None]]).astype(np.float32), (w, h),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out[i] = np.clip(warped.astype(np.float32) * gains[i] + offsets[i], 0, 255).astype(np.uint8)
    return out
