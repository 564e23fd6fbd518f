"""A build whose job cannot be queued is not left waiting forever (moto)."""

from __future__ import annotations

import dataclasses

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.errors import StoreError
from chalicelib.service import BuildService


def test_a_build_whose_job_cannot_be_queued_is_taken_back_and_the_error_says_retry(
    aws: tuple[Settings, AwsClients],
) -> None:
    settings, clients = aws
    broken = dataclasses.replace(settings, queue_url="", queue_name="no-such-queue")
    service = BuildService.from_clients(broken, clients)
    with pytest.raises(StoreError) as caught:
        service.create_build({"api_url": "https://api.example.org/v1/events/7"})
    assert caught.value.code in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
    assert "no build was created: send the same request again" in str(caught.value)
    stored = clients.dynamodb.scan(TableName=settings.builds_table)
    assert stored["Count"] == 0


def test_a_queued_build_is_answered_with_its_links(aws: tuple[Settings, AwsClients]) -> None:
    settings, clients = aws
    created = BuildService.from_clients(settings, clients).create_build(
        {"api_url": "https://api.example.org/v1/events/7"}
    )
    assert created["status"] == "queued"
    stored = clients.dynamodb.scan(TableName=settings.builds_table)
    assert [item["build_id"]["S"] for item in stored["Items"]] == [created["build_id"]]
