"""`lenet-edge bundle`: a folder and a .tar.gz to copy to a Raspberry Pi.

    lenet-edge bundle --exports runs/export --out runs/bundle     # -> runs/bundle/ and runs/bundle.tar.gz

Contents: models/ (the chosen exports, each carrying its model card), labels.txt, the edge_app
package (pure Python: numpy + OpenCV + a runtime, no TensorFlow), requirements-edge.txt,
install.sh, run.sh, lenet-edge.service (systemd example), README.md (Raspberry Pi OS Bookworm,
64-bit), manifest.json. No TensorFlow import here: bundling works from the edge install too.
"""
from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from convert.formats import parse_formats
from edge_app.artifacts import atomic_output, write_manifest, write_text_atomic
from edge_app.errors import LenetEdgeError
from edge_app.runtimes import load_classifier

REQUIREMENTS = """\
# Edge-only runtime requirements (no TensorFlow). Python 3.11-3.13, aarch64 or x86_64.
numpy>=1.24,<3
opencv-python-headless>=4.8
ai-edge-litert>=1.2
onnxruntime>=1.17
"""

INSTALL_SH = """\
#!/bin/sh
# Create the venv beside this script and install the edge requirements.
# --system-site-packages lets the venv see Raspberry Pi OS's python3-picamera2 (apt), if installed.
set -e
cd "$(dirname "$0")"
python3 -m venv --system-site-packages .venv
.venv/bin/pip install --upgrade pip
.venv/bin/pip install -r requirements-edge.txt
echo "installed: try ./run.sh --source 0 --headless"
"""

RUN_SH = """\
#!/bin/sh
# Run the sign recogniser with the bundled model. Extra arguments go to `python -m edge_app`
# (e.g. --source 0 | --source picamera2 | --source video.mp4, --headless, --record out.avi).
cd "$(dirname "$0")"
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
exec "$PY" -m edge_app --model "models/{model}" "$@"
"""

SERVICE = """\
# systemd unit example: copy to /etc/systemd/system/lenet-edge.service, adjust User and paths, then
#   sudo systemctl daemon-reload && sudo systemctl enable --now lenet-edge
#   journalctl -u lenet-edge -f          # logs (stderr); detections are appended to detections.jsonl
[Unit]
Description=lenet-edge traffic-sign recognition
After=network.target

[Service]
User=pi
WorkingDirectory=/home/pi/lenet-edge-bundle
ExecStart=/bin/sh -c 'exec ./run.sh --source picamera2 --headless >> detections.jsonl'
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM

[Install]
WantedBy=multi-user.target
"""

README = """\
# lenet-edge bundle: traffic-sign recognition on a Raspberry Pi

Model: `models/{model}` ({format}, {params} parameters, test accuracy {acc} on {dataset}).
Everything here runs without TensorFlow: numpy, OpenCV and LiteRT (or ONNX Runtime).

## Install (Raspberry Pi OS Bookworm, 64-bit; Pi 4 or 5)

```sh
sudo apt update && sudo apt install -y python3-venv python3-picamera2   # picamera2: the Pi camera
tar xzf {name}.tar.gz && cd {name}
./install.sh
```

`ai-edge-litert` has aarch64 wheels for Python 3.11-3.13 (Bookworm ships 3.11). The older
`tflite-runtime` also works (it needs numpy<2 and Python 3.11: `pip install tflite-runtime "numpy<2"`,
then `./run.sh --backend tflite-runtime`).

## Camera

- Pi camera (libcamera): `./run.sh --source picamera2 --headless`. OpenCV's VideoCapture cannot open
  libcamera cameras; picamera2 comes from apt, which is why install.sh makes the venv with
  `--system-site-packages`.
- USB webcam (V4L2): `./run.sh --source 0 --headless` (`v4l2-ctl --list-devices` lists them).
- A video file or a folder of images: `./run.sh --source road.mp4 --headless`.
- With a desktop session, drop `--headless` to get a window with boxes, labels and FPS.

## Run headless and read the output

```sh
./run.sh --source picamera2 --headless > detections.jsonl
```

stdout gets one JSON object per confirmed sign per frame:

```json
{{"time": 12.034, "frame": 361, "box": [412, 96, 64, 66], "class_id": 14, "class_name": "Stop", "confidence": 0.98, "track_id": 7}}
```

`box` is x, y, width, height in pixels; `track_id` follows one physical sign across frames.
Logs (FPS every 5 s, and a summary at exit with frames, FPS and detections per class) go to stderr.
Ctrl-C or `systemctl stop` (SIGTERM) exits cleanly with the summary.

## Run at boot

See `lenet-edge.service` (a systemd unit example).

## Options

`./run.sh --help` lists them: `--roi center` classifies the central square (a sign held up to the
camera), `--min-confidence`, `--persist N` (frames a sign must persist before it is reported),
`--threads`, `--record out.avi`.
"""


def make_bundle(exports: str, formats: str, out: str) -> Path:
    src = Path(exports)
    if not src.is_dir():
        raise LenetEdgeError(f"no such exports folder: {src}")
    fmts = parse_formats(formats)
    files = []
    for f in fmts:
        p = src / f.filename
        if not p.is_file():
            raise LenetEdgeError(f"{p} not found: convert with --formats including {f.name}")
        load_classifier(p)      # refuses a model without a valid card before it ships
        files.append(p)
    final = Path(out)
    if final.exists() and any(final.iterdir()) and not is_bundle(final):
        raise LenetEdgeError(f"{final} exists and is not a lenet-edge bundle: refusing to overwrite it")
    final.parent.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))   # built aside, renamed at the end
    try:
        build(dest, files, final.name)
        if final.exists():
            shutil.rmtree(final)
        dest.rename(final)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    tar_path = final.with_name(final.name + ".tar.gz")
    with atomic_output(tar_path) as tmp:
        with tarfile.open(tmp, "w:gz") as tar:
            tar.add(final, arcname=final.name)
    return final


def is_bundle(folder: Path) -> bool:
    try:
        return "bundle" in json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False


def build(dest: Path, files: list[Path], name: str) -> None:
    (dest / "models").mkdir(parents=True)
    for p in files:
        shutil.copy2(p, dest / "models" / p.name)
    main = load_classifier(dest / "models" / files[0].name)
    card = main.card
    import edge_app
    pkg = Path(edge_app.__file__).parent
    shutil.copytree(pkg, dest / "edge_app", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "pretrained"))
    write_text_atomic(dest / "labels.txt", "\n".join(card.labels) + "\n")
    write_text_atomic(dest / "model_card.json", card.to_json() + "\n")
    write_text_atomic(dest / "requirements-edge.txt", REQUIREMENTS)
    write_text_atomic(dest / "install.sh", INSTALL_SH)
    write_text_atomic(dest / "run.sh", RUN_SH.format(model=files[0].name))
    write_text_atomic(dest / "lenet-edge.service", SERVICE)
    acc = card.metrics.get("test_accuracy")
    write_text_atomic(dest / "README.md", README.format(
        model=files[0].name, format=card.format, params=f"{card.metrics.get('params', '?'):,}" if
        isinstance(card.metrics.get("params"), int) else "?", acc=f"{100 * acc:.2f}%" if acc else "n/a",
        dataset=card.dataset or "?", name=name))
    for sh in ("install.sh", "run.sh"):
        (dest / sh).chmod(0o755)
    listed = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    write_manifest(dest, listed, card=card.to_dict(), extra={"bundle": {"models": [p.name for p in files]}})


def main(args) -> int:
    dest = make_bundle(args.exports, args.formats, args.out)
    print(json.dumps({"bundle": str(dest), "archive": str(dest.with_name(dest.name + ".tar.gz"))}))
    return 0
