"""The shipped int8 models, run by whichever device runtime is installed (LiteRT, tflite-runtime or
ONNX Runtime; no TensorFlow), reach on all 12,630 real GTSRB test images the accuracy that their
committed parity report measured."""
import json

import numpy as np
import pytest

from edge_app.runtimes import load_classifier
from tests.conftest import REPO
from train.datasets.npz_arrays import load_npz_dataset


@pytest.fixture(scope="module")
def gtsrb_test(shared_data):
    return load_npz_dataset(shared_data / "gtsrb" / "test.npz")


@pytest.mark.parametrize("model", ["lenet-gtsrb", "signnet-gtsrb"])
@pytest.mark.parametrize("name", ["model_int8.tflite", "model_int8.onnx"])
def test_shipped_model_accuracy_matches_its_parity_report(gtsrb_test, model, name):
    folder = REPO / "edge_app" / "pretrained" / model
    report = json.loads((folder / "parity.json").read_text())
    row = next(r for r in report["results"] if r["file"] == name)
    clf = load_classifier(folder / name)
    probs = np.concatenate([clf.classify(gtsrb_test.images[i:i + 1024]) for i in range(0, len(gtsrb_test), 1024)])
    acc = 100 * float(np.mean(probs.argmax(1) == gtsrb_test.labels))
    assert len(probs) == 12630
    assert abs(acc - row["accuracy_pct"]) <= 0.05, (clf.backend, acc, row["accuracy_pct"])
