"""``python -m local_ws`` serves an app file until SIGTERM, and explains a bad ``--app``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from websockets.sync.client import connect

APP = """
from chalice import Chalice
app = Chalice(app_name="cli-test")
app.experimental_feature_flags.update(["WEBSOCKETS"])

@app.on_ws_connect()
def connect(event):
    return {"statusCode": 200}
"""
REPO = Path(__file__).parents[3]
WAIT_S = 60.0


def run_local_ws(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local_ws", *args],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_serves_the_app_on_free_ports_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    proc = run_local_ws(
        "--app",
        f"{tmp_path / 'app.py'}:app",
        "--ws-port",
        "0",
        "--mgmt-port",
        "0",
        "--stage",
        "dev",
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("LOCAL_WS READY "), line
        ready = json.loads(line[len("LOCAL_WS READY ") :])
        assert ready["management_url"].endswith(f":{ready['mgmt_port']}/dev")
        with connect(ready["ws_url"]) as ws:
            ws.ping().wait(WAIT_S)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_bad_app_argument_says_how_to_fix_it(tmp_path: Path) -> None:
    proc = run_local_ws(
        "--app", f"{tmp_path / 'missing.py'}:app", "--ws-port", "0", "--mgmt-port", "0"
    )
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 2
    assert "no file" in err and "path/to/app.py:app" in err


def test_a_module_without_a_chalice_app_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    proc = run_local_ws("--app", f"{tmp_path / 'app.py'}:app", "--ws-port", "0", "--mgmt-port", "0")
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 2
    assert "no Chalice app named 'app'" in err
