"""Training: parameter counts, learning on synthetic data, reports, reproducibility, errors."""
import io
import json
import zipfile

import cv2
import pytest

from tests.conftest import SYNTH, assert_one_line_error, needs_tf, run_cli

pytestmark = needs_tf


def test_parameter_counts_of_every_named_model():
    from train.models import MODELS, build_model
    assert MODELS["lenet"].params == 64_511
    assert MODELS["mnist-cnn3"].params == 95_082
    assert MODELS["mnist-cnn2"].params == 121_930
    for name, info in MODELS.items():
        assert build_model(name).count_params() == info.params, name
    assert MODELS["signnet"].params <= 150_000


def test_lenet_is_exactly_the_seed_architecture():
    from train.models import build_model
    m = build_model("lenet")
    kinds = [type(l).__name__ for l in m.layers[1:]]
    assert kinds == ["Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dense", "Dense", "Dense"]
    assert [l.filters for l in m.layers if type(l).__name__ == "Conv2D"] == [6, 16]
    assert [l.units for l in m.layers if type(l).__name__ == "Dense"] == [120, 84, 43]
    assert m.input_shape == (None, 32, 32, 1)


def test_synthetic_training_learns_and_writes_everything(synthetic_run):
    out = synthetic_run / "train"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.9          # chance is 1/43
    for png in ("samples_per_class", "curves", "confusion_matrix", "predictions_7x7", "kernels", "feature_maps"):
        img = cv2.imread(str(out / f"{png}.png"))
        assert img is not None and img.shape[0] > 100, png
    page = (out / "report.html").read_text()
    assert f"{100 * metrics['test_accuracy']:.2f}%" in page and page.count("<img") == 6
    assert "Speed limit (20km/h)" in page                 # classification report rows
    hist = (out / "history.csv").read_text().strip().splitlines()
    assert len(hist) == 41 and hist[0].startswith("epoch,")
    card = json.loads((out / "model.card.json").read_text())
    assert card["format"] == "keras" and len(card["labels"]) == 43
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"model.keras", "model.card.json", "report.html"} <= {f["path"] for f in manifest["files"]}


def test_same_seed_same_metrics(tmp_path):
    from train.fit import TrainConfig, train
    cfg = dict(data="synthetic", synthetic_per_class=12, epochs=2, batch_size=64, report=False, seed=3)
    a = train(TrainConfig(**cfg, out=str(tmp_path / "a")))
    b = train(TrainConfig(**cfg, out=str(tmp_path / "b")))
    assert a["test_accuracy"] == b["test_accuracy"] and a["test_loss"] == pytest.approx(b["test_loss"], rel=1e-6)


@pytest.mark.parametrize("args,needle", [
    (["--model", "resnet9000"], "unknown model"),
    (["--data", "/no/such/folder"], "no such file or folder"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--data", "mnist-like", "--model", "lenet"], "no such file"),
    (["--label-smoothing", "1.5"], "--label-smoothing must be in [0, 1)"),
    (["--ema", "--keep-best"], "--ema and --keep-best exclude each other"),
])
def test_bad_arguments_give_one_line(args, needle, tmp_path):
    r = run_cli("train", *args, "--out", str(tmp_path / "o"))
    assert_one_line_error(r, needle)
    assert not (tmp_path / "o" / "model.keras").exists()


def test_label_smoothing_and_weight_average_learn(tmp_path):
    from train.model_io import load_keras_with_card
    r = run_cli("train", "--data", "synthetic", "--synthetic-per-class", "40", "--epochs", "12", "--batch-size", "64",
                "--lr", "3e-3", "--label-smoothing", "0.1", "--ema", "--augment", "heavy", "--no-report",
                "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["test_accuracy"] > 0.5               # the averaged weights are the saved ones; chance is 0.023
    model, card = load_keras_with_card(tmp_path / "model.keras")
    assert card.provenance["config"]["label_smoothing"] == 0.1 and card.provenance["config"]["ema"]
    import h5py
    with zipfile.ZipFile(tmp_path / "model.keras") as z:   # weights only: no optimizer state in the file
        assert "optimizer" not in h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")


def test_mnist_model_on_gtsrb_data_is_refused(tmp_path):
    r = run_cli("train", *SYNTH, "--model", "mnist-cnn2", "--epochs", "1", "--out", str(tmp_path))
    assert_one_line_error(r, "is for mnist (10 classes)")


def test_real_gtsrb_one_epoch_smoke(shared_data, tmp_path):
    r = run_cli("train", "--data", "gtsrb", "--limit", "4000", "--epochs", "1", "--batch-size", "64",
                "--no-report", "--out", str(tmp_path), env={"LENET_EDGE_DATA": str(shared_data)})
    assert r.returncode == 0, r.stderr[-2000:]
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["test_images"] == 12630 and m["train_images"] == 4000
    assert m["test_accuracy"] > 0.15                 # one short epoch: far above chance (0.023)
