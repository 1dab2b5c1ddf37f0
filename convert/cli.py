"""`lenet-edge`: one console script, lazy subcommands.

    lenet-edge train --data gtsrb --model lenet --out runs/lenet
    lenet-edge calibrate --data gtsrb --out runs/cal
    lenet-edge convert runs/lenet/model.keras --calibration runs/cal/calibration.npz --out runs/export
    lenet-edge parity --model runs/lenet/model.keras --exports runs/export --data gtsrb --out runs/parity
    lenet-edge bench --exports runs/export --out runs/bench
    lenet-edge run --model runs/export/model_int8.tflite --source video.mp4 --headless
    lenet-edge bundle --exports runs/export --out runs/bundle
    lenet-edge pipeline --data synthetic --out runs/pipeline

The parser is built from plain argparse here; each handler module is imported only when its
subcommand runs, so `lenet-edge run --help` (and `run` itself) never imports TensorFlow.
Errors a user can cause print one line `lenet-edge: error: ...` and exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from edge_app.errors import LenetEdgeError

NEEDS_TF = {"train", "convert", "parity", "pipeline"}  # bench imports TF only in its Keras workers
# subcommand -> (handler "module:function", one-line help)
COMMANDS = {
    "train": ("train.command:main", "train a model (LeNet, MNIST CNNs, ...) and write its reports"),
    "calibrate": ("calibration.command:main", "build the int8 representative set from the training split"),
    "convert": ("convert.command:main", "export a Keras model to TFLite and ONNX, verifying each export"),
    "parity": ("convert.parity:main", "accuracy-parity gate: every export against Keras"),
    "bench": ("convert.bench:main", "latency / throughput benchmark of every export"),
    "run": ("edge_app.command:main", "live sign recognition on a camera, video, images or stream"),
    "bundle": ("convert.bundle:main", "package model(s) and launcher for a Raspberry Pi"),
    "pipeline": ("convert.pipeline:main", "train, calibrate, convert, parity, bench and bundle in one run"),
}


def _add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    module = importlib.import_module(COMMANDS[name][0].split(":")[0].rsplit(".", 1)[0] + ".arguments")
    getattr(module, f"add_{name}_arguments")(p)


def import_tensorflow_quietly() -> None:
    """TensorFlow logs oneDNN/absl lines on import whatever TF_CPP_MIN_LOG_LEVEL says; hide them."""
    if "tensorflow" in sys.modules:
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    except ImportError as e:
        raise LenetEdgeError(f"TensorFlow is not installed ({e}): pip install 'lenet-edge[all]'") from None
    finally:
        os.dup2(saved, 2)
        os.close(saved), os.close(devnull)


def needs_tensorflow(command: str) -> bool:
    """`train` runs on any Keras 3 backend (KERAS_BACKEND=jax trains on a GPU without TensorFlow)."""
    if command == "train":
        return os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"
    return command in NEEDS_TF


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lenet-edge", description="Train a traffic-sign classifier, export it to TFLite/ONNX with verified "
        "accuracy parity, and run it on a Raspberry Pi.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)
    for name, (_, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        _add_arguments(name, p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ logs drown the real output
    parser = build_parser()
    args = parser.parse_args(argv)
    target = COMMANDS[args.command][0]
    try:
        if needs_tensorflow(args.command):
            import_tensorflow_quietly()
        module_name, func = target.split(":")
        handler = getattr(importlib.import_module(module_name), func)
        return int(handler(args) or 0)
    except LenetEdgeError as e:
        print(f"lenet-edge: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lenet-edge: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
