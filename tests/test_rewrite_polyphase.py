"""The polyphase rewrite (the `tflite_dynamic_polyphase` format): exact, one XNNPACK partition,
and refused clearly where it does not apply."""
import json

import numpy as np
import pytest

from convert.rewrite_polyphase import NotApplicable, phase_mean_kernel, polyphase_kernel
from tests.conftest import REPO, SYNTH, assert_one_line_error, needs_tf, run_cli

PRETRAINED_SIGNNET = REPO / "train/pretrained/signnet-gtsrb/model.keras"


def tf_test(fn):
    """The marks of `needs_tf` on one test (the numpy-only test here runs in the edge-only install too)."""
    for mark in needs_tf:
        fn = mark(fn)
    return fn


def conv_valid(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Direct 'valid' convolution (cross-correlation, as Keras): x (N, H, W, Cin), w (k, k, Cin, Cout)."""
    kh, kw, _, _ = w.shape
    h, wd = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = sum(np.einsum("nhwc,co->nhwo", x[:, u:u + h, v:v + wd], w[u, v]) for u in range(kh) for v in range(kw))
    return out[:, ::stride, ::stride]


@pytest.mark.parametrize("k, size", [(5, 32), (3, 28), (4, 32), (5, 31)])
def test_kernel_rewrite_equals_conv_then_avgpool(k, size):
    """AvgPool(2)(relu(conv)) equals phase_mean(relu(strided conv with the polyphase kernel)), in numpy."""
    rng = np.random.default_rng(k + size)
    x = rng.uniform(-1, 1, (3, size, size, 1))
    w, b = rng.normal(size=(k, k, 1, 6)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    y = np.maximum(conv_valid(x, w) + b, 0)
    o = y.shape[1] // 2
    pooled = y[:, :2 * o, :2 * o].reshape(3, o, 2, o, 2, 6).mean(axis=(2, 4))
    k2, b2 = polyphase_kernel(w, b)
    assert k2.shape == (k + 1, k + 1, 1, 24)
    z = np.maximum(conv_valid(x, k2, stride=2) + b2, 0)
    assert z.shape[1] == o == (size - (k + 1)) // 2 + 1          # what Keras' valid stride-2 conv gives
    np.testing.assert_allclose(conv_valid(z, phase_mean_kernel(6)), pooled, atol=1e-5)


@tf_test
@pytest.mark.parametrize("name", ["lenet", "lenet-bn", "lenet-dropout"])
def test_rewritten_model_equals_original(name):
    import keras

    from convert.export_all import fixed_batch_model
    from convert.rewrite_polyphase import polyphase_model
    from train.models import build_model
    keras.utils.set_random_seed(0)
    model = build_model(name)
    x = np.random.default_rng(1).uniform(-1, 1, (64, 32, 32, 1)).astype(np.float32)
    fast = polyphase_model(model)
    np.testing.assert_allclose(fast.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    again = polyphase_model(model)                   # the source model is not changed by a rewrite
    np.testing.assert_allclose(again.predict(x, verbose=0), fast.predict(x, verbose=0), atol=1e-6)
    one = polyphase_model(fixed_batch_model(model))
    assert one.input_shape == (1, 32, 32, 1)
    np.testing.assert_allclose(one.predict(x[:1], verbose=0), model.predict(x[:1], verbose=0), atol=1e-5)


@tf_test
@pytest.mark.parametrize("name", ["signnet", "mnist-cnn2"])
def test_other_architectures_are_not_rewritten(name):
    from convert.rewrite_polyphase import polyphase_model
    from train.models import build_model
    with pytest.raises(NotApplicable, match="polyphase rewrite needs"):
        polyphase_model(build_model(name))


def test_polyphase_export_is_one_xnnpack_partition(synthetic_run):
    """The point of the format: no shape ops, and the whole graph in one XNNPACK delegate partition."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    path = str(synthetic_run / "export/model_dynamic_polyphase.tflite")
    raw = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    raw.allocate_tensors()
    ops = [o["op_name"] for o in raw._get_ops_details()]
    assert ops[:4] == ["CONV_2D", "CONV_2D", "CONV_2D", "AVERAGE_POOL_2D"] and "SHAPE" not in ops and "PACK" not in ops, ops
    it = Interpreter(model_path=path, num_threads=2)
    it.allocate_tensors()
    executed = [o["op_name"] for o in it._get_ops_details()]
    assert executed.count("DELEGATE") == 1, executed


@tf_test
def test_convert_all_skips_polyphase_for_other_models_and_refuses_it_by_name(tmp_path):
    """The shipped signnet: under --formats all the format is skipped (logged, in the manifest); asked
    for by name, a one-line error."""
    model = PRETRAINED_SIGNNET
    r = run_cli("convert", str(model), "--formats", "tflite_dynamic_polyphase", "--out", str(tmp_path / "one"))
    assert_one_line_error(r, "tflite_dynamic_polyphase", "polyphase rewrite needs")
    assert not (tmp_path / "one/model_dynamic_polyphase.tflite").exists()
    r = run_cli("calibrate", *SYNTH, "--size", "50", "--model", str(model), "--out", str(tmp_path / "cal"))
    assert r.returncode == 0, r.stderr[-2000:]
    r = run_cli("convert", str(model), "--calibration", str(tmp_path / "cal/calibration.npz"), "--out",
                str(tmp_path / "all"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "skipped tflite_dynamic_polyphase" in r.stderr
    man = json.loads((tmp_path / "all/manifest.json").read_text())
    assert [s["format"] for s in man["skipped"]] == ["tflite_dynamic_polyphase"]
    assert {f["format"] for f in man["files"]} == {"tflite_float32", "tflite_float16", "tflite_dynamic", "tflite_int8",
                                                   "onnx_float32", "onnx_int8", "onnx_dynamic"}
