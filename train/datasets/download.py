"""Download the official GTSRB archives once, verify them, convert them to npz, cache the result.

    fetch_gtsrb() -> Path   # folder with train.npz and test.npz (default ~/.cache/lenet-edge/gtsrb)

Archives (from the benchmark's published archive; md5 as published):
    GTSRB_Final_Training_Images.zip  training images + per-class GT csv
    GTSRB_Final_Test_Images.zip      test images (csv without ClassId)
    GTSRB_Final_Test_GT.zip          GT-final_test.csv with ClassId
Each download goes to a temporary file, is checked against its md5, then renamed; a failed or
corrupted download leaves nothing behind and raises a one-line LenetEdgeError.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from edge_app.artifacts import atomic_output
from edge_app.errors import LenetEdgeError
from train.datasets.gtsrb_official import load_gtsrb_official

BASE_URL = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/"
ARCHIVES = {  # file name -> md5
    "GTSRB_Final_Training_Images.zip": "f33fd80ac59bff73c82d25ab499e03a3",
    "GTSRB_Final_Test_Images.zip": "c7e4e6327067d32654124b0fe9e82185",
    "GTSRB_Final_Test_GT.zip": "fe31e9c9270bbcd7b84b7f21a9d9d9e5",
}


def default_cache_dir() -> Path:
    return Path(os.environ.get("LENET_EDGE_CACHE", Path.home() / ".cache" / "lenet-edge"))


def _progress(name: str, done: int, total: int) -> None:
    if not sys.stderr.isatty() and done != total:
        return
    pct = f"{100 * done / total:5.1f}%" if total else ""
    sys.stderr.write(f"\rdownloading {name}: {pct} {done / 1e6:.1f} MB" + ("\n" if done == total else ""))
    sys.stderr.flush()


def download_verified(url: str, dest: Path, md5: str, timeout: float = 60.0) -> Path:
    """Download `url` to `dest` (atomically) and check its md5; reuse `dest` if it already verifies."""
    if dest.is_file() and _md5(dest) == md5:
        return dest
    try:
        with atomic_output(dest) as tmp:
            with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as f:
                total, done = int(r.headers.get("Content-Length") or 0), 0
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    f.write(chunk)
                    done += len(chunk)
                    _progress(dest.name, done, total)
                if total and done != total:
                    raise LenetEdgeError(f"download of {url} stopped at {done} of {total} bytes")
            got = _md5(tmp)
            if got != md5:
                raise LenetEdgeError(f"download of {url} does not verify: md5 {got}, expected {md5}")
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        reason = getattr(e, "reason", None) or e
        raise LenetEdgeError(f"download of {url} failed: {reason}") from None
    return dest


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def safe_extract(zip_path: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(zip_path) as z:
            for m in z.infolist():
                target = (dest / m.filename).resolve()
                if not str(target).startswith(str(dest.resolve())):
                    raise LenetEdgeError(f"{zip_path.name}: refusing member outside the archive root: {m.filename}")
            z.extractall(dest)
    except zipfile.BadZipFile:
        raise LenetEdgeError(f"{zip_path}: not a valid zip archive") from None


def fetch_gtsrb(cache_dir: str | Path | None = None, base_url: str = BASE_URL,
                archives: dict[str, str] = ARCHIVES) -> Path:
    """Return a folder holding GTSRB `train.npz` and `test.npz`, downloading and converting once."""
    out = Path(cache_dir or default_cache_dir()) / "gtsrb"
    if (out / "train.npz").is_file() and (out / "test.npz").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    zips = [download_verified(base_url + name, out / name, md5) for name, md5 in archives.items()]
    work = Path(tempfile.mkdtemp(prefix=".extract.", dir=out))
    try:
        for z in zips:
            safe_extract(z, work / "GTSRB" if "Test_GT" in z.name else work)
        root = work / "GTSRB"
        for split in ("train", "test"):
            ds = load_gtsrb_official(root, split)
            arrays = {"images": ds.images, "labels": ds.labels}
            if ds.tracks is not None:
                arrays["tracks"] = ds.tracks
            with atomic_output(out / f"{split}.npz") as tmp:
                with open(tmp, "wb") as f:
                    np.savez_compressed(f, **arrays)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
