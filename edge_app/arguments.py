"""Arguments of `lenet-edge run` / `python -m edge_app` (argparse only)."""
import argparse


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, metavar="MODEL",
                   help=".tflite or .onnx exported by lenet-edge (default: the shipped pretrained GTSRB model)")
    p.add_argument("--source", default="0", metavar="SRC",
                   help="camera index, video file, image, folder of images, URL or GStreamer pipeline; "
                        "'picamera2' for the Raspberry Pi camera; default 0")
    p.add_argument("--backend", choices=["auto", "litert", "tflite-runtime", "onnxruntime"], default="auto")
    p.add_argument("--threads", type=int, default=1, help="inference threads; default 1")
    p.add_argument("--roi", choices=["auto", "center", "full"], default="auto",
                   help="auto: colour/shape proposals; center: the central square; full: the whole frame")
    p.add_argument("--min-confidence", type=float, default=0.6, help="reject classifications below this")
    p.add_argument("--persist", type=int, default=3, help="report a sign once seen in N frames; default 3")
    p.add_argument("--headless", action="store_true", help="no window: JSON lines on stdout, logs on stderr")
    p.add_argument("--record", default=None, metavar="FILE", help="write the annotated video here")
    p.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    p.add_argument("--realtime", action="store_true",
                   help="treat files like a live camera (threaded grab, drop stale frames)")
    p.add_argument("--loop", action="store_true", help="play a video file in a loop (demos, soak tests)")
    p.add_argument("--log-every", type=float, default=5.0, help="seconds between FPS log lines; default 5")
