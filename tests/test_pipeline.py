"""`lenet-edge pipeline`: the main job end to end, offline, on the synthetic set; and a failed step
stops it with a clear message while keeping what the earlier steps made."""
import json

import pytest

from convert.formats import FORMATS
from edge_app.errors import LenetEdgeError
from tests.conftest import assert_one_line_error, needs_tf, run_cli

pytestmark = needs_tf


def test_pipeline_synthetic_end_to_end(tmp_path):
    r = run_cli("pipeline", "--out", str(tmp_path), timeout=1200)        # the README's main command
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path / "summary.json").read_text())
    assert [x["step"] for x in s["steps"]] == ["train", "calibrate", "convert", "parity", "bench", "bundle"]
    assert all(x["ok"] for x in s["steps"]) and s["test_accuracy"] > 0.9
    assert all(p["passed"] for p in s["parity"]) and len(s["parity"]) == len(FORMATS)   # LeNet: every format
    page = (tmp_path / "summary.html").read_text()
    for link in ("train/report.html", "parity/parity.md", "bench/bench.md", "bundle.tar.gz"):
        assert f'href="{link}"' in page and (tmp_path / link).exists(), link


def test_failed_step_stops_and_keeps_earlier_results(tmp_path, monkeypatch):
    import convert.export_all as ea
    from convert.pipeline import run_pipeline

    def broken(*a, **k):
        raise LenetEdgeError("tflite_int8: outputs contain NaN")
    monkeypatch.setattr(ea, "export_all", broken)
    with pytest.raises(LenetEdgeError, match="pipeline stopped at step 'convert': tflite_int8: outputs contain NaN"):
        run_pipeline("synthetic", None, 1, "all", str(tmp_path), synthetic_per_class=20)
    assert (tmp_path / "train/model.keras").is_file() and (tmp_path / "calibration/calibration.npz").is_file()
    s = json.loads((tmp_path / "summary.json").read_text())
    assert [x["ok"] for x in s["steps"]] == [True, True, False]
    assert "FAILED" in (tmp_path / "summary.html").read_text()


def test_pipeline_bad_format_fails_before_training(tmp_path):
    r = run_cli("pipeline", "--formats", "tflite_int3", "--out", str(tmp_path))
    assert_one_line_error(r, "unknown format")
    assert not (tmp_path / "train").exists()
