"""`pedigree notice`: the notice bundle of every model in a manifest, offline and from a live server."""

import json
import subprocess
import sys
from pathlib import Path

from tests.server import Gunicorn

PEDIGREE = str(Path(sys.executable).with_name("pedigree"))
LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"


def run(*args):
    return subprocess.run([PEDIGREE, *args], capture_output=True, text=True, timeout=120)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_offline_bundle_for_each_model(tmp_path):
    (tmp_path / "models.txt").write_text("meta-llama/Llama-2-7b-chat-hf\nmistralai/Mistral-7B-v0.1\n")
    result = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    llama = tmp_path / "out" / "meta-llama__Llama-2-7b-chat-hf"
    assert set(files_under(llama)) >= {"NOTICE", "NOTICE.md", "obligations.json", f"licenses/{LLAMA2}.txt",
                                       "policies/llama-2-acceptable-use-policy.md"}
    notice = (llama / "NOTICE").read_text()
    assert "Llama 2 is licensed under the LLAMA 2 Community License" in notice
    assert "Llama 2 Acceptable Use Policy: https://ai.meta.com/llama/use-policy" in notice
    mistral = json.loads((tmp_path / "out" / "mistralai__Mistral-7B-v0.1" / "obligations.json").read_text())
    assert [t["license"] for t in mistral["license_texts"]] == ["Apache-2.0"]
    assert (tmp_path / "out" / "mistralai__Mistral-7B-v0.1" / "licenses" / "Apache-2.0.txt").read_text().startswith(
        "Apache License")


def test_use_flags_narrow_the_bundle(tmp_path):
    (tmp_path / "models.txt").write_text("meta-llama/Llama-2-7b-chat-hf\n")
    result = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "out"), "--commercial",
                 "--monthly-active-users", "1000")
    assert result.returncode == 0, result.stderr
    body = json.loads((tmp_path / "out" / "meta-llama__Llama-2-7b-chat-hf" / "obligations.json").read_text())
    assert body["use"] == {"commercial": True, "monthly_active_users": 1000}
    assert body["license_texts"] == []
    assert any("1,000" in c["message"] or "700,000,000" in c["message"] for c in body["conditions"])


def test_live_server_gives_the_same_bundle_as_offline(tmp_path):
    (tmp_path / "models.txt").write_text("meta-llama/Llama-2-7b-chat-hf\nlmsys/vicuna-7b-v1.3\n")
    with Gunicorn({"DATABASE_URL": f"sqlite:///{tmp_path}/live.sqlite3"}, workers=1) as server:
        live = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "live"), "--server",
                   server.base, "--redistribute-weights")
    offline = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "offline"),
                  "--redistribute-weights")
    assert live.returncode == offline.returncode == 0, (live.stderr, offline.stderr)
    assert files_under(tmp_path / "live") == files_under(tmp_path / "offline")
    assert len(files_under(tmp_path / "live")) >= 8


def test_missing_models_and_bad_arguments(tmp_path):
    (tmp_path / "models.txt").write_text("nobody/nothing\n")
    missing = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "out"))
    assert missing.returncode == 1 and "nobody/nothing is not recorded" in missing.stderr
    negative = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "out"),
                   "--monthly-active-users", "-5")
    assert negative.returncode == 2 and "--monthly-active-users" in negative.stderr


class _BadBundleServer:
    """A real HTTP server on 127.0.0.1 that answers every notice request with the given bytes as a zip."""

    def __init__(self, payload: bytes) -> None:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_unsafe_or_broken_bundle_from_the_server_is_refused(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escaped.txt", "outside")
    (tmp_path / "models.txt").write_text("acme/model\n")
    for payload, needle in ((buffer.getvalue(), "unsafe entry"), (b"not a zip", "not a zip bundle")):
        server = _BadBundleServer(payload)
        try:
            result = run("notice", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "out"), "--server",
                         server.base)
        finally:
            server.close()
        assert result.returncode == 3 and needle in result.stderr, result.stderr
    assert not (tmp_path / "escaped.txt").exists()
