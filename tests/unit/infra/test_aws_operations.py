"""What a boto3 method is in AWS's terms, and what a receiver's name says about its service."""

from __future__ import annotations

from infra.aws_operations import actions_for, hinted_service, operations


def test_hints_read_the_service_from_a_receivers_name():
    assert hinted_service("_db") == "dynamodb"
    assert hinted_service("s3_client") == "s3"
    assert hinted_service("websocket_api") == "apigatewaymanagementapi"
    assert hinted_service("messages") is None


def test_a_boto3_method_is_the_operation_botocore_names():
    assert operations("dynamodb")["put_item"] == "PutItem"
    assert operations("sqs")["change_message_visibility"] == "ChangeMessageVisibility"


def test_an_operation_needs_its_own_action_unless_it_needs_more():
    assert actions_for("dynamodb", "PutItem") == ("dynamodb:PutItem",)
    assert actions_for("s3", "HeadObject") == ("s3:GetObject", "s3:ListBucket")


def test_every_call_of_the_management_api_needs_manage_connections():
    assert actions_for("apigatewaymanagementapi", "PostToConnection") == (
        "execute-api:ManageConnections",)
    assert actions_for("apigatewaymanagementapi", "DeleteConnection") == (
        "execute-api:ManageConnections",)
