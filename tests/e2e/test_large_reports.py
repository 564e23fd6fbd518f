"""Acceptance: an export whose report is far over DynamoDB's item limit keeps its artifact,
and its viewers get the final status (the whole local stack, real runners, real viewers)."""

from __future__ import annotations

import base64
import json
import urllib.request
import zipfile
from pathlib import Path

import pytest

from chalicelib import dynamo
from tests.e2e.harness import E2EStack, Viewer

pytestmark = pytest.mark.e2e

BUILD_S = 90.0
SPEAKERS = 60
# 8 KB of base64: each speaker's photo written into the export itself, which apkgen refuses
# (a warning quoting the whole value), as some exporters do.
PHOTO = "data:image/jpeg;base64," + base64.b64encode(bytes(range(256)) * 24).decode()
EVENT = {"id": 7, "name": "Data URI Camp", "starts-at": "2017-05-17T09:00:00-07:00",
         "ends-at": "2017-05-18T18:00:00-07:00", "timezone": "America/Los_Angeles"}


def data_uri_export(path: Path) -> Path:
    speakers = [{"id": n, "name": f"Speaker {n}", "photo": PHOTO}
                for n in range(1, SPEAKERS + 1)]
    sessions = [{"id": n, "title": f"Talk {n}", "starts-at": "2017-05-17T10:00:00-07:00",
                 "ends-at": "2017-05-17T11:00:00-07:00", "state": "accepted",
                 "speakers": [{"id": n}]} for n in range(1, SPEAKERS + 1)]
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in (("event", EVENT), ("speakers", speakers), ("sessions", sessions)):
            archive.writestr(name, json.dumps(value))
    return path


def test_a_data_uri_export_keeps_its_artifact_and_its_viewers_get_the_final_status(
    local_stack: E2EStack, tmp_path: Path
) -> None:
    assert len(PHOTO) > 8000
    local_stack.pause_runners()
    try:
        build_id = local_stack.create_build(data_uri_export(tmp_path / "event.zip"))["build_id"]
        viewer = Viewer(local_stack.ws_url, build_id, name="data-uri")
        viewer.wait_resumed(BUILD_S)
    finally:
        local_stack.resume_runners()
    viewer.wait_complete(BUILD_S)
    final = viewer.final_status
    assert final is not None
    assert final["status"] == "succeeded", final
    assert final["artifact"]["download_url"].startswith("http")
    viewer.close()

    status = local_stack.status(build_id)
    assert status["status"] == "succeeded"
    assert status["artifact"]["key"] == final["artifact"]["key"]
    with urllib.request.urlopen(status["artifact"]["download_url"], timeout=30) as answer:
        assert answer.read(2) == b"PK"
    # The item keeps the counts and the first warnings, bounded; report.json has them all.
    problems = status["problems"]
    assert (problems["warning_count"], problems["complete"]) == (SPEAKERS, False)
    with urllib.request.urlopen(status["report_url"], timeout=30) as answer:
        report = json.loads(answer.read())
    values = [w.get("value") for w in report["warnings"] if w["path"].endswith(".photo")]
    # (the generator lists the first 50 of each severity and counts the rest)
    assert report["warning_count"] == SPEAKERS
    assert len(values) > len(problems["warnings"]) and all(v == PHOTO for v in values)
    assert len(json.dumps(report)) > dynamo.ITEM_LIMIT_BYTES
    assert dynamo.item_size(local_stack.build_item(build_id)) < 32 * 1024
