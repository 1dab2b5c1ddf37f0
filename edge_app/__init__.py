"""lenet-edge device layer: the model contract, preprocessing, runtimes and the OpenCV app.

Imports only numpy, OpenCV and an inference runtime (LiteRT, tflite-runtime or ONNX Runtime).
Never TensorFlow: this package is what runs on the Raspberry Pi.
"""
from edge_app.errors import LenetEdgeError

__all__ = ["LenetEdgeError"]
