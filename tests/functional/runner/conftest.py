"""Fixtures for the runner's functional tests: moto, a recording ``@connections`` endpoint,
the runner's stores, and a small scripted generator of our own."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apkgen_core.fanout.delivery import RetryPolicy
from apkgen_core.settings import Settings
from build_runner.errors import BuildCancelled
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub
from build_runner.generate.pipeline import GenerateOptions, GenerateResult
from build_runner.logs import BuildLog
from build_runner.runner.config import RunnerConfig, Services
from build_runner.runner.loop import Runner
from chalicelib.aws import AwsClients
from chalicelib.builds import Build
from tests.functional.connections_recorder import ConnectionsRecorder, running_recorder

SENDER = "builds@apkgen.test"


class ScriptedGenerator:
    """Logs a few steps through the BuildLog, writes a file as the APK, honours ``cancelled``.

    ``hooks[step]`` runs inside that step (tests cancel, stop or fail from there); ``error`` is
    raised after the steps instead of producing the APK.
    """

    STEPS = ("extract", "validate", "package", "sign")

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.hooks: dict[str, Callable[[], None]] = {}
        self.error: Exception | None = None

    def generate(
        self,
        source: str | Path,
        out_apk: Path,
        options: GenerateOptions,
        log: BuildLog,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> GenerateResult:
        self.calls.append({"source": source, "options": options})
        data = Path(source).read_bytes() if isinstance(source, Path) else str(source).encode()
        for step in self.STEPS:
            if cancelled():
                raise BuildCancelled(f"cancelled before {step}")
            with log.step(step):
                log.info(f"doing {step}")
                hook = self.hooks.get(step)
                if hook is not None:
                    hook()
        if self.error is not None:
            raise self.error
        out_apk.write_bytes(b"PK\x03\x04 not really an apk " + data)
        body = out_apk.read_bytes()
        return GenerateResult(
            apk_path=out_apk, package="org.apkgen.sample", label=options.app_name or "Sample",
            version_code=7, version_name="1.0.7", size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            report={"errors": [], "warnings": [], "error_count": 0, "warning_count": 0},
        )


@dataclasses.dataclass
class Stack:
    settings: Settings
    clients: AwsClients
    services: Services
    hub: FanoutHub
    recorder: ConnectionsRecorder
    generator: ScriptedGenerator
    config: RunnerConfig

    def runner(self, runner_id: str = "runner-1", **overrides: Any) -> Runner:
        config = dataclasses.replace(self.config, runner_id=runner_id, **overrides)
        return Runner(self.services, self.generator, self.hub, config)

    def new_build(self, build_id: str, *, source: dict[str, str] | None = None,
                  options: dict[str, str] | None = None, queue: bool = True) -> Build:
        if source is None:
            source = {"kind": "upload", "key": self.services.objects.put_upload(b"event zip")}
        build = Build(build_id=build_id, created_at=1.0, updated_at=1.0, source=source,
                      options=options or {})
        self.services.builds.create(build)
        if queue:
            self.services.queue.send(build_id)
        return build

    def watch(self, build_id: str, *connection_ids: str) -> None:
        for connection_id in connection_ids:
            self.services.connections.add(build_id, connection_id, time.time())

    def queued_jobs(self) -> int:
        attributes = self.clients.sqs.get_queue_attributes(
            QueueUrl=self.services.queue.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def stack(aws: tuple[Settings, AwsClients], tmp_path: Path) -> Iterator[Stack]:
    settings, clients = aws
    clients.ses.verify_email_identity(EmailAddress=SENDER)
    with running_recorder() as recorder:
        settings = dataclasses.replace(settings, ws_management_url=recorder.url,
                                       ses_sender=SENDER)
        services = Services.from_clients(settings, clients)
        # One build at a time unless a test asks for more (``stack.runner(concurrency=N)``).
        config = RunnerConfig.from_settings(
            settings, wait_s=0, visibility_s=30, heartbeat_s=0.05, lease_s=20,
            retry_delay_s=0, cancel_check_s=0, flush_timeout_s=20, work_dir=tmp_path / "work",
            concurrency=1,
        )
        client = management_client(settings, max_pool_connections=8)
        hub = FanoutHub(services.logs, services.connections, client, workers=8,
                        policy=RetryPolicy(base_s=0.001, cap_s=0.004))
        try:
            yield Stack(settings, clients, services, hub, recorder, ScriptedGenerator(), config)
        finally:
            hub.close()
