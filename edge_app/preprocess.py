"""The one preprocessing function, used by training, calibration, conversion checks and the app.

The seed notebook's recipe: grayscale = mean of R, G and B, then (x - 128) / 128.
A `PreprocessSpec` (stored in every model card) says which variant a model was trained with,
so the device always feeds a model exactly what it saw in training.

Example:
    >>> spec = PreprocessSpec()                      # the seed: 32x32, gray mean, (x-128)/128
    >>> x = to_model_input(images_uint8_rgb, spec)   # (N, 32, 32, 1) float32 in [-1, 1)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from edge_app.errors import LenetEdgeError

GRAY_MODES = ("mean", "none")  # "none": the images are already single-channel (MNIST)


@dataclass(frozen=True)
class PreprocessSpec:
    """How uint8 images become model input. Stored in the model card as `preprocessing`."""

    size: int = 32          # model input is size x size
    gray: str = "mean"      # "mean": (R + G + B) / 3; "none": input is already gray
    clahe: bool = False     # contrast-limited histogram equalisation on the gray image
    offset: float = 128.0   # x' = (x - offset) / scale
    scale: float = 128.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PreprocessSpec":
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise LenetEdgeError(f"unknown preprocessing keys in model card: {sorted(unknown)}")
        spec = cls(**d)
        if spec.gray not in GRAY_MODES:
            raise LenetEdgeError(f"preprocessing.gray must be one of {GRAY_MODES}, got {spec.gray!r}")
        if spec.size < 8 or spec.scale == 0:
            raise LenetEdgeError(f"invalid preprocessing spec: {d}")
        return spec


SEED_SPEC = PreprocessSpec()
MNIST_SPEC = PreprocessSpec(size=28, gray="none", offset=0.0, scale=255.0)

_CLAHE = None


def _clahe(gray_u8: np.ndarray) -> np.ndarray:
    global _CLAHE
    if _CLAHE is None:
        _CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    return np.stack([_CLAHE.apply(g) for g in gray_u8])


def to_model_input(images: np.ndarray, spec: PreprocessSpec = SEED_SPEC) -> np.ndarray:
    """uint8 images -> float32 model input.

    Args:
        images: uint8, (N, H, W, 3) RGB, (N, H, W) or (N, H, W, 1) gray; a single image
            without the batch axis is accepted too. Images not of spec.size are resized
            with cv2.INTER_AREA (the recipe the GTSRB arrays were made with).
        spec: the model's preprocessing, from its card.
    Returns:
        float32 (N, size, size, 1).
    """
    x = np.asarray(images)
    if x.dtype != np.uint8:
        raise LenetEdgeError(f"images must be uint8, got {x.dtype}")
    if x.ndim == 2 or (x.ndim == 3 and x.shape[-1] == 3):
        x = x[None]  # a single gray (H, W) or RGB (H, W, 3) image
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 4 and x.shape[-1] == 3:
        if spec.gray != "mean":
            raise LenetEdgeError("this model expects single-channel images, got RGB")
        gray = x.mean(axis=-1, dtype=np.float32)  # (N, H, W), the seed's mean of R, G, B
    elif x.ndim == 3:
        gray = x.astype(np.float32)
    else:
        raise LenetEdgeError(f"images must be (N, H, W, 3) or (N, H, W), got shape {x.shape}")
    if gray.shape[1:] != (spec.size, spec.size):
        gray = np.stack([cv2.resize(g, (spec.size, spec.size), interpolation=cv2.INTER_AREA) for g in gray]) \
            if len(gray) else np.zeros((0, spec.size, spec.size), np.float32)
    if spec.clahe:
        gray = _clahe(np.clip(np.rint(gray), 0, 255).astype(np.uint8)).astype(np.float32)
    out = (gray - np.float32(spec.offset)) / np.float32(spec.scale)
    return out[..., None].astype(np.float32, copy=False)


def crops_to_model_input(frame_bgr: np.ndarray, boxes, spec: PreprocessSpec = SEED_SPEC) -> np.ndarray:
    """Cut (x, y, w, h) boxes out of a BGR frame and preprocess them like the training images
    (INTER_AREA to spec.size, BGR -> RGB, then `to_model_input`). Returns (N, size, size, 1)."""
    crops = np.empty((len(boxes), spec.size, spec.size, 3), np.uint8)
    for i, (x, y, w, h) in enumerate(boxes):
        crops[i] = cv2.resize(frame_bgr[y:y + h, x:x + w], (spec.size, spec.size), interpolation=cv2.INTER_AREA)
    return to_model_input(crops[..., ::-1], spec)


def quantize(x: np.ndarray, scale: float, zero_point: int, dtype: np.dtype) -> np.ndarray:
    """float -> int8/uint8 with the model's input quantization (q = round(x / s) + z)."""
    info = np.iinfo(dtype)
    return np.clip(np.rint(x / scale) + zero_point, info.min, info.max).astype(dtype)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8/uint8 -> float32 (x = (q - z) * s)."""
    return (q.astype(np.float32) - np.float32(zero_point)) * np.float32(scale)
