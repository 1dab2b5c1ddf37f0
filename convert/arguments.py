"""Arguments of `convert`, `parity`, `bench`, `bundle` and `pipeline` (argparse only)."""
import argparse

from train.arguments import add_data_argument

FORMAT_HELP = ("comma-separated export formats, or 'all': tflite_float32, tflite_float16, tflite_dynamic, "
               "tflite_dynamic_polyphase (LeNet-shaped models), tflite_int8, onnx_float32, onnx_int8, onnx_dynamic")


def add_convert_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="trained Keras model (.keras) with its model card beside it")
    p.add_argument("--calibration", metavar="CAL", default=None,
                   help="calibration .npz from `lenet-edge calibrate` (needed by int8 formats)")
    p.add_argument("--formats", default="all", help=FORMAT_HELP)
    p.add_argument("--int8-io", choices=["int8", "uint8", "float32"], default="int8",
                   help="input/output type of tflite_int8; default int8")
    p.add_argument("--batch1", action="store_true", help="also export fixed batch-1 variants")
    p.add_argument("--diagnose", action="store_true", help="write per-layer float vs int8 error reports")
    p.add_argument("--out", default="runs/export", metavar="DIR", help="output folder")


def add_parity_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="MODEL", help="the Keras model (.keras) exports came from")
    p.add_argument("--exports", required=True, metavar="DIR", help="folder written by `lenet-edge convert`")
    add_data_argument(p)
    p.add_argument("--split", choices=["train", "test"], default="test", help="labelled split; default test")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate only the first N images")
    p.add_argument("--max-drop-float", type=float, default=0.05, help="max accuracy drop, float formats (pp)")
    p.add_argument("--min-agree-float", type=float, default=99.9, help="min top-1 agreement, float formats (%%)")
    p.add_argument("--max-drop-int8", type=float, default=0.5, help="max accuracy drop, int8/dynamic (pp)")
    p.add_argument("--min-agree-int8", type=float, default=99.0, help="min top-1 agreement, int8/dynamic (%%)")
    p.add_argument("--out", default="runs/parity", metavar="DIR", help="output folder")


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exports", required=True, metavar="DIR", help="folder written by `lenet-edge convert`")
    p.add_argument("--model", default=None, metavar="MODEL", help="Keras model for the Keras baselines")
    p.add_argument("--threads", default="1,2", help="thread counts to measure; default 1,2")
    p.add_argument("--short", action="store_true", help="few iterations (smoke test), numbers are rough")
    p.add_argument("--formats", default="all", help=FORMAT_HELP + "; default all")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="measure each N times, each in a fresh process, and report the medians (noisy machines)")
    p.add_argument("--out", default="runs/bench", metavar="DIR", help="output folder")


def add_bundle_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exports", required=True, metavar="DIR", help="folder written by `lenet-edge convert`")
    p.add_argument("--formats", default="tflite_int8,onnx_int8", help="formats to ship; default tflite_int8,onnx_int8")
    p.add_argument("--out", default="runs/bundle", metavar="DIR", help="output folder (a .tar.gz is written beside it)")


def add_pipeline_arguments(p: argparse.ArgumentParser) -> None:
    add_data_argument(p)
    p.add_argument("--model", default=None, help="model name; default lenet (mnist-cnn3 for --data mnist)")
    p.add_argument("--epochs", type=int, default=None, help="default: 40 on synthetic, 80 on real data")
    p.add_argument("--formats", default="all", help=FORMAT_HELP)
    p.add_argument("--out", default="runs/pipeline", metavar="DIR", help="run folder")
