import numpy as np
import pytest

from edge_app.errors import LenetEdgeError
from edge_app.preprocess import MNIST_SPEC, SEED_SPEC, PreprocessSpec, dequantize, quantize, to_model_input


def test_seed_recipe_gray_mean_then_offset_scale():
    img = np.zeros((2, 32, 32, 3), np.uint8)
    img[0, ..., 0], img[0, ..., 1], img[0, ..., 2] = 30, 60, 90   # mean 60
    img[1] = 255
    x = to_model_input(img)
    assert x.shape == (2, 32, 32, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], (60 - 128) / 128)
    np.testing.assert_allclose(x[1], (255 - 128) / 128)


def test_single_image_and_resize_to_model_size():
    img = np.random.default_rng(0).integers(0, 256, (80, 60, 3), dtype=np.uint8)
    x = to_model_input(img)
    assert x.shape == (1, 32, 32, 1)
    assert -1.0 <= x.min() and x.max() < 1.0


def test_mnist_spec_gray_input():
    img = np.full((3, 28, 28), 255, np.uint8)
    x = to_model_input(img, MNIST_SPEC)
    assert x.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(x, 1.0)


def test_clahe_changes_low_contrast_image():
    rng = np.random.default_rng(1)
    img = (100 + rng.integers(0, 10, (1, 32, 32, 3))).astype(np.uint8)
    plain, eq = to_model_input(img), to_model_input(img, PreprocessSpec(clahe=True))
    assert eq.std() > 2 * plain.std()


def test_bad_input_is_a_clear_error():
    with pytest.raises(LenetEdgeError, match="uint8"):
        to_model_input(np.zeros((1, 32, 32, 3), np.float32))
    with pytest.raises(LenetEdgeError, match="shape"):
        to_model_input(np.zeros((1, 2, 32, 32, 3), np.uint8))
    with pytest.raises(LenetEdgeError, match="gray"):
        PreprocessSpec.from_dict({**SEED_SPEC.to_dict(), "gray": "luma"})


def test_quantize_round_trip():
    x = np.linspace(-1, 1, 101, dtype=np.float32)
    q = quantize(x, 1 / 128, 0, np.int8)
    assert q.dtype == np.int8 and q.min() == -128 and q.max() == 127
    np.testing.assert_allclose(dequantize(q, 1 / 128, 0), np.clip(x, -1, 127 / 128), atol=1 / 256)
