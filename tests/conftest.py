"""Shared fixtures. Real-data tests find the data through $LENET_EDGE_DATA and skip, with the
reason, where it is absent; TensorFlow tests skip where TensorFlow is not installed (edge venv)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
HAS_TF = importlib.util.find_spec("tensorflow") is not None


def data_root() -> Path | None:
    v = os.environ.get("LENET_EDGE_DATA")
    return Path(v) if v and Path(v).is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = data_root()
    if root is None:
        pytest.skip("shared data absent: set LENET_EDGE_DATA to a folder laid out like shared/data")
    return root


@pytest.fixture(scope="session")
def raw_sample(shared_data) -> Path:
    p = shared_data / "gtsrb-raw-sample"
    if not p.is_dir():
        pytest.skip(f"{p} absent")
    return p


@pytest.fixture(scope="session")
def gtsrb_npz(shared_data) -> dict:
    with np.load(shared_data / "gtsrb" / "train.npz") as z:
        train = {k: z[k] for k in z.files}
    with np.load(shared_data / "gtsrb" / "test.npz") as z:
        test = {k: z[k] for k in z.files}
    return {"train": train, "test": test}


needs_tf = [pytest.mark.tf, pytest.mark.skipif(not HAS_TF, reason="TensorFlow not installed (edge-only install)")]


def run_cli(*args: str, timeout: float = 600, env: dict | None = None, stdin=None) -> subprocess.CompletedProcess:
    """Run `lenet-edge ARGS` in a fresh interpreter, as a user would."""
    e = dict(os.environ)
    e.update(env or {})
    e.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return subprocess.run([sys.executable, "-m", "convert", *args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=REPO, stdin=stdin)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    err_lines = [l for l in proc.stderr.strip().splitlines() if "error" in l.lower()]
    assert len(err_lines) == 1, proc.stderr
    for n in needles:
        assert n.lower() in err_lines[0].lower(), err_lines[0]


def pytest_collection_modifyitems(config, items):
    """Every test that is not marked `tf` is an edge test: it must pass in the edge-only venv."""
    for item in items:
        if item.get_closest_marker("tf") is None:
            item.add_marker(pytest.mark.edge)


SYNTH = ["--data", "synthetic", "--synthetic-per-class", "200"]  # 8,600 images; LeNet reaches ~97%


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    """A LeNet trained by the CLI on the synthetic set, its calibration set and all exports
    (with batch-1 variants). Built once per session; several test modules use it."""
    if not HAS_TF:
        pytest.skip("TensorFlow not installed (edge-only install)")
    root = tmp_path_factory.mktemp("synthetic_run")
    steps = [
        ["train", *SYNTH, "--model", "lenet", "--epochs", "40", "--batch-size", "64", "--lr", "2e-3", "--schedule", "cosine",
         "--out", str(root / "train")],
        ["calibrate", *SYNTH, "--size", "500", "--model", str(root / "train/model.keras"), "--out", str(root / "cal")],
        ["convert", str(root / "train/model.keras"), "--calibration", str(root / "cal/calibration.npz"),
         "--batch1", "--out", str(root / "export")],
    ]
    for s in steps:
        r = run_cli(*s)
        assert r.returncode == 0, f"{s[0]} failed:\n{r.stderr[-3000:]}"
    return root
