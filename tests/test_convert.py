"""Exports: every format converts, carries its card, runs in its runtime and matches Keras;
broken exports and bad inputs fail clearly and leave no partial file."""
import json
import shutil

import numpy as np
import pytest

from convert.formats import FORMATS
from edge_app.artifacts import sha256_file
from edge_app.errors import LenetEdgeError
from edge_app.model_card import CARD_METADATA_KEY
from edge_app.runtimes import load_classifier
from edge_app.tflite_metadata import read_tflite_metadata
from tests.conftest import assert_one_line_error, needs_tf, run_cli
from train.datasets import load_data

pytestmark = needs_tf


@pytest.fixture(scope="module")
def keras_and_test(synthetic_run):
    from train.model_io import load_keras_with_card
    model, card = load_keras_with_card(synthetic_run / "train/model.keras")
    test = load_data("synthetic", "test", synthetic_per_class=200)
    from edge_app.preprocess import to_model_input
    x = to_model_input(test.images, card.preprocessing)
    return model, card, x, model.predict(x, verbose=0)


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
@pytest.mark.parametrize("batch1", [False, True], ids=["dynamic_batch", "batch1"])
def test_format_runs_and_matches_keras(fmt, batch1, synthetic_run, keras_and_test):
    model, card, x, ref = keras_and_test
    path = synthetic_run / "export" / (fmt.batch1_filename() if batch1 else fmt.filename)
    clf = load_classifier(path)
    assert clf.card.format == fmt.name and clf.card.labels == card.labels
    assert clf.card.input_shape[0] == (1 if batch1 else None)
    probs = clf.predict(x)
    assert probs.shape == (len(x), 43) and np.isfinite(probs).all()
    agree = np.mean(probs.argmax(1) == ref.argmax(1))
    assert agree >= (0.999 if fmt.kind == "float" else 0.99), agree


def test_int8_tflite_is_int8_and_small(synthetic_run):
    p = synthetic_run / "export/model_int8.tflite"
    card = json.loads(read_tflite_metadata(p.read_bytes())[CARD_METADATA_KEY])
    assert card["input"]["dtype"] == "int8" and card["input"]["quantization"]["scale"] > 0
    assert card["preprocessing"] == {"size": 32, "gray": "mean", "clahe": False, "offset": 128.0, "scale": 128.0}
    assert p.stat().st_size <= 80_000                   # goal: int8 TFLite <= 80 KB


def test_onnx_int8_is_qdq_per_channel(synthetic_run):
    import onnx
    m = onnx.load(str(synthetic_run / "export/model_int8.onnx"))
    ops = {n.op_type for n in m.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    scales = [i for i in m.graph.initializer if "scale" in i.name and len(i.dims) == 1 and i.dims[0] in (6, 16)]
    assert scales, "per-channel weight scales expected for the 6- and 16-filter convolutions"
    assert any(p.key == CARD_METADATA_KEY for p in m.metadata_props)
    assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) >= 17


def test_manifest_lists_every_export(synthetic_run):
    exp = synthetic_run / "export"
    man = json.loads((exp / "manifest.json").read_text())
    assert len(man["files"]) == 2 * len(FORMATS) and not man["failures"]
    for f in man["files"]:
        assert f["sha256"] == sha256_file(exp / f["path"]) and f["bytes"] > 1000
        assert f["verify"]["agreement_pct"] >= 95 and f["seconds"] > 0
    assert {"tensorflow-cpu", "onnxruntime", "ai-edge-litert"} & set(man["versions"])
    assert not [p for p in exp.iterdir() if p.name.startswith(".")]


def test_nan_export_is_caught(synthetic_run, keras_and_test, tmp_path):
    """The from_concrete_functions(..., trackable_obj) path silently outputs NaN: verification catches it."""
    import tensorflow as tf
    from convert.embed_card import embed_card_tflite
    from convert.verify import verify_export
    model, card, x, ref = keras_and_test
    fn = tf.function(lambda t: model(t)).get_concrete_function(tf.TensorSpec([None, 32, 32, 1], tf.float32))
    raw = tf.lite.TFLiteConverter.from_concrete_functions([fn], trackable_obj=model).convert()
    p = tmp_path / "broken.tflite"
    p.write_bytes(embed_card_tflite(raw, card.derive(format="tflite_float32")))
    with pytest.raises(LenetEdgeError, match="NaN"):
        verify_export(p, FORMATS["tflite_float32"], x[:100], ref[:100])


def test_collapsed_and_far_outputs_are_caught():
    from convert.verify import check_outputs
    rng = np.random.default_rng(0)
    ref = rng.dirichlet(np.ones(43) * 0.1, 200).astype(np.float32)
    const = np.tile(ref[:1], (200, 1))
    with pytest.raises(LenetEdgeError, match="collapsed"):
        check_outputs("x", const, ref, 95, 0.5)
    with pytest.raises(LenetEdgeError, match="agreement"):
        check_outputs("x", np.roll(ref, 1, axis=1), ref, 95, 1.0)
    with pytest.raises(LenetEdgeError, match="shape"):
        check_outputs("x", ref[:, :10], ref, 95, 1.0)


def test_model_without_card_or_with_wrong_card_is_refused(keras_and_test, tmp_path):
    import tensorflow as tf
    from convert.embed_card import embed_card_tflite
    model, card, x, _ = keras_and_test
    raw = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    (tmp_path / "nocard.tflite").write_bytes(raw)
    with pytest.raises(LenetEdgeError, match="no lenet-edge model card"):
        load_classifier(tmp_path / "nocard.tflite")
    wrong = card.derive(format="tflite_int8", input_dtype="int8", input_quantization={"scale": 0.01, "zero_point": 0})
    (tmp_path / "wrong.tflite").write_bytes(embed_card_tflite(raw, wrong))
    with pytest.raises(LenetEdgeError, match="does not match.*input dtype float32 vs card int8"):
        load_classifier(tmp_path / "wrong.tflite")
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07garbage")
    with pytest.raises(LenetEdgeError, match="cannot load"):
        load_classifier(tmp_path / "junk.onnx")


def _no_exports(out):
    return not out.exists() or not [p for p in out.iterdir() if p.suffix in (".tflite", ".onnx") or p.name.startswith(".")]


def test_cli_bad_inputs(synthetic_run, tmp_path):
    model, cal = synthetic_run / "train/model.keras", synthetic_run / "cal/calibration.npz"
    out = tmp_path / "out"
    r = run_cli("convert", str(tmp_path / "missing.keras"), "--calibration", str(cal), "--out", str(out))
    assert_one_line_error(r, "no such model file")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 not really a keras file")
    shutil.copy(synthetic_run / "train/model.card.json", tmp_path / "corrupt.card.json")
    r = run_cli("convert", str(corrupt), "--calibration", str(cal), "--out", str(out))
    assert_one_line_error(r, "cannot load the Keras model")
    r = run_cli("convert", str(model), "--formats", "tflite_int4", "--out", str(out))
    assert_one_line_error(r, "unknown format")
    r = run_cli("convert", str(model), "--formats", "tflite_int8", "--out", str(out))
    assert_one_line_error(r, "--calibration is required")
    np.savez(tmp_path / "cal28.npz", x=np.zeros((5, 28, 28, 1), np.float32), labels=np.zeros(5, np.int64),
             spec=np.array("{}"), source=np.array("x"), seed=0, num_classes=10)
    r = run_cli("convert", str(model), "--calibration", str(tmp_path / "cal28.npz"), "--out", str(out))
    assert_one_line_error(r, "but the model takes (32, 32, 1)")
    assert _no_exports(out)


def test_quantization_diagnostics(synthetic_run, keras_and_test, tmp_path):
    from calibration.representative import load_calibration
    from convert.diagnose import write_quantization_diagnostics
    model = keras_and_test[0]
    cal = load_calibration(synthetic_run / "cal/calibration.npz")
    cal.x = cal.x[:50]
    names = write_quantization_diagnostics(model, cal, tmp_path)
    rows = (tmp_path / names[0]).read_text().strip().splitlines()
    assert rows[0].startswith("op_name") and "rmse/scale" in rows[0] and len(rows) > 5
    assert any(r.startswith("CONV_2D") for r in rows[1:])


def test_int8_with_uint8_io(synthetic_run, keras_and_test, tmp_path):
    r = run_cli("convert", str(synthetic_run / "train/model.keras"), "--calibration",
                str(synthetic_run / "cal/calibration.npz"), "--formats", "tflite_int8", "--int8-io", "uint8",
                "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    clf = load_classifier(tmp_path / "model_int8.tflite")
    assert clf.card.input_dtype == "uint8" and clf.card.output_dtype == "uint8"
    _, _, x, ref = keras_and_test
    assert np.mean(clf.predict(x).argmax(1) == ref.argmax(1)) >= 0.99
