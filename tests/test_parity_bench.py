"""The parity gate passes good exports, fails degraded ones, and its reports validate; bench runs."""
import json
import xml.etree.ElementTree as ET
from importlib import resources

import numpy as np
import pytest

from convert.formats import FORMATS
from tests.conftest import SYNTH, needs_tf, run_cli

pytestmark = needs_tf


def schema(name):
    return json.loads(resources.files("convert").joinpath(name).read_text())


def test_parity_on_synthetic_passes_and_reports_validate(synthetic_run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    r = run_cli("parity", "--model", str(synthetic_run / "train/model.keras"), "--exports",
                str(synthetic_run / "export"), *SYNTH, "--out", str(tmp_path))      # default thresholds
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    rep = json.loads((tmp_path / "parity.json").read_text())
    jsonschema.validate(rep, schema("parity_report.schema.json"))
    assert rep["passed"] and rep["images"] == 43 * 200
    assert {x["format"] for x in rep["results"]} == set(FORMATS)
    for row in rep["results"]:
        assert row["delta_pp"] >= -0.5 if row["kind"] == "quantized" else row["delta_pp"] >= -0.05
    suite = ET.parse(tmp_path / "parity.junit.xml").getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests")) == len(rep["results"])
    assert "| model_int8.tflite | litert |" in (tmp_path / "parity.md").read_text()


def test_gate_fails_on_a_degraded_export(synthetic_run, tmp_path):
    """Weights perturbed after training: the export is a valid model, but no longer the trained one."""
    from convert.export_all import export_all
    from train.model_io import load_keras_with_card, save_keras_with_card
    model, card = load_keras_with_card(synthetic_run / "train/model.keras")
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 0.5 * (np.std(w) + 1e-3), w.shape).astype(w.dtype) for w in model.get_weights()])
    bad = save_keras_with_card(model, card, tmp_path / "perturbed.keras")
    exports = tmp_path / "exports"
    export_all(str(bad), None, "tflite_float32", str(exports))  # exports and verifies against ITS model
    r = run_cli("parity", "--model", str(synthetic_run / "train/model.keras"), "--exports", str(exports),
                *SYNTH, "--out", str(tmp_path / "p"))
    assert r.returncode != 0
    assert "parity gate failed" in r.stderr and "Traceback" not in r.stderr
    rep = json.loads((tmp_path / "p/parity.json").read_text())
    row = rep["results"][0]
    assert not rep["passed"] and not row["passed"]
    assert any("different model" in p for p in row["problems"]) and any("agreement" in p for p in row["problems"])
    assert ET.parse(tmp_path / "p/parity.junit.xml").getroot().get("failures") == "1"


def test_gate_fails_with_a_degenerate_calibration_set(synthetic_run, tmp_path):
    """Calibrating int8 on one flat image (a broken representative set) squeezes every activation
    range; convert's self-check only sees that same image, so the gate must catch it."""
    from calibration.representative import CalibrationSet, save_calibration
    from train.model_io import load_keras_with_card
    _, card = load_keras_with_card(synthetic_run / "train/model.keras")
    flat = np.zeros((100, 32, 32, 1), np.float32)
    save_calibration(CalibrationSet(flat, np.zeros(100, np.int64), card.preprocessing, "flat", 0, 43),
                     tmp_path / "flat.npz")
    conv = run_cli("convert", str(synthetic_run / "train/model.keras"), "--calibration", str(tmp_path / "flat.npz"),
                   "--formats", "tflite_int8,onnx_int8", "--out", str(tmp_path / "e"))
    assert conv.returncode == 0, conv.stderr[-2000:]
    r = run_cli("parity", "--model", str(synthetic_run / "train/model.keras"), "--exports", str(tmp_path / "e"),
                *SYNTH, "--out", str(tmp_path / "p"))
    assert r.returncode != 0 and "parity gate failed" in r.stderr
    rep = json.loads((tmp_path / "p/parity.json").read_text())
    assert not rep["passed"] and all(not x["passed"] for x in rep["results"])


def test_bench_short(synthetic_run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    r = run_cli("bench", "--exports", str(synthetic_run / "export"), "--threads", "1", "--short",
                "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    rep = json.loads((tmp_path / "bench.json").read_text())
    jsonschema.validate(rep, schema("bench.schema.json"))
    assert {x["format"] for x in rep["results"]} == set(FORMATS)
    assert all(x["p50_us"] < 5000 for x in rep["results"])
    assert "img/s @256" in (tmp_path / "bench.md").read_text()
    batched = [x for x in rep["results"] if "_b1." not in x["file"]]   # batch-1 variants: no batch to place
    assert batched and all(x["throughput_inplace_ips"] > 0 for x in batched)


def test_parity_bad_inputs(synthetic_run, tmp_path):
    from tests.conftest import assert_one_line_error
    r = run_cli("parity", "--model", str(synthetic_run / "train/model.keras"), "--exports", str(tmp_path / "none"),
                *SYNTH, "--out", str(tmp_path / "p"))
    assert_one_line_error(r, "no such exports folder")
    r = run_cli("bench", "--exports", str(synthetic_run / "export"), "--threads", "zero", "--out", str(tmp_path))
    assert_one_line_error(r, "--threads")


def test_bench_one_format_repeated(synthetic_run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    r = run_cli("bench", "--exports", str(synthetic_run / "export"), "--threads", "1", "--short",
                "--formats", "tflite_dynamic", "--repeat", "2", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    rep = json.loads((tmp_path / "bench.json").read_text())
    jsonschema.validate(rep, schema("bench.schema.json"))
    assert {x["format"] for x in rep["results"]} == {"tflite_dynamic"}   # the batched file and its _b1 variant
    row = next(x for x in rep["results"] if x["file"] == "model_dynamic.tflite")
    assert row["repeat"] == 2 and len(row["throughput_inplace_runs"]) == 2
    assert min(row["throughput_inplace_runs"]) <= row["throughput_inplace_ips"] <= max(row["throughput_inplace_runs"])


@pytest.mark.parametrize("args,needle", [(["--repeat", "0"], "--repeat must be >= 1"),
                                         (["--formats", "tflite_int4"], "unknown format")])
def test_bench_bad_options(synthetic_run, tmp_path, args, needle):
    from tests.conftest import assert_one_line_error
    r = run_cli("bench", "--exports", str(synthetic_run / "export"), *args, "--out", str(tmp_path))
    assert_one_line_error(r, needle)
