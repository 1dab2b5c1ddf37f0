"""GTSRB download: a local HTTP server serves the official archive layout, built from the raw sample."""
import hashlib
import http.server
import threading
import zipfile
from functools import partial

import numpy as np
import pytest

from edge_app.errors import LenetEdgeError
from train.datasets.download import fetch_gtsrb
from train.datasets.gtsrb_official import load_gtsrb_official


def build_archives(raw_sample, dest):
    g = raw_sample / "GTSRB"
    with zipfile.ZipFile(dest / "GTSRB_Final_Training_Images.zip", "w") as z:
        for p in sorted((g / "Final_Training").rglob("*")):
            if p.is_file():
                z.write(p, "GTSRB/" + str(p.relative_to(g)))
    with zipfile.ZipFile(dest / "GTSRB_Final_Test_Images.zip", "w") as z:
        for p in sorted((g / "Final_Test/Images").glob("*.ppm")):
            z.write(p, "GTSRB/" + str(p.relative_to(g)))
        # the official test archive's csv has no ClassId column
        rows = (g / "Final_Test/Images/GT-final_test.csv").read_bytes().split(b"\r\n")
        z.writestr("GTSRB/Final_Test/Images/GT-final_test.test.csv",
                   b"\r\n".join(r.rsplit(b";", 1)[0] for r in rows if r))
    with zipfile.ZipFile(dest / "GTSRB_Final_Test_GT.zip", "w") as z:
        z.write(g / "Final_Test/Images/GT-final_test.csv", "GT-final_test.csv")
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(dest.glob("*.zip"))}


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    hits = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            hits.append(self.path)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/", hits
    httpd.shutdown()


def test_download_verify_convert_and_cache(raw_sample, server, tmp_path):
    www, url, hits = server
    md5 = build_archives(raw_sample, www)
    out = fetch_gtsrb(tmp_path / "cache", base_url=url, archives=md5)
    with np.load(out / "train.npz") as z:
        ref = load_gtsrb_official(raw_sample, "train")
        np.testing.assert_array_equal(z["images"], ref.images)
        np.testing.assert_array_equal(z["tracks"], ref.tracks)
    with np.load(out / "test.npz") as z:
        assert z["images"].shape == (100, 32, 32, 3) and z["labels"].shape == (100,)
    n = len(hits)
    assert n >= 3
    fetch_gtsrb(tmp_path / "cache", base_url=url, archives=md5)     # cached: no new request
    assert len(hits) == n
    assert not list((tmp_path / "cache" / "gtsrb").glob(".*"))      # no temp files or extract folders


def test_corrupted_archive_is_refused_and_nothing_left(raw_sample, server, tmp_path):
    www, url, _ = server
    md5 = build_archives(raw_sample, www)
    data = bytearray((www / "GTSRB_Final_Test_Images.zip").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (www / "GTSRB_Final_Test_Images.zip").write_bytes(bytes(data))
    with pytest.raises(LenetEdgeError, match="does not verify: md5"):
        fetch_gtsrb(tmp_path / "cache", base_url=url, archives=md5)
    left = sorted(p.name for p in (tmp_path / "cache" / "gtsrb").iterdir())
    assert "GTSRB_Final_Test_Images.zip" not in left and not [n for n in left if n.startswith(".")]
    assert not (tmp_path / "cache" / "gtsrb" / "train.npz").exists()


def test_missing_archive_and_bad_zip(raw_sample, server, tmp_path):
    www, url, _ = server
    md5 = build_archives(raw_sample, www)
    (www / "GTSRB_Final_Test_GT.zip").unlink()
    with pytest.raises(LenetEdgeError, match="(?i)failed: .*not found"):
        fetch_gtsrb(tmp_path / "c1", base_url=url, archives=md5)
    (www / "GTSRB_Final_Test_GT.zip").write_bytes(b"not a zip at all")
    md5["GTSRB_Final_Test_GT.zip"] = hashlib.md5(b"not a zip at all").hexdigest()
    with pytest.raises(LenetEdgeError, match="not a valid zip"):
        fetch_gtsrb(tmp_path / "c2", base_url=url, archives=md5)


def test_unreachable_server(tmp_path):
    with pytest.raises(LenetEdgeError, match="failed"):
        fetch_gtsrb(tmp_path, base_url="http://127.0.0.1:9/", archives={"x.zip": "0" * 32})
