"""`python -m edge_app --model M --source SRC`: the on-device app, no TensorFlow, no upper layers.

    python -m edge_app --model model_int8.tflite --source 0            # camera 0, window
    python -m edge_app --model model_int8.tflite --source road.mp4 --headless > detections.jsonl
"""
import sys

from edge_app.command import cli_main

sys.exit(cli_main())
