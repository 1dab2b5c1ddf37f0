"""Calibration set: from the training split, stratified, deterministic, checked on load."""
import json

import numpy as np
import pytest

from calibration.representative import (build_calibration, load_calibration, onnx_calibration_reader,
                                        save_calibration, stratified_pick, tflite_representative_dataset)
from edge_app.errors import LenetEdgeError
from train.datasets.synthetic import make_synthetic


@pytest.fixture(scope="module")
def ds():
    return make_synthetic(12, seed=4)


def test_deterministic_and_stratified(ds):
    a, b = build_calibration(ds, 129, seed=1), build_calibration(ds, 129, seed=1)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.histogram == [3] * 43                      # balanced data -> equal shares
    assert not np.array_equal(a.x, build_calibration(ds, 129, seed=2).x)


def test_proportional_to_class_frequency():
    labels = np.repeat(np.arange(3), [600, 300, 100])
    idx = stratified_pick(labels, 100, seed=0, num_classes=3)
    assert np.bincount(labels[idx]).tolist() == [60, 30, 10] and len(set(idx)) == 100


def test_save_load_and_manifest(ds, tmp_path):
    cal = build_calibration(ds, 200, seed=0)
    p = save_calibration(cal, tmp_path / "calibration.npz")
    back = load_calibration(p, expect_shape=(32, 32, 1))
    np.testing.assert_array_equal(back.x, cal.x)
    assert back.spec == cal.spec
    man = json.loads((tmp_path / "calibration.manifest.json").read_text())
    assert man["calibration"]["images"] == 200 and sum(man["calibration"]["class_histogram"]) == 200
    assert len(man["calibration"]["sha256"]) == 64 and man["calibration"]["seed"] == 0


def test_warnings_small_and_missing_classes(ds, capsys):
    build_calibration(ds.subset(np.flatnonzero(ds.labels < 5)), 50, seed=0)
    err = capsys.readouterr().err
    assert "only 50 calibration images" in err and "misses 38 classes" in err


def test_bad_calibration_files(ds, tmp_path):
    cal = build_calibration(ds, 60, seed=0)
    p = save_calibration(cal, tmp_path / "c.npz")
    with pytest.raises(LenetEdgeError, match=r"are \(32, 32, 1\) but the model takes \(28, 28, 1\)"):
        load_calibration(p, expect_shape=(28, 28, 1))
    np.savez(tmp_path / "empty.npz", x=np.zeros((0, 32, 32, 1), np.float32), labels=np.zeros(0, np.int64),
             spec=np.array(json.dumps(cal.spec.to_dict())), source=np.array("x"), seed=0, num_classes=43)
    with pytest.raises(LenetEdgeError, match="empty"):
        load_calibration(tmp_path / "empty.npz")
    np.savez(tmp_path / "other.npz", images=np.zeros((3, 32, 32, 3), np.uint8))
    with pytest.raises(LenetEdgeError, match="not a calibration set"):
        load_calibration(tmp_path / "other.npz")


def test_served_to_tflite_and_onnxruntime(ds):
    cal = build_calibration(ds, 10, seed=0)
    batches = list(tflite_representative_dataset(cal)())
    assert len(batches) == 10 and batches[0][0].shape == (1, 32, 32, 1) and batches[0][0].dtype == np.float32
    pytest.importorskip("onnx", reason="onnxruntime.quantization needs onnx (a conversion-time extra, not on the edge)")
    r = onnx_calibration_reader(cal, "image")
    items = list(iter(r.get_next, None))
    assert len(items) == 10 and items[0]["image"].shape == (1, 32, 32, 1)
    r.rewind()
    assert r.get_next() is not None
