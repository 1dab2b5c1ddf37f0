"""Loaders and generator that need no shared data: pickles, synthetic signs, split, errors."""
import os
import pickle

import numpy as np
import pytest

from edge_app.errors import LenetEdgeError
from train.datasets import load_data
from train.datasets.pickles import load_seed_pickle
from train.datasets.split import split_by_track
from train.datasets.synthetic import draw_sign, make_synthetic


def test_seed_pickle_loads(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    y = np.arange(7)
    with open(tmp_path / "train.p", "wb") as f:
        pickle.dump({"features": x, "labels": y, "sizes": np.ones((7, 2))}, f)
    ds = load_data(str(tmp_path), "train")              # a folder with train.p
    np.testing.assert_array_equal(ds.images, x)
    np.testing.assert_array_equal(ds.labels, y)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_malicious_pickle_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "test.p", "wb") as f:
        pickle.dump({"features": _Evil(), "labels": [0]}, f)
    with pytest.raises(LenetEdgeError, match=r"refused.*(posix|os)\.system"):
        load_seed_pickle(tmp_path / "test.p")
    assert not (tmp_path / "PWNED").exists()


def test_garbage_pickle(tmp_path):
    (tmp_path / "x.p").write_bytes(b"\x80\x04not a pickle")
    with pytest.raises(LenetEdgeError, match="not a readable pickle"):
        load_seed_pickle(tmp_path / "x.p")


def test_synthetic_is_deterministic_and_covers_all_classes():
    a, b, c = make_synthetic(3, seed=5), make_synthetic(3, seed=5), make_synthetic(3, seed=6)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)
    assert a.images.shape == (129, 32, 32, 3) and np.bincount(a.labels).tolist() == [3] * 43


def test_synthetic_classes_are_distinct():
    clean = np.stack([draw_sign(c, 32)[0] for c in range(43)]).reshape(43, -1).astype(np.float32)
    d = np.linalg.norm(clean[:, None] - clean[None], axis=-1) + np.eye(43) * 1e9
    assert d.min() > 200            # no two classes draw (nearly) the same picture
    # and they are learnable: nearest clean template classifies augmented samples far above chance
    ds = make_synthetic(10, seed=3)
    feats = ds.images.reshape(len(ds), -1).astype(np.float32)
    pred = np.argmin(((feats[:, None] - clean[None]) ** 2).sum(-1), axis=1)
    assert (pred == ds.labels).mean() > 0.1        # chance is 1/43 = 0.023; a CNN learns them (test_train)


def test_split_by_track_synthetic():
    ds = make_synthetic(20, seed=0)
    a, b = split_by_track(ds.labels, ds.tracks, 0.2, seed=1)
    assert not set(ds.tracks[a]) & set(ds.tracks[b])
    assert set(ds.labels[b]) == set(range(43))
    with pytest.raises(LenetEdgeError, match="fraction"):
        split_by_track(ds.labels, ds.tracks, 1.5)


def test_unknown_sources(tmp_path):
    with pytest.raises(LenetEdgeError, match="no such file or folder"):
        load_data(str(tmp_path / "missing"))
    (tmp_path / "junk").mkdir()
    with pytest.raises(LenetEdgeError, match="unknown dataset layout"):
        load_data(str(tmp_path / "junk"))
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04broken")
    with pytest.raises(LenetEdgeError, match="not a readable npz"):
        load_data(str(tmp_path / "bad.npz"))
    with pytest.raises(LenetEdgeError, match="split"):
        load_data("synthetic", "validation")


def test_cli_data_errors_are_one_line(tmp_path):
    """No TensorFlow needed: calibrate reads data through the same loaders as train."""
    from tests.conftest import assert_one_line_error, run_cli
    r = run_cli("calibrate", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "no such file or folder")
    with open(tmp_path / "train.p", "wb") as f:
        pickle.dump({"features": _Evil(), "labels": [0]}, f)
    r = run_cli("calibrate", "--data", str(tmp_path / "train.p"), "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "refused")
    assert not (tmp_path / "o").exists() and not (tmp_path / "PWNED").exists()
    r = run_cli("calibrate", "--data", "synthetic", "--synthetic-per-class", "5", "--size", "0",
                "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "calibration size must be >= 1")


def test_augmentation_levels_keep_shape_and_are_seeded():
    from train.augment import augment_batch
    ds = make_synthetic(2, seed=0)
    for level in ("light", "strong", "heavy"):
        a = augment_batch(ds.images, np.random.default_rng(1), level)
        b = augment_batch(ds.images, np.random.default_rng(1), level)
        assert a.shape == ds.images.shape and a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)
        assert (a != ds.images).mean() > 0.3, level
    gray = ds.images.mean(-1).astype(np.uint8)
    assert augment_batch(gray, np.random.default_rng(1), "heavy").shape == gray.shape
    assert augment_batch(ds.images, np.random.default_rng(1), "none") is ds.images


def test_train_needs_tensorflow_only_on_its_backend(monkeypatch):
    from convert.cli import needs_tensorflow
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert not needs_tensorflow("train") and needs_tensorflow("convert") and not needs_tensorflow("run")
    monkeypatch.delenv("KERAS_BACKEND")
    assert needs_tensorflow("train")
