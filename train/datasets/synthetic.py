"""Synthetic traffic signs for all 43 GTSRB classes, drawn with OpenCV, deterministic by seed.

The offline default of the pipeline and the tests, and the source of demo videos. Realism is
secondary: every class has its own shape / colour / glyph, so a small CNN learns them all.

    draw_sign(class_id, size)            -> (RGB uint8 (size, size, 3), mask uint8 (size, size))
    make_synthetic(n_per_class, seed)    -> Dataset of 32x32 RGB crops with random perspective,
                                            scale, blur, noise, lighting and background
"""
from __future__ import annotations

import cv2
import numpy as np

from edge_app.labels import GTSRB_CLASS_NAMES
from train.datasets.dataset import Dataset

S = 96  # drawing canvas (px); signs are drawn at this size, then warped and downscaled

RED, BLUE, WHITE, BLACK, YELLOW, GRAY = (200, 20, 30), (20, 70, 190), (245, 245, 245), (15, 15, 15), \
    (250, 200, 0), (120, 120, 120)
GREEN = (20, 160, 60)

# class id -> (shape, glyph). Shapes: circle_red (white disc, red ring), circle_blue, circle_end (white, no
# ring), triangle (red border, point up), yield (point down), octagon, diamond, no_entry.
SIGNS: dict[int, tuple[str, str]] = {
    0: ("circle_red", "20"), 1: ("circle_red", "30"), 2: ("circle_red", "50"), 3: ("circle_red", "60"),
    4: ("circle_red", "70"), 5: ("circle_red", "80"), 6: ("circle_end", "end80"), 7: ("circle_red", "100"),
    8: ("circle_red", "120"), 9: ("circle_red", "cars"), 10: ("circle_red", "truck_car"),
    11: ("triangle", "cross"), 12: ("diamond", ""), 13: ("yield", ""), 14: ("octagon", "STOP"),
    15: ("circle_red", ""), 16: ("circle_red", "truck"), 17: ("no_entry", ""), 18: ("triangle", "!"),
    19: ("triangle", "curve_left"), 20: ("triangle", "curve_right"), 21: ("triangle", "double_curve"),
    22: ("triangle", "bumps"), 23: ("triangle", "slippery"), 24: ("triangle", "narrows"),
    25: ("triangle", "worker"), 26: ("triangle", "signals"), 27: ("triangle", "person"),
    28: ("triangle", "children"), 29: ("triangle", "bicycle"), 30: ("triangle", "snow"),
    31: ("triangle", "deer"), 32: ("circle_end", "end_all"), 33: ("circle_blue", "turn_right"),
    34: ("circle_blue", "turn_left"), 35: ("circle_blue", "up"), 36: ("circle_blue", "up_right"),
    37: ("circle_blue", "up_left"), 38: ("circle_blue", "keep_right"), 39: ("circle_blue", "keep_left"),
    40: ("circle_blue", "roundabout"), 41: ("circle_end", "end_cars"), 42: ("circle_end", "end_truck"),
}


def _pts(*xy) -> np.ndarray:
    return (np.array(xy, np.float32).reshape(-1, 2) * S).astype(np.int32)


def _text(img, txt, color, scale=1.0, thick=3):
    font = cv2.FONT_HERSHEY_SIMPLEX
    fs = scale * S / 64
    (w, h), _ = cv2.getTextSize(txt, font, fs, thick)
    if w > 0.62 * S:  # fit three digits inside the ring
        fs *= 0.62 * S / w
        (w, h), _ = cv2.getTextSize(txt, font, fs, thick)
    cv2.putText(img, txt, ((S - w) // 2, (S + h) // 2), font, fs, color, thick, cv2.LINE_AA)


def _arrow(img, p0, p1, color, t=7):
    cv2.arrowedLine(img, tuple(int(v * S) for v in p0), tuple(int(v * S) for v in p1), color, t,
                    cv2.LINE_AA, tipLength=0.4)


def _car(img, x, y, color, w=0.16, h=0.2):
    cv2.rectangle(img, (int(x * S), int(y * S)), (int((x + w) * S), int((y + h) * S)), color, -1)
    cv2.rectangle(img, (int((x + 0.03) * S), int((y - 0.06) * S)), (int((x + w - 0.03) * S), int(y * S)), color, -1)


def _truck(img, x, y, color):
    cv2.rectangle(img, (int(x * S), int((y - 0.08) * S)), (int((x + 0.2) * S), int((y + 0.14) * S)), color, -1)
    cv2.rectangle(img, (int((x + 0.2) * S), int(y * S)), (int((x + 0.28) * S), int((y + 0.14) * S)), color, -1)


def _person(img, cx, cy, color, s=1.0):
    cv2.circle(img, (int(cx * S), int((cy - 0.16 * s) * S)), int(0.045 * s * S), color, -1)
    cv2.line(img, (int(cx * S), int((cy - 0.1 * s) * S)), (int(cx * S), int((cy + 0.05 * s) * S)), color, 4)
    for dx in (-0.06, 0.06):
        cv2.line(img, (int(cx * S), int((cy + 0.05 * s) * S)), (int((cx + dx * s) * S), int((cy + 0.17 * s) * S)), color, 4)
    cv2.line(img, (int((cx - 0.07 * s) * S), int((cy - 0.04 * s) * S)), (int((cx + 0.07 * s) * S), int((cy - 0.04 * s) * S)), color, 3)


def _glyph(img, g: str, ink) -> None:
    if g.isdigit() or g == "STOP":
        _text(img, g, WHITE if g == "STOP" else ink, 1.2 if g != "STOP" else 0.9)
    elif g == "!":
        cv2.line(img, _pts(0.5, 0.42)[0], _pts(0.5, 0.68)[0], ink, 7)
        cv2.circle(img, tuple(_pts(0.5, 0.77)[0]), 4, ink, -1)
    elif g == "cross":
        cv2.line(img, _pts(0.5, 0.4)[0], _pts(0.5, 0.8)[0], ink, 7)
        cv2.line(img, _pts(0.36, 0.6)[0], _pts(0.64, 0.6)[0], ink, 5)
    elif g == "end80":
        _text(img, "80", GRAY, 1.2)
        cv2.line(img, _pts(0.25, 0.75)[0], _pts(0.75, 0.25)[0], BLACK, 5)
    elif g == "end_all":
        for o in (-0.08, 0.0, 0.08):
            cv2.line(img, _pts(0.22 + o, 0.78 + o)[0], _pts(0.78 + o, 0.22 + o)[0], BLACK, 3)
    elif g == "cars":
        _car(img, 0.3, 0.45, RED), _car(img, 0.54, 0.45, BLACK)
    elif g == "truck_car":
        _truck(img, 0.24, 0.48, RED), _car(img, 0.56, 0.45, BLACK, w=0.14)
    elif g == "truck":
        _truck(img, 0.33, 0.45, BLACK)
    elif g in ("end_cars", "end_truck"):
        if g == "end_cars":
            _car(img, 0.3, 0.45, GRAY), _car(img, 0.54, 0.45, GRAY)
        else:
            _truck(img, 0.24, 0.48, GRAY), _car(img, 0.56, 0.45, GRAY, w=0.14)
        cv2.line(img, _pts(0.25, 0.75)[0], _pts(0.75, 0.25)[0], BLACK, 5)
    elif g in ("curve_left", "curve_right"):
        sgn = -1 if g == "curve_left" else 1
        pts = _pts(0.5 - 0.05 * sgn, 0.8, 0.5 - 0.05 * sgn, 0.6, 0.5 + 0.12 * sgn, 0.45)
        cv2.polylines(img, [pts], False, ink, 6)
        _arrow(img, (0.5 + 0.05 * sgn, 0.5), (0.5 + 0.14 * sgn, 0.42), ink, 6)
    elif g == "double_curve":
        cv2.polylines(img, [_pts(0.45, 0.82, 0.42, 0.7, 0.57, 0.6, 0.57, 0.5, 0.45, 0.4)], False, ink, 6)
    elif g == "bumps":
        for cx in (0.38, 0.62):
            cv2.ellipse(img, tuple(_pts(cx, 0.72)[0]), (int(0.11 * S), int(0.12 * S)), 0, 180, 360, ink, -1)
        cv2.line(img, _pts(0.22, 0.73)[0], _pts(0.78, 0.73)[0], ink, 4)
    elif g == "slippery":
        _car(img, 0.42, 0.48, ink)
        for y in (0.72, 0.8):
            cv2.polylines(img, [_pts(0.32, y, 0.4, y - 0.04, 0.48, y, 0.56, y - 0.04, 0.64, y)], False, ink, 3)
    elif g == "narrows":
        cv2.line(img, _pts(0.4, 0.82)[0], _pts(0.4, 0.42)[0], ink, 6)
        cv2.polylines(img, [_pts(0.62, 0.82, 0.62, 0.62, 0.52, 0.52, 0.52, 0.42)], False, ink, 6)
    elif g == "worker":
        _person(img, 0.45, 0.62, ink)
        cv2.line(img, _pts(0.52, 0.58)[0], _pts(0.66, 0.78)[0], ink, 4)
        cv2.rectangle(img, tuple(_pts(0.58, 0.74)[0]), tuple(_pts(0.7, 0.8)[0]), ink, -1)
    elif g == "signals":
        cv2.rectangle(img, tuple(_pts(0.42, 0.36)[0]), tuple(_pts(0.58, 0.82)[0]), BLACK, -1)
        for y, c in ((0.44, RED), (0.59, YELLOW), (0.74, GREEN)):
            cv2.circle(img, tuple(_pts(0.5, y)[0]), int(0.055 * S), c, -1)
    elif g == "person":
        _person(img, 0.5, 0.64, ink)
    elif g == "children":
        _person(img, 0.42, 0.64, ink, 1.0), _person(img, 0.6, 0.7, ink, 0.7)
    elif g == "bicycle":
        for cx in (0.38, 0.62):
            cv2.circle(img, tuple(_pts(cx, 0.7)[0]), int(0.09 * S), ink, 3)
        cv2.polylines(img, [_pts(0.38, 0.7, 0.48, 0.55, 0.62, 0.7, 0.55, 0.52)], False, ink, 3)
    elif g == "snow":
        c = _pts(0.5, 0.63)[0]
        for a in range(0, 180, 60):
            d = 0.16 * S * np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
            cv2.line(img, tuple((c - d).astype(int)), tuple((c + d).astype(int)), ink, 4)
    elif g == "deer":
        cv2.fillPoly(img, [_pts(0.33, 0.78, 0.4, 0.6, 0.58, 0.56, 0.66, 0.42, 0.72, 0.46, 0.66, 0.6, 0.62, 0.78,
                                0.57, 0.66, 0.43, 0.68)], ink)
    elif g in ("turn_right", "turn_left"):
        sgn = 1 if g == "turn_right" else -1
        cv2.ellipse(img, tuple(_pts(0.5 + 0.12 * sgn, 0.62)[0]), (int(0.12 * S), int(0.14 * S)), 0,
                    180 if sgn > 0 else 270, 270 if sgn > 0 else 360, WHITE, 7)
        cv2.line(img, _pts(0.38 if sgn > 0 else 0.62, 0.62)[0], _pts(0.38 if sgn > 0 else 0.62, 0.8)[0], WHITE, 7)
        _arrow(img, (0.5 + 0.1 * sgn, 0.48), (0.5 + 0.28 * sgn, 0.48), WHITE, 7)
    elif g == "up":
        _arrow(img, (0.5, 0.8), (0.5, 0.2), WHITE, 9)
    elif g in ("up_right", "up_left"):
        sgn = 1 if g == "up_right" else -1
        _arrow(img, (0.5 - 0.08 * sgn, 0.82), (0.5 - 0.08 * sgn, 0.2), WHITE, 7)
        _arrow(img, (0.5 - 0.08 * sgn, 0.55), (0.5 + 0.27 * sgn, 0.4), WHITE, 7)
    elif g in ("keep_right", "keep_left"):
        sgn = 1 if g == "keep_right" else -1
        _arrow(img, (0.5 - 0.18 * sgn, 0.3), (0.5 + 0.2 * sgn, 0.72), WHITE, 9)
    elif g == "roundabout":
        for a in (0, 120, 240):
            cv2.ellipse(img, (S // 2, S // 2), (int(0.22 * S), int(0.22 * S)), 0, a + 15, a + 95, WHITE, 7)
            t = np.radians(a + 100)
            p = (S / 2 + 0.22 * S * np.cos(t), S / 2 + 0.22 * S * np.sin(t))
            cv2.circle(img, (int(p[0]), int(p[1])), 7, WHITE, -1)


def draw_sign(class_id: int, size: int = S) -> tuple[np.ndarray, np.ndarray]:
    """A clean, front-facing sign: RGB uint8 (size, size, 3) and its mask (255 inside the sign)."""
    shape, glyph = SIGNS[int(class_id)]
    img = np.zeros((S, S, 3), np.uint8)
    mask = np.zeros((S, S), np.uint8)
    c, r = (S // 2, S // 2), int(0.47 * S)
    if shape.startswith("circle") or shape == "no_entry":
        cv2.circle(mask, c, r, 255, -1, cv2.LINE_AA)
        if shape == "circle_red":
            cv2.circle(img, c, r, RED, -1, cv2.LINE_AA), cv2.circle(img, c, int(r * 0.78), WHITE, -1, cv2.LINE_AA)
        elif shape == "circle_blue":
            cv2.circle(img, c, r, WHITE, -1, cv2.LINE_AA), cv2.circle(img, c, int(r * 0.94), BLUE, -1, cv2.LINE_AA)
        elif shape == "circle_end":
            cv2.circle(img, c, r, GRAY, -1, cv2.LINE_AA), cv2.circle(img, c, int(r * 0.95), WHITE, -1, cv2.LINE_AA)
        else:  # no entry: red disc, white bar
            cv2.circle(img, c, r, RED, -1, cv2.LINE_AA)
            cv2.rectangle(img, tuple(_pts(0.2, 0.42)[0]), tuple(_pts(0.8, 0.58)[0]), WHITE, -1)
    elif shape in ("triangle", "yield"):
        up = shape == "triangle"
        outer = _pts(0.5, 0.04, 0.97, 0.9, 0.03, 0.9) if up else _pts(0.03, 0.1, 0.97, 0.1, 0.5, 0.96)
        inner = _pts(0.5, 0.22, 0.82, 0.8, 0.18, 0.8) if up else _pts(0.2, 0.2, 0.8, 0.2, 0.5, 0.78)
        cv2.fillPoly(mask, [outer], 255, cv2.LINE_AA)
        cv2.fillPoly(img, [outer], RED, cv2.LINE_AA), cv2.fillPoly(img, [inner], WHITE, cv2.LINE_AA)
    elif shape == "octagon":
        a = np.radians(np.arange(8) * 45 + 22.5)
        oct_ = (np.stack([np.cos(a), np.sin(a)], 1) * r + S / 2).astype(np.int32)
        cv2.fillPoly(mask, [oct_], 255, cv2.LINE_AA), cv2.fillPoly(img, [oct_], RED, cv2.LINE_AA)
    elif shape == "diamond":
        outer = _pts(0.5, 0.02, 0.98, 0.5, 0.5, 0.98, 0.02, 0.5)
        inner = _pts(0.5, 0.16, 0.84, 0.5, 0.5, 0.84, 0.16, 0.5)
        cv2.fillPoly(mask, [outer], 255, cv2.LINE_AA)
        cv2.fillPoly(img, [outer], WHITE, cv2.LINE_AA), cv2.fillPoly(img, [inner], YELLOW, cv2.LINE_AA)
    _glyph(img, glyph, BLACK)
    img[mask == 0] = 0
    if size != S:
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)
    return img, mask


_CLEAN = {}


def _clean(class_id: int) -> tuple[np.ndarray, np.ndarray]:
    if class_id not in _CLEAN:
        _CLEAN[class_id] = draw_sign(class_id)
    return _CLEAN[class_id]


def random_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Sky/foliage/road-ish smooth colour field with noise (RGB uint8)."""
    base = rng.integers(30, 220, size=(2, 2, 3)).astype(np.float32)
    bg = cv2.resize(base, (w, h), interpolation=cv2.INTER_LINEAR)
    bg += rng.normal(0, rng.uniform(2, 18), size=bg.shape).astype(np.float32)
    return np.clip(bg, 0, 255).astype(np.uint8)


def render_sample(class_id: int, rng: np.random.Generator, out: int = 32) -> np.ndarray:
    """One augmented training image of `class_id` (RGB uint8 (out, out, 3)), like a GTSRB ROI crop."""
    sign, mask = _clean(class_id)
    canvas = int(S * 1.25)
    scale = rng.uniform(0.72, 1.0)
    # perspective: jitter the four corners of the placed sign
    m = (canvas - S * scale) / 2
    src = np.float32([[0, 0], [S, 0], [S, S], [0, S]])
    dst = np.float32([[m, m], [canvas - m, m], [canvas - m, canvas - m], [m, canvas - m]])
    dst += rng.uniform(-0.08, 0.08, size=(4, 2)).astype(np.float32) * S * scale
    dst += rng.uniform(-0.06, 0.06, size=(1, 2)).astype(np.float32) * canvas
    ang = np.radians(rng.uniform(-10, 10))
    rot = np.float32([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = (dst - canvas / 2) @ rot.T + canvas / 2
    H = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(sign, H, (canvas, canvas), flags=cv2.INTER_LINEAR)
    wmask = cv2.warpPerspective(mask, H, (canvas, canvas), flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    bg = random_background(rng, canvas, canvas).astype(np.float32)
    img = warped.astype(np.float32) * wmask + bg * (1 - wmask)
    img = img * rng.uniform(0.45, 1.3) + rng.uniform(-30, 30)          # lighting: gain, offset
    img = img * rng.uniform(0.85, 1.15, size=(1, 1, 3))                 # colour cast
    k = int(rng.choice([0, 0, 3, 5]))
    if k:
        img = cv2.GaussianBlur(img, (k, k), 0)
    small = cv2.resize(img, (out, out), interpolation=cv2.INTER_AREA)
    small += rng.normal(0, rng.uniform(0, 8), size=small.shape)
    return np.clip(small, 0, 255).astype(np.uint8)


def make_synthetic(n_per_class: int = 100, seed: int = 0, out: int = 32,
                   classes: range | list = range(len(GTSRB_CLASS_NAMES))) -> Dataset:
    """A balanced synthetic set: `n_per_class` images of each class, same seed -> same bytes.

    Each group of 10 consecutive images of a class shares a "track" id, mimicking GTSRB tracks.
    """
    images, labels, tracks = [], [], []
    for c in classes:
        rng = np.random.default_rng([seed, int(c)])
        for i in range(n_per_class):
            images.append(render_sample(int(c), rng, out))
            labels.append(c)
            tracks.append(int(c) * 100000 + i // 10)
    return Dataset(np.stack(images), np.array(labels), GTSRB_CLASS_NAMES, "synthetic", np.array(tracks),
                   source=f"synthetic(n_per_class={n_per_class}, seed={seed})")
