"""The parity gate on the real GTSRB test set (all 12,630 images), with the model the project
trained on real GTSRB and committed (train/pretrained, edge_app/pretrained)."""
import json

import pytest

from convert.formats import FORMATS
from tests.conftest import REPO, needs_tf, run_cli

pytestmark = needs_tf

KERAS = REPO / "train/pretrained/lenet-gtsrb/model.keras"
EXPORTS = REPO / "edge_app/pretrained/lenet-gtsrb"


def test_committed_exports_pass_the_gate_on_real_gtsrb(shared_data, tmp_path):
    r = run_cli("parity", "--model", str(KERAS), "--exports", str(EXPORTS), "--data", "gtsrb", "--out", str(tmp_path),
                env={"LENET_EDGE_DATA": str(shared_data)})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    rep = json.loads((tmp_path / "parity.json").read_text())
    assert rep["images"] == 12630 and rep["passed"]
    card = json.loads((KERAS.with_name("model.card.json")).read_text())
    # the committed model is what its card says
    assert rep["keras_accuracy_pct"] == pytest.approx(100 * card["metrics"]["test_accuracy"], abs=0.01)
    assert rep["keras_accuracy_pct"] >= 97.0
    int8 = [x for x in rep["results"] if x["kind"] == "quantized"]
    assert {x["file"] for x in int8} == {"model_int8.tflite", "model_int8.onnx"}
    for x in int8:                                    # the goals: Δacc <= 0.2 pp, agreement >= 99.5 %
        assert x["delta_pp"] >= -0.2 and x["agreement_pct"] >= 99.5, x


def test_full_chain_on_real_gtsrb(shared_data, tmp_path):
    env = {"LENET_EDGE_DATA": str(shared_data)}
    steps = [["calibrate", "--data", "gtsrb", "--model", str(KERAS), "--out", str(tmp_path / "cal")],
             ["convert", str(KERAS), "--calibration", str(tmp_path / "cal/calibration.npz"), "--out", str(tmp_path / "e")],
             ["parity", "--model", str(KERAS), "--exports", str(tmp_path / "e"), "--data", "gtsrb", "--out", str(tmp_path / "p")]]
    for s in steps:
        r = run_cli(*s, env=env)
        assert r.returncode == 0, f"{s[0]}: " + r.stdout[-2000:] + r.stderr[-2000:]
    rep = json.loads((tmp_path / "p/parity.json").read_text())
    assert rep["passed"] and len(rep["results"]) == len(FORMATS) and rep["images"] == 12630
    acc = {x["format"]: x["accuracy_pct"] for x in rep["results"]}
    assert abs(acc["tflite_dynamic_polyphase"] - acc["tflite_dynamic"]) <= 0.05, acc   # the rewrite is exact
    assert (tmp_path / "e/model_int8.tflite").stat().st_size <= 80_000
