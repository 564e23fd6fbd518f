"""create_resources makes every resource of the contract, and can run twice (moto)."""

from __future__ import annotations

import dataclasses
import json

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from local_stack.resources import create_resources


def test_creates_tables_with_the_index_and_time_to_live(aws: tuple[Settings, AwsClients]) -> None:
    settings, clients = aws
    db = clients.dynamodb
    connections = db.describe_table(TableName=settings.connections_table)["Table"]
    [index] = connections["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_connection"
    assert index["KeySchema"] == [{"AttributeName": "connection_id", "KeyType": "HASH"}]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    logs = db.describe_table(TableName=settings.logs_table)["Table"]
    assert logs["KeySchema"][1] == {"AttributeName": "last_seq", "KeyType": "RANGE"}
    for table in (settings.connections_table, settings.logs_table):
        ttl = db.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_creates_the_queue_with_its_dead_letter_queue_and_visibility(
    aws: tuple[Settings, AwsClients],
) -> None:
    settings, clients = aws
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=settings.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == str(settings.visibility_timeout_s)
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + settings.dlq_name)
    assert int(redrive["maxReceiveCount"]) == settings.max_receive_count


def test_lets_browsers_post_uploads_to_the_bucket(aws: tuple[Settings, AwsClients]) -> None:
    settings, clients = aws
    [rule] = clients.s3.get_bucket_cors(Bucket=settings.bucket)["CORSRules"]
    assert "POST" in rule["AllowedMethods"] and rule["AllowedOrigins"] == ["*"]


def test_verifies_the_sender_address(aws: tuple[Settings, AwsClients]) -> None:
    settings, clients = aws
    assert settings.ses_sender in clients.ses.list_identities()["Identities"]


def test_running_again_changes_nothing_and_applies_new_queue_settings(
    aws: tuple[Settings, AwsClients],
) -> None:
    settings, clients = aws
    again = create_resources(settings, clients)
    assert again["queue_url"] == settings.queue_url
    changed = dataclasses.replace(settings, visibility_timeout_s=300)
    create_resources(changed, clients)
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=settings.queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "300"
