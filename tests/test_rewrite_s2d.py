"""The space-to-depth rewrite (the `tflite_dynamic_s2d` format): exact, one XNNPACK partition,
and refused clearly where it does not apply."""
import json

import numpy as np
import pytest

from convert.rewrite_s2d import NotApplicable, phase_mean_kernel, space_to_depth_kernel
from tests.conftest import REPO, SYNTH, assert_one_line_error, needs_tf, run_cli

PRETRAINED_SIGNNET = REPO / "train/pretrained/signnet-gtsrb/model.keras"


def tf_test(fn):
    """The marks of `needs_tf` on one test (the numpy-only tests here run in the edge-only install too)."""
    for mark in needs_tf:
        fn = mark(fn)
    return fn


def conv_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Direct 'valid' convolution (cross-correlation, as Keras): x (N, H, W, Cin), w (k, k, Cin, Cout)."""
    kh, kw, _, cout = w.shape
    n, h, wd, _ = x.shape
    out = np.zeros((n, h - kh + 1, wd - kw + 1, cout))
    for u in range(kh):
        for v in range(kw):
            out += np.einsum("nhwc,co->nhwo", x[:, u:u + h - kh + 1, v:v + wd - kw + 1], w[u, v])
    return out


def space_to_depth(x: np.ndarray) -> np.ndarray:
    """(N, H, W, 1) -> (N, H/2, W/2, 4), pixel (2p+r, 2q+s) -> channel 2r+s (tf.nn.space_to_depth's order)."""
    n, h, w, _ = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2).transpose(0, 1, 3, 2, 4).reshape(n, h // 2, w // 2, 4)


@pytest.mark.parametrize("k, size", [(5, 32), (3, 28), (4, 32)])
def test_kernel_rewrite_equals_conv_then_avgpool(k, size):
    """relu(conv) -> AvgPool(2) equals s2d -> conv(k2) -> relu -> phase mean, in plain numpy."""
    rng = np.random.default_rng(k)
    x = rng.uniform(-1, 1, (3, size, size, 1))
    w, b = rng.normal(size=(k, k, 1, 6)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    y = np.maximum(conv_valid(x, w) + b, 0)
    o = y.shape[1] // 2
    pooled = y[:, :2 * o, :2 * o].reshape(3, o, 2, o, 2, 6).mean(axis=(2, 4))
    k2, b2 = space_to_depth_kernel(w, b)
    assert k2.shape == (k // 2 + 1, k // 2 + 1, 4, 24)
    z = np.maximum(conv_valid(space_to_depth(x), k2) + b2, 0)
    rewritten = conv_valid(z, phase_mean_kernel(6))
    assert rewritten.shape == pooled.shape
    np.testing.assert_allclose(rewritten, pooled, atol=1e-5)


@tf_test
@pytest.mark.parametrize("name", ["lenet", "lenet-bn", "lenet-dropout"])
def test_rewritten_model_equals_original(name):
    import keras

    from convert.export_all import fixed_batch_model
    from convert.rewrite_s2d import space_to_depth_model
    from train.models import build_model
    keras.utils.set_random_seed(0)
    model = build_model(name)
    x = np.random.default_rng(1).uniform(-1, 1, (64, 32, 32, 1)).astype(np.float32)
    fast = space_to_depth_model(model)
    np.testing.assert_allclose(fast.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    one = space_to_depth_model(fixed_batch_model(model))
    assert one.input_shape == (1, 32, 32, 1)
    np.testing.assert_allclose(one.predict(x[:1], verbose=0), model.predict(x[:1], verbose=0), atol=1e-5)


@tf_test
@pytest.mark.parametrize("name", ["signnet", "mnist-cnn2"])
def test_other_architectures_are_not_rewritten(name):
    from convert.rewrite_s2d import space_to_depth_model
    from train.models import build_model
    with pytest.raises(NotApplicable, match="space-to-depth rewrite needs"):
        space_to_depth_model(build_model(name))


def test_s2d_export_is_one_xnnpack_partition(synthetic_run):
    """The point of the format: SPACE_TO_DEPTH in, no shape ops, and the whole graph in one delegate."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    path = str(synthetic_run / "export/model_dynamic_s2d.tflite")
    raw = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    raw.allocate_tensors()
    ops = [o["op_name"] for o in raw._get_ops_details()]
    assert ops[0] == "SPACE_TO_DEPTH" and "SHAPE" not in ops and "PACK" not in ops, ops
    it = Interpreter(model_path=path, num_threads=2)
    it.allocate_tensors()
    executed = [o["op_name"] for o in it._get_ops_details()]
    assert executed.count("DELEGATE") == 1, executed


@tf_test
def test_convert_all_skips_s2d_for_other_models_and_refuses_it_by_name(tmp_path):
    """The shipped signnet: under --formats all the format is skipped (logged, in the manifest); asked
    for by name, a one-line error."""
    model = PRETRAINED_SIGNNET
    r = run_cli("convert", str(model), "--formats", "tflite_dynamic_s2d", "--out", str(tmp_path / "one"))
    assert_one_line_error(r, "tflite_dynamic_s2d", "space-to-depth rewrite needs")
    assert not (tmp_path / "one/model_dynamic_s2d.tflite").exists()
    r = run_cli("calibrate", *SYNTH, "--size", "50", "--model", str(model), "--out", str(tmp_path / "cal"))
    assert r.returncode == 0, r.stderr[-2000:]
    r = run_cli("convert", str(model), "--calibration", str(tmp_path / "cal/calibration.npz"), "--out",
                str(tmp_path / "all"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "skipped tflite_dynamic_s2d" in r.stderr
    man = json.loads((tmp_path / "all/manifest.json").read_text())
    assert [s["format"] for s in man["skipped"]] == ["tflite_dynamic_s2d"]
    assert {f["format"] for f in man["files"]} == {"tflite_float32", "tflite_float16", "tflite_dynamic", "tflite_int8",
                                                   "onnx_float32", "onnx_int8", "onnx_dynamic"}
