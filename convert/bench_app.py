"""End-to-end benchmark of the edge app: FPS on one core and memory over a long run.

    python -m convert.bench_app --frames 3000                    # FPS (decode, proposals, classify, track)
    python -m convert.bench_app --frames 100000 --out runs/app   # soak: RSS sampled every second

Makes a 640x480 road-scene video (real GTSRB crops when $LENET_EDGE_DATA is set, synthetic signs
otherwise), then runs `python -m edge_app --headless --loop --threads 1` pinned to one core
(`taskset -c 0` when available) and samples its resident memory from /proc. Writes app_bench.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from edge_app.artifacts import tool_versions, utc_now, write_json_atomic


def make_video(path: Path, frames: int = 300) -> str:
    from train.datasets.resolve import data_root
    from train.datasets.scenes import make_scene_video
    from train.datasets.synthetic import draw_sign
    root = data_root()
    if root is not None:
        with np.load(root / "gtsrb" / "test.npz") as z:
            imgs, labels = z["images"], z["labels"]
        idx = np.random.default_rng(0).choice(np.flatnonzero(~np.isin(labels, [6, 32, 41, 42])), 10, replace=False)
        signs, kind = [(imgs[i], None, int(labels[i])) for i in idx], "gtsrb crops"
    else:
        signs, kind = [(*draw_sign(c, 96), c) for c in (1, 14, 17, 13, 25, 33, 35, 38, 12, 4)], "synthetic signs"
    make_scene_video(path, frames, signs, seed=1)
    return kind


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run(frames: int, model: str | None, out: str | None) -> dict:
    with tempfile.TemporaryDirectory() as d:
        video = Path(d) / "road.avi"
        kind = make_video(video)
        cmd = [sys.executable, "-m", "edge_app", "--source", str(video), "--headless", "--loop", "--threads", "1",
               "--max-frames", str(frames), "--log-every", "1e9"] + (["--model", model] if model else [])
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples, t0 = [], time.perf_counter()
        while p.poll() is None:
            r = rss_kb(p.pid)
            if r:
                samples.append((round(time.perf_counter() - t0, 1), r))
            time.sleep(1.0)
        err = p.stderr.read()
    if p.returncode != 0:
        raise SystemExit(f"edge_app failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}")
    summary = json.loads(err.split("summary ", 1)[1].splitlines()[0])
    mem = [s[1] for s in samples]
    third = max(1, len(mem) // 3)
    rep = {"created": utc_now(), "video": f"640x480 MJPG, {kind}", "frames": summary["frames"],
           "fps_one_core": summary["fps"], "signs": summary["signs"], "rss_kb_samples": samples,
           "rss_mb_first_third": round(float(np.mean(mem[:third])) / 1024, 1) if mem else None,
           "rss_mb_last_third": round(float(np.mean(mem[-third:])) / 1024, 1) if mem else None,
           "command": " ".join(cmd), "versions": tool_versions()}
    if out:
        write_json_atomic(Path(out) / "app_bench.json", rep)
    return rep


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--frames", type=int, default=3000)
    a.add_argument("--model", default=None, help="default: the pretrained int8 TFLite model")
    a.add_argument("--out", default=None)
    args = a.parse_args()
    rep = run(args.frames, args.model, args.out)
    print(json.dumps({k: v for k, v in rep.items() if k not in ("rss_kb_samples", "versions")}, indent=2))


if __name__ == "__main__":
    main()
