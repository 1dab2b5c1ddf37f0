"""On-the-fly augmentation of uint8 images (before the shared preprocessing), with OpenCV.

Geometric: rotation, scale, shift, small shear (border replicated); photometric: brightness and
contrast. `heavy` is `strong` plus, each to a third of the images, the degradations of far or fast
signs: blur, low resolution (down-scaled, then up again) and a gamma change. No flips: many signs
(turn left / right, keep left / right) change class when mirrored.
"""
from __future__ import annotations

import cv2
import numpy as np

STRENGTH = {  # (max rotation deg, max scale delta, max shift px, max shear, max gain delta, max offset)
    "light": (10.0, 0.08, 2.0, 0.05, 0.2, 20.0),
    "strong": (15.0, 0.15, 3.0, 0.1, 0.4, 40.0),
}
STRENGTH["heavy"] = STRENGTH["strong"]  # plus _degrade
DEGRADE_P = 1 / 3  # heavy: chance of each degradation


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
    if strength == "heavy":
        _degrade(out, rng)
    return out


def _degrade(images: np.ndarray, rng: np.random.Generator) -> None:
    """In place: blur, down-and-up scaling, gamma, each to about DEGRADE_P of the images."""
    n, h, w = images.shape[:3]
    hit = rng.random((n, 3)) < DEGRADE_P
    sigmas = rng.uniform(0.4, 1.2, n)
    small = rng.integers(10, max(11, min(h, w) - 4), n)
    gammas = np.exp(rng.uniform(np.log(0.6), np.log(1.6), n))
    for i in np.flatnonzero(hit.any(axis=1)):
        img = images[i]
        if hit[i, 0]:
            img = cv2.GaussianBlur(img, (0, 0), sigmas[i], borderType=cv2.BORDER_REPLICATE)
        if hit[i, 1]:
            img = cv2.resize(cv2.resize(img, (int(small[i]), int(small[i])), interpolation=cv2.INTER_AREA),
                             (w, h), interpolation=cv2.INTER_LINEAR)
        if hit[i, 2]:
            lut = np.clip(255 * (np.arange(256) / 255) ** gammas[i], 0, 255).astype(np.uint8)
            img = cv2.LUT(img, lut)
        images[i] = img.reshape(images.shape[1:])
