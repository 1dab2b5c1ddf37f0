"""Frame sources: camera index, video file, image, folder of images, URL / GStreamer pipeline,
or the Raspberry Pi camera through picamera2 (OpenCV's VideoCapture cannot use libcamera).

Every source yields `Frame(index, time_s, image_bgr)`. Live sources (cameras, streams, or files
with `realtime=True`) grab in their own thread and keep only the newest frame, so a slow consumer
drops frames instead of lagging; a capture that fails is reopened with exponential back-off.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from edge_app.errors import LenetEdgeError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp"}


@dataclass
class Frame:
    index: int
    time_s: float          # seconds since the source started
    image: np.ndarray      # BGR uint8 (H, W, 3)


def warn(msg: str) -> None:
    print(f"[edge_app] warning: {msg}", file=sys.stderr, flush=True)


def valid_frame(img) -> bool:
    return isinstance(img, np.ndarray) and img.ndim == 3 and img.shape[2] == 3 and img.size > 0 and img.dtype == np.uint8


class ImageSource:
    """One image or a folder of images (sorted by name); unreadable files are skipped with a warning."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.skipped = 0
        self.dropped = 0

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.perf_counter()
        i = 0
        for p in self.paths:
            img = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if not valid_frame(img):
                self.skipped += 1
                warn(f"skipping unreadable image {p}")
                continue
            yield Frame(i, time.perf_counter() - t0, img)
            i += 1

    def close(self) -> None:
        pass


class VideoFileSource:
    """A video file read frame by frame (every frame processed: offline analysis)."""

    def __init__(self, path: Path, loop: bool = False):
        self.loop = loop
        self.cap = cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            raise LenetEdgeError(f"cannot open video {path} (unsupported or corrupt file)")
        self.skipped = 0
        self.dropped = 0

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.perf_counter()
        i = 0
        bad_in_a_row = 0
        while True:
            ok, img = self.cap.read()
            if not ok:
                # a corrupt frame in the middle: skip it; the end of the file: stop
                pos, n = self.cap.get(cv2.CAP_PROP_POS_FRAMES), self.cap.get(cv2.CAP_PROP_FRAME_COUNT)
                bad_in_a_row += 1
                if n <= 0 or pos >= n - 1 or bad_in_a_row > 25:
                    if self.loop and i > 0 and bad_in_a_row <= 25:
                        self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)   # --loop: start the file again
                        continue
                    return
                self.skipped += 1
                continue
            bad_in_a_row = 0
            if not valid_frame(img):
                self.skipped += 1
                continue
            yield Frame(i, time.perf_counter() - t0, img)
            i += 1

    def close(self) -> None:
        self.cap.release()


class LiveSource:
    """Threaded capture keeping only the newest frame; reopens a failed capture with back-off.

    `opener()` returns a cv2.VideoCapture-like object (isOpened, read, release). Tests pass a fake.
    """

    def __init__(self, opener: Callable[[], object], name: str, max_retries: int = 8, backoff_s: float = 0.5,
                 max_backoff_s: float = 8.0, sleep: Callable[[float], None] = time.sleep, stop_at_end: bool = False):
        self.opener, self.name = opener, name
        self.max_retries, self.backoff_s, self.max_backoff_s, self.sleep = max_retries, backoff_s, max_backoff_s, sleep
        self.stop_at_end = stop_at_end
        self.cond = threading.Condition()
        self.latest: np.ndarray | None = None
        self.seq = 0                  # frames grabbed
        self.dropped = 0              # grabbed but replaced before the consumer took them
        self.skipped = 0              # corrupt frames
        self.reconnects = 0
        self.finished = False
        self.error: str | None = None
        self._stop = threading.Event()
        cap = opener()
        if cap is None or not cap.isOpened():
            raise LenetEdgeError(f"cannot open {name}")
        self.cap = cap
        self.thread = threading.Thread(target=self._grab_loop, name="capture", daemon=True)
        self.thread.start()

    def _reopen(self) -> bool:
        delay = self.backoff_s
        for attempt in range(1, self.max_retries + 1):
            if self._stop.is_set():
                return False
            warn(f"{self.name} dropped; reopening in {delay:.1f} s (attempt {attempt}/{self.max_retries})")
            self.sleep(delay)
            try:
                self.cap.release()
            except Exception:  # a dead capture may fail to release; it is replaced anyway
                pass
            cap = self.opener()
            if cap is not None and cap.isOpened():
                self.cap = cap
                self.reconnects += 1
                return True
            delay = min(delay * 2, self.max_backoff_s)
        return False

    def _grab_loop(self) -> None:
        while not self._stop.is_set():
            ok, img = self.cap.read()
            if not ok:
                if self.stop_at_end or not self._reopen():
                    with self.cond:
                        if not self.stop_at_end:
                            self.error = f"{self.name}: gave up after {self.max_retries} reconnect attempts"
                        self.finished = True
                        self.cond.notify_all()
                    return
                continue
            if not valid_frame(img):
                self.skipped += 1
                continue
            with self.cond:
                if self.latest is not None:
                    self.dropped += 1
                self.latest = img
                self.seq += 1
                self.cond.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.perf_counter()
        i = 0
        while True:
            with self.cond:
                while self.latest is None and not self.finished:
                    self.cond.wait(timeout=0.5)
                if self.latest is None:
                    if self.error:
                        raise LenetEdgeError(self.error)
                    return
                img, self.latest = self.latest, None
            yield Frame(i, time.perf_counter() - t0, img)
            i += 1

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        try:
            self.cap.release()
        except Exception:  # already gone
            pass


class Picamera2Capture:
    """picamera2 (libcamera) wrapped as a VideoCapture-like object, BGR frames."""

    def __init__(self, size=(640, 480)):
        from picamera2 import Picamera2
        self.cam = Picamera2()
        self.cam.configure(self.cam.create_video_configuration(main={"size": size, "format": "BGR888"}))
        self.cam.start()

    def isOpened(self) -> bool:  # noqa: N802 - VideoCapture's name
        return True

    def read(self):
        try:
            return True, self.cam.capture_array()
        except Exception:  # camera errors: report a failed read, the source reconnects
            return False, None

    def release(self) -> None:
        self.cam.stop()
        self.cam.close()


def open_capture(*args) -> cv2.VideoCapture:
    """cv2.VideoCapture with OpenCV's own log lines silenced while it opens: a camera that is not
    there makes some OpenCV builds print [ERROR] lines before our one-line error."""
    log = getattr(getattr(cv2, "utils", None), "logging", None)  # OpenCV 5; OpenCV 4: cv2.setLogLevel
    get_level, set_level = (log.getLogLevel, log.setLogLevel) if log else \
        (getattr(cv2, "getLogLevel", None), getattr(cv2, "setLogLevel", None))
    if get_level is None or set_level is None:
        return cv2.VideoCapture(*args)
    before = get_level()
    set_level(0)  # LOG_LEVEL_SILENT
    try:
        return cv2.VideoCapture(*args)
    finally:
        set_level(before)


def open_source(spec: str, realtime: bool = False, loop: bool = False):
    """Source for `--source`: see the module docstring."""
    if spec == "picamera2":
        try:
            import picamera2  # noqa: F401
        except ImportError:
            raise LenetEdgeError("picamera2 is not installed (on Raspberry Pi OS: sudo apt install python3-picamera2, "
                                 "and create the venv with --system-site-packages)") from None
        return LiveSource(Picamera2Capture, "picamera2")
    if spec.isdigit():
        idx = int(spec)
        return LiveSource(lambda: open_capture(idx), f"camera {idx}")
    if "://" in spec or "!" in spec:
        api = cv2.CAP_GSTREAMER if "!" in spec else cv2.CAP_ANY
        return LiveSource(lambda: open_capture(spec, api), f"stream {spec}")
    p = Path(spec)
    if not p.exists():
        raise LenetEdgeError(f"no such file, folder or camera: {spec}")
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise LenetEdgeError(f"{p}: no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return ImageSource(files)
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([p])
    if realtime:
        cap = lambda: cv2.VideoCapture(str(p))  # noqa: E731
        return LiveSource(cap, f"video {p}", stop_at_end=True)
    return VideoFileSource(p, loop=loop)
