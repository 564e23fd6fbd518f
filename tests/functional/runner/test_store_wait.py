"""A runner whose store (moto's server) goes away waits for it with one message, then carries on.

moto runs as a real server on a loopback port (its state lives in this process, so it is still
there when the server comes back on the same port).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from apkgen_core.fanout.delivery import RetryPolicy
from apkgen_core.settings import Settings
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub
from build_runner.runner.config import RunnerConfig, Services
from build_runner.runner.loop import Runner
from chalicelib.aws import AwsClients
from local_stack.resources import create_resources
from local_stack.stack import free_port
from tests.e2e.harness import wait_until
from tests.functional.connections_recorder import running_recorder
from tests.functional.runner.conftest import ScriptedGenerator

WAIT_S = 60.0


@pytest.fixture
def moto_server() -> Iterator[ThreadedMotoServer]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_runner_waits_for_an_unreachable_queue_with_one_message_and_carries_on(
    moto_server: ThreadedMotoServer, caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    host, port = moto_server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    settings = Settings(aws_endpoint_url=endpoint, bucket="apkgen-wait-test")
    session = boto3.session.Session(
        region_name=settings.region, aws_access_key_id="testing",
        aws_secret_access_key="testing", aws_session_token="testing",
    )  # fmt: skip
    clients = AwsClients(settings, session=session)
    create_resources(settings, clients)
    services = Services.from_clients(settings, clients)
    attempts: list[str] = []
    clients.sqs.meta.events.register(
        "before-send.sqs.ReceiveMessage", lambda **_: attempts.append("receive")
    )
    config = RunnerConfig.from_settings(settings, wait_s=1, work_dir=str(tmp_path))
    with running_recorder() as recorder:
        hub = FanoutHub(
            services.logs, services.connections,
            management_client(settings.__class__(ws_management_url=recorder.url)),
            workers=2, policy=RetryPolicy(base_s=0.001, cap_s=0.004),
        )  # fmt: skip
        runner = Runner(services, ScriptedGenerator(), hub, config)
        caplog.set_level(logging.INFO, logger="build_runner")
        moto_server.stop()
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        try:
            waiting = f"waiting for the job queue at {endpoint}: connection refused"
            wait_until(lambda: waiting in caplog.text, WAIT_S, "the runner to say it waits")
            tried = len(attempts)
            wait_until(lambda: len(attempts) >= tried + 3, WAIT_S, "three more tries")
            assert caplog.text.count("waiting for the job queue") == 1
            assert not [r for r in caplog.records if r.exc_info], "a traceback per try"

            moto_server.start()
            services.queue.send("no-such-build")
            wait_until(lambda: "is back after" in caplog.text, WAIT_S, "the runner to carry on")
            wait_until(
                lambda: "deleting the job of an unknown build" in caplog.text,
                WAIT_S, "the runner to handle the job sent after the outage",
            )  # fmt: skip
        finally:
            runner.request_stop()
            thread.join(WAIT_S)
            hub.close()
    assert not thread.is_alive()
