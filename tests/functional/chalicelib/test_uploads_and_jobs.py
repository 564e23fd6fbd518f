"""The bucket and the queue: uploads, artifacts, presigned URLs, jobs and the DLQ (moto)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.errors import StoreError
from chalicelib.jobs import JobQueue
from chalicelib.uploads import UPLOAD_KEY_RE, ObjectStore


@pytest.fixture
def objects(aws: tuple[Settings, AwsClients]) -> ObjectStore:
    settings, clients = aws
    return ObjectStore(clients.s3, settings.bucket, presign_expiry_s=600)


@pytest.fixture
def queue(aws: tuple[Settings, AwsClients]) -> JobQueue:
    settings, clients = aws
    assert settings.queue_url is not None
    return JobQueue(clients.sqs, settings.queue_url)


def test_presigned_post_limits_the_size_with_content_length_range(objects: ObjectStore) -> None:
    post = objects.presigned_post(1234)
    assert UPLOAD_KEY_RE.fullmatch(post["upload_key"])
    assert post["fields"]["key"] == post["upload_key"] and post["max_bytes"] == 1234
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 1, 1234] in policy["conditions"]


def test_each_presigned_post_gets_its_own_key(objects: ObjectStore) -> None:
    assert objects.presigned_post(10)["upload_key"] != objects.presigned_post(10)["upload_key"]


def test_stores_an_inline_upload_and_downloads_it(objects: ObjectStore, tmp_path: Path) -> None:
    key = objects.put_upload(b"PK\x03\x04data")
    assert UPLOAD_KEY_RE.fullmatch(key) and objects.exists(key)
    assert objects.download(key, tmp_path / "in" / "event.zip").read_bytes() == b"PK\x03\x04data"
    assert not objects.exists("uploads/neverUploaded1.zip")


def test_stores_an_artifact_and_its_report_under_the_build(
    aws: tuple[Settings, AwsClients], objects: ObjectStore, tmp_path: Path
) -> None:
    settings, clients = aws
    apk = tmp_path / "app.apk"
    apk.write_bytes(b"PK apk bytes")
    key = objects.put_artifact("build-1", apk, "org.example.summit.apk")
    assert key == "artifacts/build-1/org.example.summit.apk"
    head = clients.s3.head_object(Bucket=settings.bucket, Key=key)
    assert head["ContentType"] == "application/vnd.android.package-archive"
    report_key = objects.put_report("build-1", {"errors": [], "warning_count": 2})
    assert report_key == "artifacts/build-1/report.json"
    assert objects.get_json(report_key) == {"errors": [], "warning_count": 2}


def test_presigned_get_names_the_download(objects: ObjectStore) -> None:
    key = objects.put_upload(b"PK")
    url = objects.presigned_get(key, 'evil"name.apk')
    assert "response-content-disposition=attachment" in url
    assert "evil_name.apk" in url and "X-Amz-Signature" in url


def test_a_missing_object_keeps_the_aws_error_code(objects: ObjectStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        objects.download("uploads/missing0001.zip", tmp_path / "x.zip")
    assert caught.value.code == "404"


def test_sends_receives_extends_and_deletes_a_job(queue: JobQueue) -> None:
    message_id = queue.send("build-1")
    [job] = queue.receive(wait_s=0, max_messages=10, visibility_s=30)
    assert (job.build_id, job.message_id, job.receive_count, job.error) == (
        "build-1", message_id, 1, None)
    queue.extend(job.receipt_handle, 60)
    assert queue.receive(wait_s=0, max_messages=10, visibility_s=30) == []
    queue.delete(job.receipt_handle)


def test_a_malformed_job_is_returned_with_the_reason_not_dropped(
    aws: tuple[Settings, AwsClients], queue: JobQueue
) -> None:
    settings, clients = aws
    clients.sqs.send_message(QueueUrl=settings.queue_url, MessageBody='{"id": 3}')
    [job] = queue.receive(wait_s=0, max_messages=10, visibility_s=30)
    assert job.build_id == "" and job.body == '{"id": 3}'
    assert job.error is not None and 'must be {"build_id": "<id>"}' in job.error


def test_a_job_received_too_often_lands_in_the_dead_letter_queue(
    aws: tuple[Settings, AwsClients], queue: JobQueue
) -> None:
    settings, clients = aws
    queue.send("build-poison")
    counts = []
    for _ in range(settings.max_receive_count):
        [job] = queue.receive(wait_s=0, max_messages=1, visibility_s=0)
        counts.append(job.receive_count)
    assert counts == list(range(1, settings.max_receive_count + 1))
    assert queue.receive(wait_s=0, max_messages=1, visibility_s=0) == []
    dlq_url = clients.sqs.get_queue_url(QueueName=settings.dlq_name)["QueueUrl"]
    dead = clients.sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert [json.loads(m["Body"]) for m in dead] == [{"build_id": "build-poison"}]


def test_finds_the_queue_by_name_when_only_the_name_is_known(
    aws: tuple[Settings, AwsClients],
) -> None:
    settings, clients = aws
    by_name = JobQueue(clients.sqs, queue_name=settings.queue_name)
    by_name.send("build-2")
    assert by_name.queue_url == settings.queue_url
    [job] = by_name.receive(wait_s=0, max_messages=1, visibility_s=30)
    assert job.build_id == "build-2"


def test_a_missing_queue_keeps_the_aws_error_code(aws: tuple[Settings, AwsClients]) -> None:
    _, clients = aws
    with pytest.raises(StoreError) as caught:
        JobQueue(clients.sqs, queue_name="no-such-queue").send("build-3")
    assert caught.value.code is not None and "NonExistentQueue" in caught.value.code
    assert "find queue no-such-queue failed" in str(caught.value)
