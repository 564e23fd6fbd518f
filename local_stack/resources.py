"""Creates apkgen's AWS resources, idempotently: bucket, queue + dead-letter queue, tables.

Used by the functional tests (inside moto's ``mock_aws``) and by the local stack (against
moto's server). The shapes follow docs/contracts.md; the deployment's template creates the
same resources on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.connections import BY_CONNECTION_INDEX
from chalicelib.errors import StoreError, error_code

# Browsers upload exports straight to the bucket with the presigned POST from POST /uploads.
BUCKET_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["POST", "GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag", "Location"],
            "MaxAgeSeconds": 3600,
        }
    ]
}


def table_definitions(settings: Settings) -> list[dict[str, Any]]:
    """``create_table`` arguments for the builds, connections and logs tables. Pure."""
    return [
        {
            "TableName": settings.builds_table,
            "KeySchema": [{"AttributeName": "build_id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "build_id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": settings.connections_table,
            "KeySchema": [
                {"AttributeName": "build_id", "KeyType": "HASH"},
                {"AttributeName": "connection_id", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "build_id", "AttributeType": "S"},
                {"AttributeName": "connection_id", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": BY_CONNECTION_INDEX,
                    "KeySchema": [{"AttributeName": "connection_id", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": settings.logs_table,
            "KeySchema": [
                {"AttributeName": "build_id", "KeyType": "HASH"},
                {"AttributeName": "last_seq", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "build_id", "AttributeType": "S"},
                {"AttributeName": "last_seq", "AttributeType": "N"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ]


TTL_ATTRIBUTE = "expires_at"


def _create_bucket(settings: Settings, s3: Any) -> None:
    kwargs: dict[str, Any] = {"Bucket": settings.bucket}
    if settings.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
    try:
        s3.create_bucket(**kwargs)
    except ClientError as exc:
        if error_code(exc) != "BucketAlreadyOwnedByYou":
            raise StoreError.from_boto(f"create bucket {settings.bucket}", exc) from exc
    s3.put_bucket_cors(Bucket=settings.bucket, CORSConfiguration=BUCKET_CORS)


def _create_queues(settings: Settings, sqs: Any) -> dict[str, str]:
    dlq_url = sqs.create_queue(QueueName=settings.dlq_name)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    attributes = {
        "VisibilityTimeout": str(settings.visibility_timeout_s),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(settings.max_receive_count)}
        ),
    }
    try:
        queue_url = sqs.create_queue(QueueName=settings.queue_name, Attributes=attributes)[
            "QueueUrl"
        ]
    except ClientError as exc:
        if error_code(exc) not in ("QueueAlreadyExists", "QueueNameExists"):
            raise StoreError.from_boto(f"create queue {settings.queue_name}", exc) from exc
        # It exists with other attributes (settings changed): bring it in line.
        queue_url = sqs.get_queue_url(QueueName=settings.queue_name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes=attributes)
    return {"queue_url": queue_url, "dlq_url": dlq_url, "dlq_arn": dlq_arn}


def _create_tables(settings: Settings, dynamodb: Any) -> None:
    for definition in table_definitions(settings):
        name = definition["TableName"]
        try:
            dynamodb.create_table(**definition)
        except ClientError as exc:
            if error_code(exc) != "ResourceInUseException":
                raise StoreError.from_boto(f"create table {name}", exc) from exc
        dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        if name in (settings.connections_table, settings.logs_table):
            current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
                )


def create_resources(settings: Settings, clients: AwsClients) -> dict[str, Any]:
    """Create (or bring up to date) every resource apkgen needs; safe to call again.

    Returns ``{"bucket", "queue_url", "dlq_url", "dlq_arn", "tables"}``. Raises StoreError
    with the AWS code when a resource cannot be created.
    """
    _create_bucket(settings, clients.s3)
    queues = _create_queues(settings, clients.sqs)
    _create_tables(settings, clients.dynamodb)
    if settings.ses_sender:
        clients.ses.verify_email_identity(EmailAddress=settings.ses_sender)
    return {
        "bucket": settings.bucket,
        **queues,
        "tables": [settings.builds_table, settings.connections_table, settings.logs_table],
    }
