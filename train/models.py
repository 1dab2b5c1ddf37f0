"""Models by name: the seeds' LeNet and MNIST CNNs, their variants, and an improved sign model.

    build_model("lenet")            # exactly the seed notebook's LeNet: 64,511 parameters
    build_model("mnist-cnn3")       # seed 002: 95,082 parameters
    build_model("mnist-cnn2")       # seed 003: 121,930 parameters
    build_model("lenet-dropout")    # variants: -dropout (0.25 / 0.25 / 0.5), -bn, -maxnorm (MaxNorm(3))
    build_model("signnet")          # improved GTSRB model, < 150k parameters, int8-friendly

Every model ends in Dense(num_classes, softmax) and takes (size, size, 1) float input made by
`edge_app.preprocess.to_model_input` with the spec in `MODELS[name].preprocessing`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras
from keras import layers

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES, MNIST_CLASS_NAMES
from edge_app.preprocess import MNIST_SPEC, SEED_SPEC, PreprocessSpec


@dataclass(frozen=True)
class ModelInfo:
    name: str
    build: Callable[..., keras.Model]
    dataset: str                   # "gtsrb" or "mnist": the labels it is made for
    preprocessing: PreprocessSpec
    params: int                    # expected parameter count (asserted by the tests)

    @property
    def labels(self) -> tuple[str, ...]:
        return GTSRB_CLASS_NAMES if self.dataset == "gtsrb" else MNIST_CLASS_NAMES


def _block(x, variant: str, dropout: float):
    if variant == "bn":
        x = layers.BatchNormalization()(x)
    if variant == "dropout" and dropout:
        x = layers.Dropout(dropout)(x)
    return x


def _conv(x, filters, k, variant):
    kc = keras.constraints.MaxNorm(3) if variant == "maxnorm" else None
    return layers.Conv2D(filters, k, activation="relu", kernel_constraint=kc)(x)


def _dense(x, units, variant, activation="relu"):
    kc = keras.constraints.MaxNorm(3) if variant == "maxnorm" and activation == "relu" else None
    return layers.Dense(units, activation=activation, kernel_constraint=kc)(x)


def lenet(variant: str = "", num_classes: int = 43, size: int = 32) -> keras.Model:
    """The seed notebook's LeNet: Conv(6,5x5) AvgPool Conv(16,5x5) AvgPool Dense 120, 84, classes."""
    inp = keras.Input((size, size, 1), name="image")
    x = _conv(inp, 6, 5, variant)
    x = _block(layers.AveragePooling2D(2)(x), variant, 0.25)
    x = _conv(x, 16, 5, variant)
    x = _block(layers.AveragePooling2D(2)(x), variant, 0.25)
    x = layers.Flatten()(x)
    x = _block(_dense(x, 120, variant), variant if variant != "dropout" else "", 0)
    x = _block(_dense(x, 84, variant), variant, 0.5)
    out = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=f"lenet{'-' + variant if variant else ''}")


def _mnist_trunk(x, variant):
    """The seeds' shared start: Conv 32 (3x3) + MaxPool, Conv 64 (3x3) + MaxPool."""
    x = _block(layers.MaxPooling2D(2)(_conv(x, 32, 3, variant)), variant, 0.25)
    return _block(layers.MaxPooling2D(2)(_conv(x, 64, 3, variant)), variant, 0.25)


def mnist_cnn3(variant: str = "", num_classes: int = 10, size: int = 28) -> keras.Model:
    """Seed 002: Conv 32 + MaxPool, Conv 64 + MaxPool, Conv 64, Flatten, Dense 64, 32, classes."""
    inp = keras.Input((size, size, 1), name="image")
    x = _mnist_trunk(inp, variant)
    x = _block(_conv(x, 64, 3, variant), variant if variant != "dropout" else "", 0)
    x = layers.Flatten()(x)
    x = _block(_dense(x, 64, variant), variant if variant != "dropout" else "", 0)
    x = _block(_dense(x, 32, variant), variant, 0.5)
    out = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=f"mnist-cnn3{'-' + variant if variant else ''}")


def mnist_cnn2(variant: str = "", num_classes: int = 10, size: int = 28) -> keras.Model:
    """Seed 003: Conv 32 + MaxPool, Conv 64 + MaxPool, Flatten, Dense 64, classes."""
    inp = keras.Input((size, size, 1), name="image")
    x = layers.Flatten()(_mnist_trunk(inp, variant))
    x = _block(_dense(x, 64, variant), variant, 0.5)
    out = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=f"mnist-cnn2{'-' + variant if variant else ''}")


def signnet(variant: str = "", num_classes: int = 43, size: int = 32) -> keras.Model:
    """Improved sign model (< 150k parameters): 3x3 conv pairs with batch norm, global pooling.

    Conv 32-32 / pool / 64-64 / pool / 128 / global average / dropout / Dense(classes).
    Only Conv, BatchNorm (folded at export), ReLU, pooling and Dense: all int8-friendly ops.
    """
    inp = keras.Input((size, size, 1), name="image")
    x = inp
    for filters, pool in ((32, False), (32, True), (64, False), (64, True), (128, False)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        if pool:
            x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    out = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name="signnet")


_BASES = {  # name -> (builder, dataset, preprocessing, params of the plain model, params with -bn)
    "lenet": (lenet, "gtsrb", SEED_SPEC, 64_511, 65_415),
    "mnist-cnn3": (mnist_cnn3, "mnist", MNIST_SPEC, 95_082, 96_106),
    "mnist-cnn2": (mnist_cnn2, "mnist", MNIST_SPEC, 121_930, 122_570),
}

MODELS: dict[str, ModelInfo] = {}
for _name, (_fn, _ds, _pre, _p, _pbn) in _BASES.items():
    MODELS[_name] = ModelInfo(_name, _fn, _ds, _pre, _p)
    for _v in ("dropout", "bn", "maxnorm"):
        MODELS[f"{_name}-{_v}"] = ModelInfo(
            f"{_name}-{_v}", (lambda fn, v: lambda **kw: fn(v, **kw))(_fn, _v), _ds, _pre, _pbn if _v == "bn" else _p)
MODELS["signnet"] = ModelInfo("signnet", signnet, "gtsrb", SEED_SPEC, 145_355)


def get_model_info(name: str) -> ModelInfo:
    if name not in MODELS:
        raise LenetEdgeError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name]


def build_model(name: str, num_classes: int | None = None, size: int | None = None) -> keras.Model:
    info = get_model_info(name)
    kw = {}
    if num_classes is not None:
        kw["num_classes"] = num_classes
    if size is not None:
        kw["size"] = size
    return info.build(**kw)
