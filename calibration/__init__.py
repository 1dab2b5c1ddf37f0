"""The representative set for int8 quantization: build, store, serve (TFLite and ONNX Runtime)."""
