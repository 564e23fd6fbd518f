"""``python -m local_ws --app PATH:app`` runs tutorial-style Chalice apps with no environment.

Each app is served by a real ``python -m local_ws`` process whose environment has no AWS
settings at all (no region, no credentials, no ``~/.aws``), as after ``chalice new-project``;
real WebSocket clients talk to it. The chat app keeps its rooms in DynamoDB on moto's server
(``--aws-endpoint``) while its ``@connections`` posts still go to local_ws.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from websockets.sync.client import ClientConnection, connect

from local_ws.__main__ import READY_PREFIX

REPO = Path(__file__).parents[3]
APPS = Path(__file__).parent / "tutorial_apps"
WAIT_S = 60.0
TABLE = "chat-rooms-test"


@contextmanager
def local_ws_cli(app: Path, tmp_path: Path, *args: str, **env: str) -> Iterator[str]:
    """``python -m local_ws --app APP:app ARGS`` in an environment without AWS settings;
    yields its WebSocket URL and stops it with SIGTERM."""
    bare = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "local_ws", "--app", f"{app}:app", "--ws-port", "0",
         "--mgmt-port", "0", *args],
        cwd=REPO, env=bare, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY_PREFIX), (line, proc.stderr and proc.stderr.read())
        yield str(json.loads(line[len(READY_PREFIX) :])["ws_url"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_the_echo_tutorial_app_echoes_with_no_aws_environment(tmp_path: Path) -> None:
    with local_ws_cli(APPS / "echo" / "app.py", tmp_path) as ws_url, connect(ws_url) as ws:
        ws.send("hello, local API Gateway")
        assert ws.recv(timeout=WAIT_S) == "hello, local API Gateway"


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    dynamodb = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("dynamodb", endpoint_url=url)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "connection_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connection_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield url
    finally:
        dynamodb.delete_table(TableName=TABLE)
        server.stop()


def say(ws: ClientConnection, text: str) -> str:
    """Send ``text`` and return the next frame (the command's answer)."""
    ws.send(text)
    answer = ws.recv(timeout=WAIT_S)
    assert isinstance(answer, str)
    return answer


def chatter(ws_url: str, name: str, room: str) -> Any:
    ws = connect(ws_url, open_timeout=WAIT_S)
    assert say(ws, f"/name {name}") == f"Using name {name}"
    assert say(ws, f"/join {room}") == f"Joined {room}"
    return ws


def test_the_chat_tutorial_app_keeps_rooms_in_dynamodb_on_moto(
    moto_url: str, tmp_path: Path
) -> None:
    app = APPS / "chat" / "app.py"
    with local_ws_cli(app, tmp_path, "--aws-endpoint", moto_url, CHAT_TABLE=TABLE) as ws_url:
        alice = chatter(ws_url, "alice", "kitchen")
        bob = chatter(ws_url, "bob", "kitchen")
        carol = chatter(ws_url, "carol", "garden")
        try:
            assert say(alice, "dinner is ready") == "(delivered to 1)"
            assert bob.recv(timeout=WAIT_S) == "alice: dinner is ready"
            # Every post for alice's message is done: had carol got one, it would come first.
            assert say(carol, "/name caroline") == "Using name caroline"
            bob.close()
            # bob is gone: his $disconnect, or the GoneException of the post to him, removes him.
            assert say(alice, "anyone?") == "(delivered to 0)"
        finally:
            for ws in (alice, bob, carol):
                ws.close()
