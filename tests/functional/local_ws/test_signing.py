"""@connections takes SigV4-signed requests only, as on AWS; boto3 and the AWS CLI sign theirs.

AWS ("Use @connections commands in your backend service"): the requests use IAM authorization
and must be SigV4-signed. An unsigned request is answered 403 ``ForbiddenException``
(botocore's modeled 403 for this API). local_ws checks that
a request is signed, not the signature, so any credentials work locally.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import WAIT_S, Recorder, boto3_session

AWS_CLI = shutil.which("aws")
CLI_TIMEOUT_S = 60.0


def unsigned_client(server: RunningLocalWs) -> Any:
    return boto3_session().client(
        "apigatewaymanagementapi",
        endpoint_url=server.management_url,
        config=Config(signature_version=UNSIGNED),
    )


def connection_id(recorder: Recorder) -> str:
    return str(recorder.wait_for("$connect")[0]["requestContext"]["connectionId"])


def test_an_unsigned_post_is_refused_with_403_forbidden_and_the_signed_one_delivered(
    local_ws: RunningLocalWs, recorder: Recorder, client: Any
) -> None:
    unsigned = unsigned_client(local_ws)
    with connect(local_ws.ws_url) as ws:
        conn_id = connection_id(recorder)
        with pytest.raises(unsigned.exceptions.ForbiddenException) as caught:
            unsigned.post_to_connection(ConnectionId=conn_id, Data=b"unsigned")
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["Error"]["Code"] == "ForbiddenException"
        assert error["Error"]["Message"].startswith("Missing Authentication Token")
        client.post_to_connection(ConnectionId=conn_id, Data=b"signed")
        assert ws.recv(timeout=WAIT_S) == "signed"  # the unsigned one never arrived


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_a_plain_http_request_is_refused_whatever_its_method(
    local_ws: RunningLocalWs, method: str
) -> None:
    request = urllib.request.Request(
        local_ws.management_url + "/%40connections/JC1dgf9yoAMCK-g%3D",
        data=b"x" if method == "POST" else None,
        method=method,
        headers={"Authorization": "Bearer not-sigv4"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=WAIT_S)
    with caught.value as answer:
        assert answer.status == 403
        assert answer.headers["x-amzn-ErrorType"] == "ForbiddenException"
        assert "not an AWS Signature Version 4" in json.load(answer)["message"]


def test_allow_unsigned_accepts_requests_without_a_signature(
    serve: Any, recorder: Recorder
) -> None:
    server: RunningLocalWs = serve(allow_unsigned=True)
    with connect(server.ws_url) as ws:
        unsigned_client(server).post_to_connection(
            ConnectionId=connection_id(recorder), Data=b"fine locally"
        )
        assert ws.recv(timeout=WAIT_S) == "fine locally"


def aws(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The AWS CLI with dummy credentials and no configuration of the developer's."""
    assert AWS_CLI is not None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [AWS_CLI, "apigatewaymanagementapi", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


@pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI (aws) is not installed")
def test_the_aws_cli_posts_gets_and_deletes_through_connections(
    local_ws: RunningLocalWs, recorder: Recorder, tmp_path: Path
) -> None:
    endpoint = ("--endpoint-url", local_ws.management_url)
    with connect(local_ws.ws_url, user_agent_header="cli-test/1") as ws:
        conn_id = connection_id(recorder)
        target = ("--connection-id", conn_id)
        posted = aws("post-to-connection", *endpoint, *target, "--data", "hi", tmp_path=tmp_path)
        assert posted.returncode == 0, posted.stderr
        assert ws.recv(timeout=WAIT_S) == "hi"
        got = aws("get-connection", *endpoint, *target, tmp_path=tmp_path)
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout)["Identity"] == {
            "SourceIp": "127.0.0.1",
            "UserAgent": "cli-test/1",
        }
        deleted = aws("delete-connection", *endpoint, *target, tmp_path=tmp_path)
        assert deleted.returncode == 0, deleted.stderr
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=WAIT_S)
    recorder.wait_for("$disconnect")
    gone = aws("post-to-connection", *endpoint, *target, "--data", "late", tmp_path=tmp_path)
    assert gone.returncode != 0
    assert "GoneException" in gone.stderr
