"""Loaders on the shared data: the raw sample in the official layout, the npz arrays, MNIST."""
import gzip
import shutil

import cv2
import numpy as np
import pytest

from edge_app.errors import LenetEdgeError
from train.datasets import load_data
from train.datasets.gtsrb_kaggle import load_gtsrb_kaggle
from train.datasets.gtsrb_official import load_gtsrb_official
from train.datasets.mnist import load_mnist_idx
from train.datasets.split import split_by_track


def npz_rows(npz: dict, names) -> np.ndarray:
    index = {str(f): i for i, f in enumerate(npz["filenames"])}
    return np.stack([npz["images"][index[n]] for n in names])


def test_official_layout_train_matches_npz_exactly(raw_sample, gtsrb_npz):
    ds = load_gtsrb_official(raw_sample, "train")
    assert len(ds) == 215 and ds.images.shape == (215, 32, 32, 3) and ds.images.dtype == np.uint8
    assert np.bincount(ds.labels).tolist() == [5] * 43
    assert ds.tracks is not None and len(np.unique(ds.tracks)) > 43      # several tracks per class
    # the README: processing a raw-sample image with the recipe reproduces its npz row exactly
    names = [f"{c:05d}/{p.name}" for c in range(43)
             for p in sorted((raw_sample / f"GTSRB/Final_Training/Images/{c:05d}").glob("*.ppm"))]
    np.testing.assert_array_equal(ds.images, npz_rows(gtsrb_npz["train"], names))


def test_official_layout_test_split(raw_sample, gtsrb_npz):
    ds = load_gtsrb_official(raw_sample / "GTSRB", "test")
    assert len(ds) == 100 and len(np.unique(ds.labels)) == 32 and ds.tracks is None
    np.testing.assert_array_equal(ds.images, gtsrb_npz["test"]["images"][:100])
    np.testing.assert_array_equal(ds.labels, gtsrb_npz["test"]["labels"][:100])


def test_roi_crop_can_be_turned_off(raw_sample):
    full = load_gtsrb_official(raw_sample, "test", roi=False)
    crop = load_gtsrb_official(raw_sample, "test")
    assert full.images.shape == crop.images.shape and not np.array_equal(full.images, crop.images)


def make_kaggle(raw_sample, dest):
    """Convert the raw sample into the Kaggle layout (PNG files, Train.csv/Test.csv)."""
    rows = ["Width,Height,Roi.X1,Roi.Y1,Roi.X2,Roi.Y2,ClassId,Path"]
    for gt in sorted((raw_sample / "GTSRB/Final_Training/Images").glob("*/GT-*.csv")):
        c = int(gt.parent.name)
        for line in gt.read_text().splitlines()[1:]:
            f = line.split(";")
            rel = f"Train/{c}/{c:05d}_{f[0][:-4]}.png"
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(dest / rel), cv2.imread(str(gt.parent / f[0])))
            rows.append(",".join(f[1:8] + [rel]))
    (dest / "Train.csv").write_text("\n".join(rows) + "\n")


def test_kaggle_layout(raw_sample, tmp_path):
    make_kaggle(raw_sample, tmp_path)
    k = load_gtsrb_kaggle(tmp_path, "train")
    o = load_gtsrb_official(raw_sample, "train")
    np.testing.assert_array_equal(k.images, o.images)
    np.testing.assert_array_equal(k.labels, o.labels)
    assert len(np.unique(k.tracks)) == len(np.unique(o.tracks))
    assert len(load_data(str(tmp_path), "train")) == 215        # detected by --data PATH


def test_npz_counts_and_tracks(shared_data):
    tr, te = load_data(str(shared_data / "gtsrb"), "train"), load_data(str(shared_data / "gtsrb"), "test")
    assert (len(tr), len(te)) == (39209, 12630)
    assert len(np.unique(tr.labels)) == len(np.unique(te.labels)) == 43
    assert tr.tracks is not None and 1000 < len(np.unique(tr.tracks)) < 2000  # tracks of up to 30 frames
    assert np.bincount(np.unique(tr.tracks, return_counts=True)[1]).argmax() == 30


def test_named_source_uses_env(shared_data, monkeypatch):
    monkeypatch.setenv("LENET_EDGE_DATA", str(shared_data))
    assert len(load_data("gtsrb", "test")) == 12630
    assert len(load_data("mnist", "test")) == 10000


def test_track_split_never_shares_a_track(shared_data):
    tr = load_data(str(shared_data / "gtsrb"), "train")
    a, b = split_by_track(tr.labels, tr.tracks, 0.15, seed=0)
    assert len(a) + len(b) == len(tr) and not set(tr.tracks[a]) & set(tr.tracks[b])
    assert 0.12 < len(b) / len(tr) < 0.2
    assert set(tr.labels[b]) == set(range(43))                 # every class validated


def test_mnist_idx_raw_and_gz(shared_data, tmp_path):
    with np.load(shared_data / "mnist" / "test.npz") as z:
        x, y = z["images"][:50], z["labels"][:50]
    def idx(arr, magic):
        head = bytes([0, 0, 8, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
        return head + arr.astype(np.uint8).tobytes()
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(idx(x, 3))
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(idx(y, 1))
    ds = load_mnist_idx(tmp_path, "test")
    np.testing.assert_array_equal(ds.images, x)
    np.testing.assert_array_equal(ds.labels, y)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(idx(x, 3)[:-10])
    with pytest.raises(LenetEdgeError, match="truncated"):
        load_mnist_idx(tmp_path, "test")


def test_csv_that_does_not_match_images(raw_sample, tmp_path):
    shutil.copytree(raw_sample, tmp_path / "s")
    gt = tmp_path / "s/GTSRB/Final_Test/Images/GT-final_test.csv"
    lines = gt.read_bytes().split(b"\r\n")
    f = lines[1].split(b";")
    f[1] = b"999"                                              # wrong width
    lines[1] = b";".join(f)
    gt.write_bytes(b"\r\n".join(lines))
    with pytest.raises(LenetEdgeError, match="but the csv says 999x"):
        load_gtsrb_official(tmp_path / "s", "test")


def test_truncated_image(raw_sample, tmp_path):
    shutil.copytree(raw_sample, tmp_path / "s")
    img = tmp_path / "s/GTSRB/Final_Test/Images/00000.ppm"
    img.write_bytes(img.read_bytes()[:40])
    with pytest.raises(LenetEdgeError, match="unreadable or truncated image"):
        load_gtsrb_official(tmp_path / "s", "test")
