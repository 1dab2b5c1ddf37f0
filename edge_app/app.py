"""The per-frame loop: source -> candidates -> one batched classification -> tracker -> outputs.

Outputs: JSON lines on stdout in headless mode (one per confirmed sign per frame), an annotated
window when a display exists, an optional annotated video, FPS logs and a summary on stderr.
"""
from __future__ import annotations

import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge_app.errors import LenetEdgeError
from edge_app.preprocess import crops_to_model_input
from edge_app.proposals import ProposalConfig, center_box, find_candidates, full_box
from edge_app.tracking import Tracker


@dataclass
class AppConfig:
    roi: str = "auto"              # auto | center | full
    min_confidence: float = 0.6
    persist: int = 3
    headless: bool = True
    record: str | None = None
    max_frames: int | None = None
    log_every_s: float = 5.0


def log(msg: str) -> None:
    print(f"[edge_app] {msg}", file=sys.stderr, flush=True)


def draw(frame: np.ndarray, tracks, labels, fps: float) -> np.ndarray:
    for t in tracks:
        c, conf = t.label()
        x, y, w, h = t.box.as_list()
        cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 0), 2)
        cv2.putText(frame, f"{labels[c][:28]} {conf:.2f}", (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 255, 0), 1, cv2.LINE_AA)
    cv2.putText(frame, f"{fps:.0f} FPS", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2, cv2.LINE_AA)
    return frame


class StopFlag:
    """Set by SIGTERM / SIGINT so the loop ends cleanly and prints its summary."""

    def __init__(self):
        self.stop = False
        self.previous = {}

    def install(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, _frame):
        self.stop = True

    def restore(self):
        for sig, h in self.previous.items():
            signal.signal(sig, h)


def run_app(classifier, source, cfg: AppConfig, out=sys.stdout) -> dict:
    labels = classifier.labels
    spec = classifier.card.preprocessing
    tracker = Tracker(persist=cfg.persist, min_confidence=cfg.min_confidence)
    pcfg = ProposalConfig()
    writer = None
    window = not cfg.headless
    counts: Counter = Counter()
    reported_tracks: dict[int, int] = {}
    stop = StopFlag().install()
    frames, t_start, t_log, n_log = 0, time.perf_counter(), time.perf_counter(), 0
    fps = 0.0
    try:
        for fr in source:
            if stop.stop or (cfg.max_frames is not None and frames >= cfg.max_frames):
                break
            img = fr.image
            if cfg.roi == "auto":
                boxes = find_candidates(img, pcfg)
            else:
                boxes = [center_box(img) if cfg.roi == "center" else full_box(img)]
            probs = classifier.predict(crops_to_model_input(img, [b.as_list() for b in boxes], spec)) if boxes else \
                np.zeros((0, len(labels)), np.float32)
            confirmed = tracker.update(boxes, probs)
            for t in confirmed:
                c, conf = t.label()
                if t.id not in reported_tracks:
                    reported_tracks[t.id] = c
                    counts[labels[c]] += 1
                if cfg.headless:
                    out.write(json.dumps({"time": round(fr.time_s, 4), "frame": fr.index, "box": t.box.as_list(),
                                          "class_id": c, "class_name": labels[c], "confidence": round(conf, 4),
                                          "track_id": t.id}) + "\n")
            frames += 1
            n_log += 1
            now = time.perf_counter()
            if now - t_log >= cfg.log_every_s:
                fps = n_log / (now - t_log)
                log(f"{frames} frames, {fps:.1f} FPS, {len(reported_tracks)} signs so far")
                t_log, n_log = now, 0
            if window or cfg.record:
                shown = draw(img.copy(), confirmed, labels, fps or frames / max(now - t_start, 1e-6))
                if cfg.record:
                    if writer is None:
                        writer = open_writer(cfg.record, shown.shape)
                    writer.write(shown)
                if window:
                    try:
                        cv2.imshow("lenet-edge", shown)
                        if cv2.waitKey(1) & 0xFF in (27, ord("q")):
                            break
                    except cv2.error:
                        raise LenetEdgeError("this OpenCV build has no display support: use --headless") from None
    finally:
        stop.restore()
        source.close()
        if writer is not None:
            writer.release()
        if window:
            try:
                cv2.destroyAllWindows()
            except cv2.error:
                pass
        out.flush()
    seconds = time.perf_counter() - t_start
    summary = {"frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 1) if seconds else 0.0,
               "dropped_frames": getattr(source, "dropped", 0), "skipped_frames": getattr(source, "skipped", 0),
               "reconnects": getattr(source, "reconnects", 0), "signs": len(reported_tracks),
               "detections_per_class": dict(counts.most_common()), "stopped_by_signal": stop.stop}
    log("summary " + json.dumps(summary))
    return summary


def open_writer(path: str, shape) -> cv2.VideoWriter:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if p.suffix.lower() == ".avi" else "mp4v"))
    w = cv2.VideoWriter(str(p), fourcc, 30.0, (shape[1], shape[0]))
    if not w.isOpened():
        raise LenetEdgeError(f"cannot write video {p} (try a .avi or .mp4 name)")
    return w
