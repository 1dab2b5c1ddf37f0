"""An exact rewrite of LeNet's first two layers for batch throughput: space-to-depth.

LeNet opens with Conv(6 filters, 5x5, 1 input channel) then AvgPool(2). One input channel and six
output channels fit a CPU's SIMD lanes badly (XNNPACK pads 6 outputs to 16 lanes), and that conv
takes about three quarters of LeNet's time at batch 256. The rewrite computes the same numbers as

    SPACE_TO_DEPTH(2)                 (N, 32, 32, 1) -> (N, 16, 16, 4)     pixel (2p+r, 2q+s) -> channel 2r+s
    Conv 3x3, 24 filters, same act.   (N, 16, 16, 4) -> (N, 14, 14, 24)    channel 6*(2a+b)+o = conv output
                                                                           o at pixel (2i+a, 2j+b)
    Conv 1x1, 6 filters, fixed 0.25   (N, 14, 14, 24) -> (N, 14, 14, 6)    the mean of the 4 phases = AvgPool(2)

and replaces Flatten by a reshape to a constant shape (no SHAPE/STRIDED_SLICE/PACK ops, so XNNPACK
takes the whole graph as one partition). Outputs equal the original's up to float rounding
(max |Δprob| about 2e-6); the export is still verified and gated like every other.

    >>> fast = space_to_depth_model(model)     # raises NotApplicable unless the model is LeNet-shaped
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
    if len(layers) < 4 or not isinstance(layers[0], keras.layers.InputLayer):
        raise NotApplicable(f"{model.name}: the space-to-depth rewrite needs a plain layer chain")
    conv, pool = layers[1], layers[2]
    h, w, c = model.input_shape[1:]
    ok = (type(conv) is keras.layers.Conv2D and type(pool) is keras.layers.AveragePooling2D and c == 1
          and h % 2 == 0 and w % 2 == 0 and conv.strides == (1, 1) and conv.dilation_rate == (1, 1)
          and conv.padding == "valid" and conv.groups == 1 and conv.data_format == "channels_last"
          and pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid")
    if not ok:
        raise NotApplicable(f"{model.name}: the space-to-depth rewrite needs a first Conv2D (1 input channel, "
                            "stride 1, valid) followed by AveragePooling2D(2)")
    for layer in layers[1:]:
        if len(layer._inbound_nodes) != 1 or len(layer._inbound_nodes[0].input_tensors) != 1:
            raise NotApplicable(f"{model.name}: the space-to-depth rewrite needs a plain layer chain "
                                f"({layer.name} is shared or has several inputs)")
    return conv, pool


def space_to_depth_kernel(w: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(k, k, 1, C) conv kernel -> (k//2+1, k//2+1, 4, 4C) kernel on the space-to-depth input, and its bias.

    Output channel C*(2a+b)+o at s2d pixel (i, j) is the original output o at pixel (2i+a, 2j+b).
    """
    kh, kw, _, c = w.shape
    k2 = np.zeros((kh // 2 + 1, kw // 2 + 1, 4, 4 * c), np.float32)
    for a in range(2):
        for bb in range(2):
            phase = (2 * a + bb) * c
            for u in range(kh):
                for v in range(kw):
                    dy, r = divmod(a + u, 2)
                    dx, s = divmod(bb + v, 2)
                    k2[dy, dx, 2 * r + s, phase:phase + c] += w[u, v, 0]
    bias = np.tile(b if b is not None else np.zeros(c, np.float32), 4).astype(np.float32)
    return k2, bias


def phase_mean_kernel(c: int) -> np.ndarray:
    """(1, 1, 4C, C) kernel averaging the 4 phases: AvgPool(2) of the original conv output."""
    k = np.zeros((1, 1, 4 * c, c), np.float32)
    for phase in range(4):
        k[0, 0, phase * c:(phase + 1) * c] = 0.25 * np.eye(c, dtype=np.float32)
    return k


def space_to_depth_model(model):
    """The same network with its first conv + pool rewritten (see module docstring). TF backend only."""
    import keras
    import tensorflow as tf
    conv, pool = _check_head(model)
    w, *b = conv.get_weights()
    k2, bias = space_to_depth_kernel(w, b[0] if b else None)
    c = w.shape[-1]
    inp = keras.Input(batch_shape=model.input_shape, name="image")
    x = keras.layers.Lambda(lambda t: tf.nn.space_to_depth(t, 2), name="space_to_depth")(inp)
    s2d = keras.layers.Conv2D(4 * c, k2.shape[0], activation=conv.activation, name="s2d_conv")
    x = s2d(x)
    s2d.set_weights([k2, bias])
    mean = keras.layers.Conv2D(c, 1, use_bias=False, name="phase_mean")
    x = mean(x)
    mean.set_weights([phase_mean_kernel(c)])
    for layer in model.layers[3:]:
        if isinstance(layer, keras.layers.Flatten):
            n = int(np.prod(x.shape[1:]))
            x = keras.layers.Lambda(lambda t, n=n: tf.reshape(t, [-1, n]), name=f"{layer.name}_const")(x)
        else:
            x = layer(x)
    return keras.Model(inp, x, name=f"{model.name}-s2d")
