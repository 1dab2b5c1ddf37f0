"""The training loop behind `lenet-edge train`.

    python -m train --data gtsrb --model lenet --out runs/lenet-seed            # the seed recipe
    python -m train --data gtsrb --model lenet --preprocess clahe --augment light \
        --schedule cosine --epochs 60 --batch-size 128 --keep-best --out runs/lenet  # the tuned one

Writes to --out: model.keras + model.card.json, history.csv/json, metrics.json, manifest.json,
and the report (report.html + PNGs). Validation is split from the training set by track.
"""
from __future__ import annotations

import csv
import io
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from edge_app.artifacts import tool_versions, utc_now, write_json_atomic, write_manifest, write_text_atomic
from edge_app.errors import LenetEdgeError
from edge_app.model_card import ModelCard
from edge_app.preprocess import PreprocessSpec, to_model_input
from train.augment import augment_batch
from train.datasets import load_data
from train.datasets.split import split_by_track


@dataclass
class TrainConfig:
    data: str = "synthetic"
    model: str = "lenet"
    epochs: int = 50               # the seed: 50
    batch_size: int = 500          # the seed: 500
    lr: float = 1e-3               # Adam, the seed's default
    schedule: str = "constant"     # constant | cosine | step
    augment: str = "none"          # none | light | strong | heavy
    preprocess: str = "seed"       # seed | clahe
    val_fraction: float = 0.15
    limit: int | None = None
    seed: int = 0
    synthetic_per_class: int | None = None
    keep_best: bool = False        # restore the weights of the best validation epoch
    ema: bool = False              # evaluate and save the exponential moving average of the weights
    label_smoothing: float = 0.0
    report: bool = True
    out: str = "runs/train"
    command: str = ""


def validate_config(cfg: TrainConfig) -> None:
    if cfg.epochs < 1:
        raise LenetEdgeError(f"--epochs must be >= 1, got {cfg.epochs}")
    if cfg.batch_size < 1:
        raise LenetEdgeError(f"--batch-size must be >= 1, got {cfg.batch_size}")
    if not cfg.lr > 0:
        raise LenetEdgeError(f"--lr must be > 0, got {cfg.lr}")
    if not 0 <= cfg.label_smoothing < 1:
        raise LenetEdgeError(f"--label-smoothing must be in [0, 1), got {cfg.label_smoothing}")
    if cfg.ema and cfg.keep_best:
        raise LenetEdgeError("--ema and --keep-best exclude each other: the average is taken over all epochs")
    if cfg.limit is not None and cfg.limit < 1:
        raise LenetEdgeError(f"--limit must be >= 1, got {cfg.limit}")


def lr_at(cfg: TrainConfig, epoch: int) -> float:
    if cfg.schedule == "cosine":
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * epoch / cfg.epochs))
    if cfg.schedule == "step":
        return cfg.lr * (0.1 ** (epoch // max(1, cfg.epochs // 3)))
    return cfg.lr


def train(cfg: TrainConfig) -> dict:
    validate_config(cfg)
    from train.models import get_model_info  # imports Keras: after the cheap checks
    info = get_model_info(cfg.model)
    train_ds = load_data(cfg.data, "train", synthetic_per_class=cfg.synthetic_per_class, seed=cfg.seed)
    test_ds = load_data(cfg.data, "test", synthetic_per_class=cfg.synthetic_per_class, seed=cfg.seed)
    if train_ds.num_classes != len(info.labels):
        raise LenetEdgeError(f"model {cfg.model} is for {info.dataset} ({len(info.labels)} classes) but "
                             f"--data {cfg.data} has {train_ds.num_classes} classes")
    spec = PreprocessSpec(**{**info.preprocessing.to_dict(), "clahe": cfg.preprocess == "clahe"})
    tr_idx, val_idx = split_by_track(train_ds.labels, train_ds.tracks, cfg.val_fraction, cfg.seed)
    if cfg.limit:
        tr_idx = np.random.default_rng(cfg.seed).permutation(tr_idx)[:cfg.limit]
    tr, val = train_ds.subset(tr_idx), train_ds.subset(val_idx)
    if len(val) == 0:
        raise LenetEdgeError(f"--data {cfg.data}: no class has two tracks, so there is no validation split "
                             "(more images per class are needed)")
    log(f"data {cfg.data}: train {len(tr)}, validation {len(val)} (split by track), test {len(test_ds)}")
    x_val = to_model_input(val.images, spec)
    model, history, epoch_s = fit_model(cfg, info, spec, tr, x_val, val.labels)
    x_test = to_model_input(test_ds.images, spec)
    probs = model.predict(x_test, batch_size=1024, verbose=0)
    test_loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), test_ds.labels], 1e-12, 1))))
    test_acc = float(np.mean(probs.argmax(1) == test_ds.labels))
    metrics = {"test_accuracy": test_acc, "test_loss": test_loss,
               "val_accuracy": float(np.mean(model.predict(x_val, batch_size=1024, verbose=0).argmax(1) == val.labels)),
               "params": int(model.count_params()), "epochs": cfg.epochs,
               "seconds_per_epoch": float(np.mean(epoch_s)), "train_seconds": float(np.sum(epoch_s)),
               "train_images": len(tr), "val_images": len(val), "test_images": len(test_ds)}
    log(f"test accuracy {100 * test_acc:.2f}% loss {test_loss:.4f} ({metrics['train_seconds']:.0f} s training)")
    out = Path(cfg.out)
    card = ModelCard(
        name=cfg.model, architecture=cfg.model, format="keras",
        input_shape=[None, spec.size, spec.size, 1], input_dtype="float32",
        output_shape=[None, len(info.labels)], output_dtype="float32",
        preprocessing=spec, labels=list(info.labels), dataset=train_ds.name,
        metrics=metrics,
        provenance={"created": utc_now(), "command": cfg.command, "config": asdict(cfg),
                    "data_source": train_ds.source, "versions": tool_versions()})
    save_outputs(out, model, card, history, metrics)
    if cfg.report:
        from train.reports import write_report
        write_report(out, model, history, test_ds, probs, spec, tr, metrics)
    write_manifest(out, sorted(p.name for p in out.iterdir() if p.is_file() and p.name != "manifest.json"
                               and not p.name.startswith(".")), card=card.to_dict())
    return metrics


def log(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


def fit_model(cfg, info, spec, tr, x_val, y_val):
    import keras

    keras.utils.set_random_seed(cfg.seed)
    if keras.backend.backend() == "tensorflow":  # Keras 3 also trains on JAX or PyTorch (KERAS_BACKEND)
        import tensorflow as tf
        tf.config.experimental.enable_op_determinism()
    model = info.build()
    from train.losses import SparseSmoothedCrossentropy
    steps = math.ceil(len(tr) / cfg.batch_size)
    ema_momentum = min(0.999, 1 - 1 / steps)  # averages over about the last epoch (0.998 on GTSRB at batch 64)
    model.compile(optimizer=keras.optimizers.Adam(cfg.lr, use_ema=cfg.ema, ema_momentum=ema_momentum),
                  loss=SparseSmoothedCrossentropy(cfg.label_smoothing) if cfg.label_smoothing
                  else "sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    rng = np.random.default_rng(cfg.seed)
    x_plain = to_model_input(tr.images, spec) if cfg.augment == "none" else None

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.order = rng.permutation(len(tr))

        def __len__(self):
            return math.ceil(len(tr) / cfg.batch_size)

        def __getitem__(self, i):
            idx = self.order[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            if x_plain is not None:
                return x_plain[idx], tr.labels[idx]
            return to_model_input(augment_batch(tr.images[idx], rng, cfg.augment), spec), tr.labels[idx]

        def on_epoch_end(self):
            self.order = rng.permutation(len(tr))

    epoch_s, best = [], {"acc": -1.0, "weights": None}

    class Track(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()
            self.model.optimizer.learning_rate.assign(lr_at(cfg, epoch))

        def on_epoch_end(self, epoch, logs=None):
            epoch_s.append(time.perf_counter() - self.t0)
            logs["lr"] = lr_at(cfg, epoch)
            if cfg.keep_best and logs["val_accuracy"] > best["acc"]:
                best["acc"], best["weights"] = logs["val_accuracy"], self.model.get_weights()
            log(f"epoch {epoch + 1}/{cfg.epochs} loss {logs['loss']:.4f} acc {logs['accuracy']:.4f} "
                f"val_loss {logs['val_loss']:.4f} val_acc {logs['val_accuracy']:.4f} ({epoch_s[-1]:.1f} s)")

    h = model.fit(Batches(), epochs=cfg.epochs, validation_data=(x_val, y_val), verbose=0,
                  callbacks=[Track()])
    if cfg.keep_best and best["weights"] is not None:
        model.set_weights(best["weights"])
    history = {k: [float(v) for v in vals] for k, vals in h.history.items()}
    history["seconds"] = [float(s) for s in epoch_s]
    return model, history, epoch_s


def save_outputs(out: Path, model, card: ModelCard, history: dict, metrics: dict) -> None:
    from train.model_io import save_keras_with_card
    out.mkdir(parents=True, exist_ok=True)
    save_keras_with_card(model, card, out / "model.keras")
    write_json_atomic(out / "history.json", history)
    keys = list(history)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["epoch", *keys])
    for i in range(len(history[keys[0]])):
        w.writerow([i + 1, *(history[k][i] for k in keys)])
    write_text_atomic(out / "history.csv", buf.getvalue())
    write_json_atomic(out / "metrics.json", metrics)
