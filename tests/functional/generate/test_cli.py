"""``python -m build_runner generate``: exit codes, the summary, the report, the listed errors."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from androguard.core.apk import APK

from build_runner.generate.cli import main
from build_runner.generate.webapp import parse_data_js

pytestmark = pytest.mark.toolchain

REPO = Path(__file__).parents[3]
SPARK = REPO / ".." / "shared" / "samples" / "open-event" / "SparkSummit17.zip"


@pytest.fixture(scope="module")
def environ(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Settings for the CLI: a work dir (and so a cache) of the module's own."""
    return {"APKGEN_WORK_DIR": str(tmp_path_factory.mktemp("cli-work"))}


def run(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err, environ=environ)
    return code, out.getvalue(), err.getvalue()


def test_builds_an_apk_and_prints_the_summary_and_report(environ: dict[str, str],
                                                         tmp_path: Path) -> None:
    apk, report = tmp_path / "spark.apk", tmp_path / "out" / "report.json"
    code, out, err = run([str(SPARK), "-o", str(apk), "--name", "Spark!", "--package",
                          "org.example.spark", "--report", str(report)], environ)
    assert code == 0, err
    assert apk.is_file()
    data = json.loads(report.read_text())
    summary = data["summary"]
    assert (summary["package"], summary["label"]) == ("org.example.spark", "Spark!")
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["package"] == "org.example.spark"
    assert lines["label"] == "Spark!"
    assert lines["sha256"] == summary["sha256"]
    assert lines["size"].startswith(f"{apk.stat().st_size} bytes")
    assert lines["warnings"] == str(summary["warnings"])
    assert lines["version"] == f"{summary['version_name']} (code {summary['version_code']})"
    assert "▶ sign" in err and "✓ verify" in err


API_BASE = "/v1/events/5"
API_DOCUMENTS: dict[str, Any] = {
    API_BASE: {"data": {"id": "5", "type": "event", "attributes": {
        "name": "URL Camp", "starts-at": "2024-06-01T09:00:00+00:00",
        "ends-at": "2024-06-01T18:00:00+00:00"}}},
    f"{API_BASE}/sessions": {"data": [{"id": "1", "type": "session", "attributes": {
        "title": "Fetched keynote", "starts-at": "2024-06-01T09:00:00+00:00",
        "ends-at": "2024-06-01T10:00:00+00:00", "state": "accepted"}}],
        "meta": {"count": 1}},
    # The real server answers an event's empty collection with an empty page, not a 404.
    **{f"{API_BASE}/{name}": {"data": [], "meta": {"count": 0}}
       for name in ("speakers", "tracks", "microlocations", "session-types", "sponsors",
                    "social-links")},
}


class ApiHandler(BaseHTTPRequestHandler):
    """A minimal Open Event API: the event, one session, empty collections; else 404."""

    def do_GET(self) -> None:
        document = API_DOCUMENTS.get(self.path.split("?")[0])
        if document is None:
            self.send_error(404)
            return
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the build log, not the server's."""


@pytest.fixture
def api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ApiHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{API_BASE}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_builds_from_an_api_url(environ: dict[str, str], api_url: str, tmp_path: Path) -> None:
    apk = tmp_path / "camp.apk"
    code, out, err = run([api_url, "-o", str(apk)], environ)
    assert code == 0, err
    assert "label     URL Camp" in out
    data = parse_data_js(APK(str(apk)).get_file("assets/data.js").decode())
    assert [s["title"] for s in data["sessions"]] == ["Fetched keynote"]


def test_broken_upload_exits_1_listing_the_errors(environ: dict[str, str],
                                                  tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    report = tmp_path / "report.json"
    code, out, err = run([str(bad), "-o", str(tmp_path / "x.apk"), "--report", str(report)],
                         environ)
    assert code == 1
    assert out == ""
    assert "error: the event cannot be built" in err
    assert "\n  - " in err
    assert json.loads(report.read_text())["error_count"] >= 1
    assert not (tmp_path / "x.apk").exists()


def test_bad_option_exits_1_saying_what_to_fix(environ: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run([str(SPARK), "-o", str(tmp_path / "x.apk"), "--primary-color", "blue"],
                       environ)
    assert code == 1
    assert "primary_color" in err and "#rrggbb" in err


def test_output_that_is_a_directory_exits_1_saying_so(environ: dict[str, str],
                                                       tmp_path: Path) -> None:
    code, out, err = run([str(SPARK), "-o", str(tmp_path)], environ)
    assert code == 1
    assert f"cannot write the APK to {tmp_path}" in err
    assert out == ""


def test_missing_output_is_a_usage_error(environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run([str(SPARK)], environ)
    assert caught.value.code == 2


def test_module_entry_point_runs_the_build(environ: dict[str, str], tmp_path: Path) -> None:
    apk = tmp_path / "app.apk"
    done = subprocess.run(
        [sys.executable, "-m", "build_runner", "generate", str(SPARK), "-o", str(apk)],
        capture_output=True, text=True, cwd=tmp_path, env={**environ, "PATH": "/usr/bin:/bin",
                                                           "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "package   org.apkgen.event.sparksummit2017." in done.stdout
    assert apk.is_file()


def test_missing_android_tool_exits_1_naming_the_package_to_install(
        environ: dict[str, str], tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("java", "javac", "keytool", "apktool", "zipalign", "apksigner", "bash",
                 "dirname", "basename", "expr", "ls"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        [sys.executable, "-m", "build_runner", "generate", str(SPARK), "-o",
         str(tmp_path / "x.apk")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**environ, "PATH": str(bin_dir), "HOME": str(tmp_path)},
    )
    assert done.returncode == 1, done.stderr
    assert "error: aapt: aapt is not installed" in done.stderr
    assert "install the Debian package 'aapt'" in done.stderr
    assert done.stdout == ""
