"""`lenet-edge run` and `python -m edge_app`: live traffic-sign recognition, no TensorFlow.

    python -m edge_app --model model_int8.tflite --source 0                       # camera, window
    python -m edge_app --model model_int8.tflite --source road.mp4 --headless > signs.jsonl
    python -m edge_app --model model_int8.onnx --source photos/ --headless --roi full
    python -m edge_app --model model_int8.tflite --source picamera2 --headless    # Raspberry Pi camera

Without --model, the pretrained GTSRB model shipped in edge_app/pretrained is used.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from edge_app.arguments import add_run_arguments
from edge_app.errors import LenetEdgeError

PRETRAINED = Path(__file__).parent / "pretrained"


def default_model() -> str:
    for name in ("model_int8.tflite", "model_int8.onnx"):
        for p in sorted(PRETRAINED.glob(f"*/{name}")):
            return str(p)
    raise LenetEdgeError("no --model given and no pretrained model is installed")


def main(args) -> int:
    from edge_app.app import AppConfig, run_app
    from edge_app.runtimes import load_classifier
    from edge_app.sources import open_source

    if args.min_confidence < 0 or args.min_confidence > 1:
        raise LenetEdgeError(f"--min-confidence must be in [0, 1], got {args.min_confidence}")
    if args.persist < 1:
        raise LenetEdgeError(f"--persist must be >= 1, got {args.persist}")
    headless = args.headless or (not os.environ.get("DISPLAY") and sys.platform.startswith("linux"))
    if headless and not args.headless:
        print("[edge_app] no display: running headless (JSON lines on stdout)", file=sys.stderr)
    clf = load_classifier(args.model or default_model(), args.backend, args.threads)
    print(f"[edge_app] model {clf.path} ({clf.card.format}, {clf.backend}, {args.threads} thread(s))",
          file=sys.stderr, flush=True)
    source = open_source(args.source, realtime=args.realtime, loop=args.loop)
    cfg = AppConfig(roi=args.roi, min_confidence=args.min_confidence, persist=args.persist, headless=headless,
                    record=args.record, max_frames=args.max_frames, log_every_s=args.log_every)
    run_app(clf, source, cfg)
    return 0


def cli_main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m edge_app", description="live traffic-sign recognition (no TensorFlow)")
    add_run_arguments(p)
    args = p.parse_args(argv)
    try:
        return main(args)
    except LenetEdgeError as e:
        print(f"edge_app: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
