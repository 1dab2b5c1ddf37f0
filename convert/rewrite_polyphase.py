"""An exact rewrite of LeNet's first conv + pool for batch throughput: the polyphase form.

LeNet opens with Conv(6 filters, 5x5, 1 input channel, ReLU) then AvgPool(2). Six output channels
fit a CPU's SIMD lanes badly (XNNPACK pads them to 16) and that conv takes about three quarters of
LeNet's time at batch 256. AvgPool(2) only needs the conv output at the four phases (a, b) of each
2x2 cell, so the rewrite computes those phases as 24 channels of one strided conv, then averages:

    Conv 6x6, stride 2, 24 filters, same activation   (N, 32, 32, 1) -> (N, 14, 14, 24)
        filter 6*(2a+b)+o is filter o shifted by (a, b): its output at (i, j) is the original
        conv output o at pixel (2i+a, 2j+b)
    Conv 1x1, 6 filters, fixed weights 0.25, no bias  (N, 14, 14, 24) -> (N, 14, 14, 6)
        the mean of the four phases: AvgPool(2) of the original conv output

It also replaces Flatten by a reshape to a constant shape (no SHAPE/STRIDED_SLICE/PACK ops), so
XNNPACK runs the whole graph as one partition. Outputs equal the original's up to float rounding
(max |Δprob| about 2e-6); the export is still verified and gated like every other. Measured on
the shipped LeNet: 1.2-1.3x the batch-256 throughput of the plain dynamic-range export.

    >>> fast = polyphase_model(model)     # raises NotApplicable unless the model opens like LeNet
"""
from __future__ import annotations

import numpy as np

from edge_app.errors import LenetEdgeError


class NotApplicable(LenetEdgeError):
    """The rewrite does not apply to this architecture (the format is skipped under --formats all)."""


def _check_head(model):
    """The model's conv and pool layers if it opens Input(H, W, 1) -> Conv2D(stride 1, valid) -> AvgPool(2)."""
    import keras
    layers = model.layers
    need = (f"{model.name}: the polyphase rewrite needs a plain chain of layers opening with Conv2D "
            "(1 input channel, stride 1, valid) then AveragePooling2D(2)")
    if len(layers) < 4 or not isinstance(layers[0], keras.layers.InputLayer):
        raise NotApplicable(need)
    conv, pool = layers[1], layers[2]
    ok = (type(conv) is keras.layers.Conv2D and type(pool) is keras.layers.AveragePooling2D
          and model.input_shape[-1] == 1 and conv.strides == (1, 1) and conv.dilation_rate == (1, 1)
          and conv.padding == "valid" and conv.groups == 1 and conv.data_format == "channels_last"
          and pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid")
    chain = all(len(layer._inbound_nodes) == 1 and len(layer._inbound_nodes[0].input_tensors) == 1
                for layer in layers[1:])
    if not (ok and chain):
        raise NotApplicable(need)
    return conv, pool


def polyphase_kernel(w: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(k, k, 1, C) kernel -> (k+1, k+1, 1, 4C) kernel for stride 2, and its bias.

    Filter C*(2a+b)+o is filter o shifted down a rows and right b columns, so at output (i, j) it
    sees the input window of the original output pixel (2i+a, 2j+b).
    """
    k, _, _, c = w.shape
    k2 = np.zeros((k + 1, k + 1, 1, 4 * c), np.float32)
    for a in range(2):
        for bb in range(2):
            phase = (2 * a + bb) * c
            k2[a:a + k, bb:bb + k, :, phase:phase + c] = w
    bias = np.tile(b if b is not None else np.zeros(c, np.float32), 4).astype(np.float32)
    return k2, bias


def phase_mean_kernel(c: int) -> np.ndarray:
    """(1, 1, 4C, C) kernel averaging the four phases: AvgPool(2) of the original conv output."""
    k = np.zeros((1, 1, 4 * c, c), np.float32)
    for phase in range(4):
        k[0, 0, phase * c:(phase + 1) * c] = 0.25 * np.eye(c, dtype=np.float32)
    return k


def polyphase_model(model):
    """The same network with its first conv + pool rewritten (see module docstring). TF backend only."""
    import keras
    import tensorflow as tf
    conv, _ = _check_head(model)
    w, *b = conv.get_weights()
    k2, bias = polyphase_kernel(w, b[0] if b else None)
    c = w.shape[-1]
    inp = keras.Input(batch_shape=model.input_shape, name="image")
    phases = keras.layers.Conv2D(4 * c, k2.shape[0], strides=2, activation=conv.activation, name="phases")
    x = phases(inp)                                  # (N, H', W', 4C)
    phases.set_weights([k2, bias])
    mean = keras.layers.Conv2D(c, 1, use_bias=False, name="phase_mean")
    x = mean(x)                                      # (N, H', W', C) = AvgPool(2)(relu(conv(inp)))
    mean.set_weights([phase_mean_kernel(c)])
    for layer in model.layers[3:]:
        if isinstance(layer, keras.layers.Flatten):
            n = int(np.prod(x.shape[1:]))
            x = keras.layers.Lambda(lambda t, n=n: tf.reshape(t, [-1, n]), name=f"{layer.name}_const")(x)
        else:            # a copy, not the layer itself: the source model is left as it was
            copy = type(layer).from_config(layer.get_config())
            x = copy(x)
            copy.set_weights(layer.get_weights())
    return keras.Model(inp, x, name=f"{model.name}-polyphase")
