"""A build's final status and artifact are recorded whatever the size of its report (moto,
which refuses items over DynamoDB's 400 KB limit as AWS does)."""

from __future__ import annotations

import json

import pytest

from apkgen_core.settings import Settings
from chalicelib import dynamo, reports
from chalicelib.aws import AwsClients
from chalicelib.builds import Build, BuildStore

DATA_URI = "data:image/jpeg;base64," + "Q" * 8000
ARTIFACT = {"key": "artifacts/b-big/org.example.apk", "size": 9, "sha256": "ab" * 32,
            "package": "org.example", "label": "Data Camp", "version_code": 3,
            "version_name": "1.0.3"}


@pytest.fixture
def store(aws: tuple[Settings, AwsClients]) -> BuildStore:
    settings, clients = aws
    return BuildStore(clients.dynamodb, settings.builds_table)


def stored_item(aws: tuple[Settings, AwsClients], build_id: str) -> dict:
    settings, clients = aws
    return dict(clients.dynamodb.get_item(TableName=settings.builds_table,
                                          Key={"build_id": {"S": build_id}})["Item"])


def running(store: BuildStore, build_id: str) -> None:
    store.create(Build(build_id, 1.0, 1.0, {"kind": "url", "url": "https://e.org"}))
    store.claim(build_id, "runner-1", 2.0, 60)


def data_uri_report(count: int) -> dict:
    warnings = [{"severity": "warning", "file": "speakers", "path": f"speakers[{i}].photo",
                 "message": "is neither a path inside the upload nor an http(s) address",
                 "value": DATA_URI, "hint": "", "text": f"speakers[{i}].photo: {DATA_URI}"}
                for i in range(count)]
    return {"summary": {"warnings": count}, "errors": [], "warnings": warnings,
            "error_count": 0, "warning_count": count}


def test_a_build_whose_report_is_over_the_item_limit_keeps_its_status_and_artifact(
    store: BuildStore, aws: tuple[Settings, AwsClients]
) -> None:
    running(store, "b-big")
    report = data_uri_report(60)
    assert reports.encoded_size(report) > dynamo.ITEM_LIMIT_BYTES
    final = store.finish("b-big", "runner-1", "succeeded", 9.0, problems=report,
                         artifact=ARTIFACT, report_key="artifacts/b-big/report.json")
    build = store.get("b-big")
    assert build == final
    assert (build.status, build.step, build.artifact) == ("succeeded", "done", ARTIFACT)
    assert build.report_key == "artifacts/b-big/report.json"
    summary = json.loads(build.problems or "")
    assert (summary["warning_count"], summary["complete"]) == (60, False)
    assert summary["warnings"][0]["path"] == "speakers[0].photo"
    assert dynamo.item_size(stored_item(aws, "b-big")) < 32 * 1024


def test_the_item_stays_small_for_a_report_of_any_size(
    store: BuildStore, aws: tuple[Settings, AwsClients]
) -> None:
    running(store, "b-huge")
    report = data_uri_report(2000)  # 16 MB of warnings
    store.finish("b-huge", "runner-1", "failed", 9.0, error="why " * 100_000, problems=report)
    build = store.get("b-huge")
    assert build.status == "failed"
    assert len(build.error or "") == reports.MAX_ERROR_CHARS
    assert dynamo.item_size(stored_item(aws, "b-huge")) < 32 * 1024


def test_a_report_with_a_lone_surrogate_is_stored_with_a_replacement_character(
    store: BuildStore,
) -> None:
    running(store, "b-odd")
    store.finish("b-odd", "runner-1", "failed", 9.0, error="bad name \ud800",
                 problems={"errors": [{"text": "event.name: \"\\ud800\" \ud800"}]})
    build = store.get("b-odd")
    assert build.error == "bad name \ufffd"
    assert json.loads(build.problems or "")["errors"][0]["text"].endswith("\ufffd")
