"""Training: datasets (TF-free), models by name, the training loop and notebook-style reports.

Only `train.models`, `train.fit` and `train.reports` import TensorFlow/Keras; `train.datasets`
is numpy + OpenCV so calibration, tests and the edge app's demos can use it without TensorFlow.
"""
