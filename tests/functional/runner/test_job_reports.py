"""However large a build's report, and however DynamoDB answers, the runner records the final
status and the artifact, or says everywhere that it could not (moto, a real ``@connections``
endpoint)."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from build_runner.errors import RunnerError
from build_runner.generate.pipeline import GenerateOptions, GenerateResult
from build_runner.logs import BuildLog
from build_runner.runner.job import RECORD_RETRY_DELAYS_S, BuildAttempt
from build_runner.runner.loop import Runner
from chalicelib import dynamo
from chalicelib.builds import BuildStore
from chalicelib.service import BuildService
from tests.functional.runner.conftest import ScriptedGenerator, Stack

DATA_URI = "data:image/jpeg;base64," + "Q" * 8000


def data_uri_report(count: int = 60) -> dict[str, Any]:
    """What the generator reports for an export whose speakers' photos are data: URIs."""
    warnings = [{"severity": "warning", "file": "speakers", "path": f"speakers[{i}].photo",
                 "message": "is neither a path inside the upload nor an http(s) address; the "
                            "speaker is shown without a photo",
                 "value": DATA_URI, "hint": "", "text": f"speakers[{i}].photo: {DATA_URI[:80]}…"}
                for i in range(count)]
    return {"summary": {"package": "org.apkgen.sample", "warnings": count}, "errors": [],
            "warnings": warnings, "error_count": 0, "warning_count": count}


class DataUriGenerator(ScriptedGenerator):
    """The scripted generator, reporting 60 warnings that each quote an 8 KB data: URI."""

    def generate(self, source: str | Path, out_apk: Path, options: GenerateOptions,
                 log: BuildLog, cancelled: Callable[[], bool] = lambda: False) -> GenerateResult:
        result = super().generate(source, out_apk, options, log, cancelled)
        return dataclasses.replace(result, report=data_uri_report())


class FlakyDynamoDB:
    """The real (moto) DynamoDB client, except that the next ``failures`` writes of a final
    status (an UpdateItem setting ``finished_at``) are refused with ``code``."""

    def __init__(self, client: Any, code: str, failures: int) -> None:
        self._client = client
        self.code = code
        self.failures = failures
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_item(self, **kwargs: Any) -> Any:
        if "finished_at" in kwargs.get("UpdateExpression", "") and self.failures > 0:
            self.failures -= 1
            self.refused += 1
            raise ClientError({"Error": {"Code": self.code, "Message": "refused by the test"}},
                              "UpdateItem")
        return self._client.update_item(**kwargs)


def flaky(stack: Stack, code: str, failures: int) -> tuple[Stack, FlakyDynamoDB]:
    db = FlakyDynamoDB(stack.clients.dynamodb, code, failures)
    services = dataclasses.replace(
        stack.services, builds=BuildStore(db, stack.settings.builds_table))
    return dataclasses.replace(stack, services=services), db


def runner(stack: Stack) -> Runner:
    return Runner(stack.services, stack.generator, stack.hub, stack.config)


def log_texts(stack: Stack, build_id: str) -> list[str]:
    lines, _ = stack.services.logs.read(build_id, 0, 1000)
    return [line["text"] for line in lines]


def test_a_data_uri_export_keeps_its_artifact_and_its_viewers_get_the_final_status(
    stack: Stack,
) -> None:
    stack = dataclasses.replace(stack, generator=DataUriGenerator())
    stack.new_build("b-data")
    stack.watch("b-data", "v1")
    assert runner(stack).poll_once(0) == 1

    build = stack.services.builds.get("b-data")
    assert (build.status, build.step) == ("succeeded", "done")
    assert build.artifact is not None and build.artifact["key"].endswith(".apk")
    assert build.report_key == "artifacts/b-data/report.json"
    item = stack.clients.dynamodb.get_item(TableName=stack.settings.builds_table,
                                           Key={"build_id": {"S": "b-data"}})["Item"]
    assert dynamo.item_size(item) < 32 * 1024
    # The item keeps the counts and the first problems; report.json keeps every one whole.
    summary = json.loads(build.problems or "")
    assert (summary["warning_count"], summary["complete"]) == (60, False)
    assert stack.services.objects.get_json(build.report_key) == data_uri_report()

    final = stack.recorder.statuses("v1")[-1]
    assert (final["status"], final["artifact"]["key"]) == ("succeeded", build.artifact["key"])
    assert final["artifact"]["download_url"].startswith("https://")
    assert stack.queued_jobs() == 0

    status = BuildService.from_clients(stack.settings, stack.clients).status_of(build)
    assert "report.json" in status["report_url"] and "X-Amz-Signature" in status["report_url"]
    assert status["problems"]["warnings"][0]["path"] == "speakers[0].photo"


def test_a_final_status_dynamodb_throttles_is_recorded_by_a_later_try(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack, db = flaky(stack, "ProvisionedThroughputExceededException", failures=2)
    stack.new_build("b-throttled")
    stack.watch("b-throttled", "v1")
    with caplog.at_level(logging.WARNING, logger="build_runner.runner.job"):
        assert runner(stack).poll_once(0) == 1
    assert db.refused == 2
    build = stack.services.builds.get("b-throttled")
    assert build.status == "succeeded" and build.artifact is not None
    assert stack.recorder.statuses("v1")[-1]["status"] == "succeeded"
    retries = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and "ProvisionedThroughputExceededException" in retries[0]


def test_a_final_status_dynamodb_refuses_as_invalid_is_recorded_with_the_counts_only(
    stack: Stack,
) -> None:
    stack = dataclasses.replace(stack, generator=DataUriGenerator())
    stack, db = flaky(stack, "ValidationException", failures=1)
    stack.new_build("b-refused")
    assert runner(stack).poll_once(0) == 1
    build = stack.services.builds.get("b-refused")
    assert build.status == "succeeded" and build.artifact is not None
    assert json.loads(build.problems or "") == {
        "error_count": 0, "warning_count": 60, "errors": [], "warnings": [], "complete": False}
    assert build.report_key == "artifacts/b-refused/report.json"
    assert db.refused == 1


def test_a_final_status_that_cannot_be_recorded_is_reported_to_the_viewers_and_retried(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack, db = flaky(stack, "ProvisionedThroughputExceededException", failures=100)
    stack.new_build("b-down")
    stack.watch("b-down", "v1")
    [job] = stack.services.queue.receive(0, 1, 30)
    build = stack.services.builds.claim("b-down", stack.config.runner_id, 10.0**10, 60)
    waits: list[float] = []
    attempt = BuildAttempt(
        services=stack.services, generator=stack.generator, hub=stack.hub, config=stack.config,
        job=job, build=build, previous_runner=None, stopping=threading.Event(),
        record_retry_delays_s=RECORD_RETRY_DELAYS_S, sleep=waits.append,
    )
    with caplog.at_level(logging.ERROR, logger="build_runner.runner.job"), \
            pytest.raises(RunnerError) as raised:
        attempt.run()

    assert raised.value.code == "ProvisionedThroughputExceededException"
    assert waits == list(RECORD_RETRY_DELAYS_S)
    assert db.refused == len(RECORD_RETRY_DELAYS_S) + 1
    said = ("the build succeeded, but its result could not be recorded "
            "(ProvisionedThroughputExceededException); it is handed back and will be built "
            "again: reload this page in a minute")
    final = stack.recorder.statuses("v1")[-1]
    assert (final["status"], final["error"]) == ("failed", said)
    assert log_texts(stack, "b-down")[-1] == said
    assert any(said in r.getMessage() for r in caplog.records)
    # Nothing was recorded: the build is still this runner's, so the loop hands it back.
    assert stack.services.builds.get("b-down").status == "running"


def test_the_loop_hands_back_a_build_whose_final_status_could_not_be_recorded(
    stack: Stack,
) -> None:
    stack, _ = flaky(stack, "InternalServerError", failures=100)
    stack.new_build("b-down")
    [job] = stack.services.queue.receive(0, 1, 30)
    loop = Runner(stack.services, stack.generator, stack.hub,
                  dataclasses.replace(stack.config, max_receive_count=5))
    assert loop.handle(job) == "retry"
    build = stack.services.builds.get("b-down")
    assert build.status == "running" and (build.lease_until or 0) < 10.0**10
    assert stack.queued_jobs() == 1
