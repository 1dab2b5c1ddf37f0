"""Conversion (TFLite, ONNX), verification, parity and benchmarks; the top layer, home of the CLI.

Importing this package is cheap: TensorFlow is imported only by the modules that convert.
"""
