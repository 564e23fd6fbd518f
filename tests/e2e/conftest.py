"""The ``local_stack`` fixture: the whole stack as separate processes, once per session.

Yields a :class:`tests.e2e.harness.E2EStack`:

* ``http_url``, ``ws_url``, ``management_url``, ``moto_url`` — free loopback ports;
* ``settings`` (``apkgen_core.settings.Settings``) and ``env`` — what every part runs with
  (fake AWS credentials, ``APKGEN_AWS_ENDPOINT_URL`` = moto, a 10 s visibility timeout and a
  2 s heartbeat so a killed runner's job comes back quickly);
* ``clients`` — ``AwsClients`` on moto's server (inspect tables, queues, the bucket);
* ``request``/``create_build``/``status``/``all_logs``/``wait_finished`` — the HTTP API;
* ``pause_runners``/``resume_runners``/``kill_runners``/``ensure_runners`` — runner processes;
* ``log_path`` — every part's output, prefixed with its name
  (``test-artifacts/e2e/local_stack.log``).

Two runners. local_ws skips ``$disconnect`` for viewers that vanish without a close frame (AWS
delivers it best-effort), so a vanished viewer is cleaned up by the fan-out's GoneException.
The work dir and development keystore live in ``.dev/e2e`` and are reused between sessions;
moto's saved state there is not (each session starts with an empty moto).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from chalicelib.aws import AwsClients
from local_stack.stack import FAKE_AWS_ENV, REPO, LocalStack, StackOptions
from tests.e2e.harness import E2EStack

E2E_RUNNERS = 2
E2E_SETTINGS = {
    "APKGEN_VISIBILITY_TIMEOUT_S": "10",
    "APKGEN_HEARTBEAT_S": "2",
    "APKGEN_MAX_RECEIVE_COUNT": "5",
}
SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples" / "open-event"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real Open Event exports (``../shared/samples/open-event``)."""
    if not SAMPLES.is_dir():
        pytest.fail(f"sample exports not found at {SAMPLES.resolve()}")
    return SAMPLES


@pytest.fixture(scope="session")
def local_stack() -> Iterator[E2EStack]:
    """moto + resources + local_ws + the app over HTTP + 2 runners, on free ports."""
    log_path = REPO / "test-artifacts" / "e2e" / "local_stack.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("w", encoding="utf-8")
    lock = threading.Lock()

    def output(name: str, line: str) -> None:
        with lock:
            log_file.write(f"[{name}] {line}\n")
            log_file.flush()

    # Each session starts with an empty moto (the state dir keeps moto's state across restarts).
    shutil.rmtree(REPO / ".dev" / "e2e" / "moto", ignore_errors=True)
    options = StackOptions(
        http_port=0,
        ws_port=0,
        mgmt_port=0,
        moto_port=0,
        runners=E2E_RUNNERS,
        state_dir=REPO / ".dev" / "e2e",
        env=E2E_SETTINGS,
        drop_abnormal_disconnects=True,
    )
    stack = LocalStack(options, output=output)
    try:
        urls = stack.start()
        settings = stack.settings()
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
            region_name=settings.region,
        )
        yield E2EStack(
            stack=stack,
            http_url=urls.http_url,
            ws_url=urls.ws_url,
            management_url=urls.management_url,
            moto_url=urls.moto_url,
            settings=settings,
            env=dict(stack.env),
            clients=AwsClients(settings, session=session),
            log_path=log_path,
        )
    finally:
        stack.stop()
        log_file.close()
