"""download() against a local HTTP server standing in for PhysioNet; check_data() on real and
fake data directories."""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ecgstudy.data import download as dl
from ecgstudy.data.check import check_data, format_report
from ecgstudy.data.sums import parse_sums, sha256_file, verify_sums
from ecgstudy.errors import DataError, DataNotFoundError

FILES = {
    "RECORDS": b"data/1\ndata/2\n",
    "ludb.csv": b"ID,Sex,Age\n1,F,51\n2,M,70\n",
    "data/1.hea": b"1 12 500 5000\n",
    "data/1.dat": bytes(range(256)) * 4096,  # 1 MiB: more than one streamed block
    "data/2.hea": b"2 12 500 5000\n",
    "data/1.i": b"\x00\x01" * 10,
}


def _sums(files: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(v).hexdigest()} {k}\n" for k, v in files.items())


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet; requests are recorded instead
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Serves ``tmp_path/srv`` as PhysioNet's ``files/`` tree; LUDB 1.0.1 is published there."""
    root = tmp_path / "srv"
    project = root / "ludb" / "1.0.1"
    for rel, content in FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_bytes(content)
    (project / "SHA256SUMS.txt").write_text(_sums(FILES))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    httpd.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(dl, "PHYSIONET_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    yield httpd, project
    httpd.shutdown()
    httpd.server_close()


def _fetched(httpd) -> list[str]:
    return sorted(p.split("/1.0.1/", 1)[1] for p in httpd.requests if "SHA256SUMS" not in p)


def test_download_verifies_and_resumes(server, tmp_path: Path) -> None:
    httpd, _ = server
    dest = tmp_path / "data"
    target = dl.download("ludb", dest, progress=False)
    assert target == dest / "ludb"
    for rel, content in FILES.items():
        assert (target / rel).read_bytes() == content
    assert (target / "SHA256SUMS.txt").read_text() == _sums(FILES)
    assert _fetched(httpd) == sorted(FILES)
    assert not list(target.rglob("*.part"))

    httpd.requests.clear()  # everything present: only the sums file is fetched again
    dl.download("ludb", dest, progress=False)
    assert _fetched(httpd) == [] and len(httpd.requests) == 1

    (target / "data" / "2.hea").unlink()  # resume: a missing and a corrupt file are refetched
    (target / "RECORDS").write_bytes(b"garbage")
    httpd.requests.clear()
    dl.download("ludb", dest, progress=False, workers=1)
    assert _fetched(httpd) == ["RECORDS", "data/2.hea"]
    assert (target / "RECORDS").read_bytes() == FILES["RECORDS"]

    status = {s.key: s for s in check_data(dest)}["ludb"]
    assert status.checksums == f"ok ({len(FILES)} files)" and status.n_records == 2
    assert status.n_annotation_files == 1


def test_download_only_prefix(server, tmp_path: Path) -> None:
    httpd, _ = server
    target = dl.download("ludb", tmp_path / "data", progress=False, only=["data/1."])
    assert _fetched(httpd) == ["RECORDS", "data/1.dat", "data/1.hea", "data/1.i", "ludb.csv"]
    assert not (target / "data" / "2.hea").exists()
    status = {s.key: s for s in check_data(tmp_path / "data")}["ludb"]
    assert status.checksums == "ok (5 files)" and status.missing == ["data/2.hea"]
    assert "1 listed files absent" in status.notes


def test_checksum_mismatch(server, tmp_path: Path) -> None:
    _, project = server
    (project / "data" / "1.dat").write_bytes(b"tampered")
    with pytest.raises(DataError, match=r"data/1\.dat: checksum mismatch: PhysioNet's SHA256SUMS\.txt "
                                        rf"gives {hashlib.sha256(FILES['data/1.dat']).hexdigest()}"):
        dl.download("ludb", tmp_path / "data", progress=False, workers=1)
    folder = tmp_path / "data" / "ludb" / "data"
    assert not (folder / "1.dat").exists() and not (folder / "1.dat.part").exists()


def test_http_error(server, tmp_path: Path) -> None:
    _, project = server
    (project / "data" / "1.i").unlink()
    with pytest.raises(DataError, match=r"data/1\.i: HTTP 404 .* from http://127\.0\.0\.1:\d+/ludb/1\.0\.1/data/1\.i"):
        dl.download("ludb", tmp_path / "data", progress=False)


def test_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(dl, "PHYSIONET_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(dl.OfflineError, match=rf"cannot reach 127\.0\.0\.1:{port}: .*; download on a "
                                              r"machine with internet and point ECGSTUDY_DATA at it"):
        dl.download("mitdb", tmp_path, progress=False)


def test_offline_message_names_physionet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise dl.urllib.error.URLError(OSError("[Errno -3] Temporary failure in name resolution"))

    monkeypatch.setattr(dl.urllib.request, "urlopen", no_network)
    with pytest.raises(DataError, match=r"cannot reach physionet\.org: .*name resolution; download on a "
                                        r"machine with internet"):
        dl.download("ptb-xl", tmp_path, progress=False)


def test_cpsc2018_and_unknown(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"not on PhysioNet in its original form.*icbeb.*cinc2021"):
        dl.download("cpsc2018", tmp_path)
    with pytest.raises(KeyError, match="unknown dataset 'incart'"):
        dl.download("incart", tmp_path)


# ------------------------------------------------------------------ check_data

def test_parse_sums_rejects_bad_lines() -> None:
    good = "a" * 64
    assert parse_sums(f"{good}  x.dat\n\n{good} *y.dat\n", "S") == {"x.dat": good, "y.dat": good}
    with pytest.raises(DataError, match=r"S: line 1: expected '<sha256> <file>'"):
        parse_sums("deadbeef x.dat\n", "S")
    with pytest.raises(DataError, match=r"S: line 1: unsafe path '\.\./etc/passwd'"):
        parse_sums(f"{good} ../etc/passwd\n", "S")


def test_check_fake_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="data directory does not exist"):
        check_data(tmp_path / "nowhere")
    statuses = check_data(tmp_path)
    assert [s.key for s in statuses] == ["mitdb", "ludb", "ptbxl", "cpsc2018", "cinc2021"]
    assert not any(s.found for s in statuses)
    folder = tmp_path / "mitdb"
    folder.mkdir()
    for name, content in {"100.hea": b"h", "100.dat": b"d" * 3000, "100.atr": b"a"}.items():
        (folder / name).write_bytes(content)
    sums = {n: sha256_file(folder / n) for n in ("100.hea", "100.dat", "100.atr")}
    sums["100.dat"] = "0" * 64
    (folder / "SHA256SUMS.txt").write_text("".join(f"{v} {k}\n" for k, v in sums.items()))
    mitdb = check_data(tmp_path)[0]
    assert (mitdb.n_records, mitdb.n_annotation_files) == (1, 1)
    assert mitdb.checksums == "1 mismatches: 100.dat" and mitdb.mismatched == ["100.dat"]
    report = format_report(check_data(tmp_path))
    assert report.splitlines()[0].split() == ["dataset", "found", "at", "records", "annotations",
                                              "checksums", "notes"]
    assert "1 mismatches: 100.dat" in report and "not found" in report


@pytest.mark.realdata
def test_check_shared_data() -> None:
    env = os.environ.get("ECGSTUDY_DATA")
    if not env or not Path(env).is_dir():
        pytest.skip("no data directory: set ECGSTUDY_DATA")
    start = time.perf_counter()
    statuses = {s.key: s for s in check_data(env)}
    elapsed = time.perf_counter() - start
    if not all(s.found for s in statuses.values()):
        pytest.skip(f"data directory {env} lacks some datasets")
    mitdb, ludb = statuses["mitdb"], statuses["ludb"]
    assert (mitdb.n_records, mitdb.n_annotation_files, mitdb.checksums) == (48, 48, "ok (146 files)")
    assert (ludb.n_records, ludb.n_annotation_files) == (200, 2400)
    # every data file matches PhysioNet; the shared LICENSE.txt differs from PhysioNet's
    assert ludb.checksums == "1 mismatches: LICENSE.txt" and ludb.missing == []
    assert statuses["ptbxl"].n_records == 1819 and statuses["ptbxl"].checksums == "no sums file"
    assert statuses["cpsc2018"].n_records == 10 and statuses["cinc2021"].n_records == 50
    assert {k: s.extent_text() for k, s in statuses.items()} == {
        "mitdb": "complete: 48 records", "ludb": "complete: 200 records", "ptbxl": "subset: 1,819 of 21,837 records",
        "cpsc2018": "sample: 10 of 6,877 records", "cinc2021": "sample: 50 of 88,253 records"}
    assert elapsed < 5.0, f"verification took {elapsed:.1f} s"
    assert verify_sums(statuses["mitdb"].path).mismatched == []
