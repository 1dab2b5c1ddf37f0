"""The Raspberry Pi bundle: built from exports without TensorFlow, installed from its own
requirements into a fresh venv, and run on a video there."""
import json
import os
import subprocess
import sys
import tarfile

import pytest

from convert.bundle import make_bundle
from edge_app.errors import LenetEdgeError
from tests.conftest import REPO
from train.datasets.scenes import make_scene_video
from train.datasets.synthetic import draw_sign

PRETRAINED = REPO / "edge_app" / "pretrained" / "lenet-gtsrb"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("b") / "lenet-edge-bundle"
    return make_bundle(str(PRETRAINED), "tflite_int8,onnx_int8", str(out))


def test_bundle_contents(bundle):
    names = {p.name for p in bundle.iterdir()}
    assert {"models", "edge_app", "labels.txt", "model_card.json", "requirements-edge.txt", "install.sh", "run.sh",
            "lenet-edge.service", "README.md", "manifest.json"} <= names
    assert sorted(p.name for p in (bundle / "models").iterdir()) == ["model_int8.onnx", "model_int8.tflite"]
    req = [l for l in (bundle / "requirements-edge.txt").read_text().lower().splitlines() if not l.startswith("#")]
    assert any(l.startswith("ai-edge-litert") for l in req)
    assert not [l for l in req if "tensorflow" in l or "keras" in l]
    assert len((bundle / "labels.txt").read_text().splitlines()) == 43
    readme = (bundle / "README.md").read_text()
    assert "Bookworm" in readme and "picamera2" in readme and "--headless" in readme and "track_id" in readme
    assert os.access(bundle / "run.sh", os.X_OK) and "ExecStart" in (bundle / "lenet-edge.service").read_text()
    assert not list((bundle / "edge_app").rglob("*.keras")) and not (bundle / "edge_app" / "pretrained").exists()
    with tarfile.open(bundle.with_name(bundle.name + ".tar.gz")) as t:
        assert f"{bundle.name}/models/model_int8.tflite" in t.getnames()


def test_bundle_refuses_to_overwrite_other_folders(tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("do not delete")
    with pytest.raises(LenetEdgeError, match="refusing to overwrite"):
        make_bundle(str(PRETRAINED), "tflite_int8", str(tmp_path / "precious"))
    assert (tmp_path / "precious" / "thesis.tex").read_text() == "do not delete"
    with pytest.raises(LenetEdgeError, match="not found"):
        make_bundle(str(PRETRAINED), "tflite_float16", str(tmp_path / "b"))


def test_bundle_installs_in_a_fresh_venv_and_runs_without_tensorflow(bundle, tmp_path):
    video = tmp_path / "road.avi"
    make_scene_video(video, 90, [(*draw_sign(c, 96), c) for c in (14, 17, 33)], seed=5)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(bundle / "requirements-edge.txt")],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    probe = subprocess.run([str(py), "-c", "import importlib.util as u; print(u.find_spec('tensorflow'))"],
                           capture_output=True, text=True, env=env)
    assert probe.stdout.strip() == "None"
    for backend in ("litert", "onnxruntime"):
        model = "model_int8.tflite" if backend == "litert" else "model_int8.onnx"
        r = subprocess.run(["sh", str(bundle / "run.sh"), "--source", str(video), "--headless", "--model",
                            f"models/{model}", "--backend", backend], capture_output=True, text=True, timeout=300,
                           env=env, cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-2000:]
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        assert lines, r.stderr
        found = {l["class_id"] for l in lines}
        assert found & {14, 17, 33}, found
