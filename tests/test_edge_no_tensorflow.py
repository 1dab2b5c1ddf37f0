"""The device layer imports only numpy, OpenCV and a runtime: never TensorFlow or an upper layer."""
import os
import pkgutil
import subprocess
import sys

import pytest

import edge_app
from tests.conftest import REPO


FORBIDDEN = ("tensorflow", "keras", "tf2onnx", "train", "calibration", "convert")


def test_importing_every_edge_module_pulls_in_no_tensorflow():
    mods = [f"edge_app.{m.name}" for m in pkgutil.iter_modules(edge_app.__path__) if m.name != "__main__"]
    code = ("import sys, importlib\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(mods) >= 5


def test_run_help_imports_no_tensorflow():
    code = ("import sys\nfrom convert.cli import main\n"
            "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf2onnx')]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "--source" in r.stdout


@pytest.mark.skipif(os.environ.get("LENET_EDGE_ONLY") != "1", reason="only in the edge-only venv (.ci/run)")
def test_edge_venv_really_has_no_tensorflow():
    import importlib.util
    assert importlib.util.find_spec("tensorflow") is None
    assert importlib.util.find_spec("cv2") is not None
    assert importlib.util.find_spec("onnxruntime") is not None or importlib.util.find_spec("ai_edge_litert")
