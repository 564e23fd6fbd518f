"""Which requests change moto's state: told from the target, the credential scope or the form."""

from __future__ import annotations

import json

from local_stack.moto_requests import (
    SERVICES,
    classify,
    has_messages,
    long_poll_wait_s,
    short_poll_body,
)

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{}/aws4_request, Signed..."


def dynamodb(action: str) -> dict[str, str]:
    return {"X-Amz-Target": f"DynamoDB_20120810.{action}"}


def test_dynamodb_writes_change_dynamodb_and_reads_change_nothing() -> None:
    assert classify("POST", "/", "", dynamodb("PutItem"), b"{}").changes == {"dynamodb"}
    assert classify("POST", "/", "", dynamodb("UpdateItem"), b"{}").changes == {"dynamodb"}
    assert classify("POST", "/", "", dynamodb("Query"), b"{}").changes == frozenset()
    assert classify("POST", "/", "", dynamodb("GetItem"), b"{}").changes == frozenset()


def test_sqs_json_actions_are_told_apart_by_their_target() -> None:
    send = classify("POST", "/", "", {"X-Amz-Target": "AmazonSQS.SendMessage"}, b"{}")
    assert send.changes == {"sqs"} and not send.receive
    attrs = classify("POST", "/", "", {"x-amz-target": "AmazonSQS.GetQueueAttributes"}, b"{}")
    assert attrs.changes == frozenset()
    assert classify("POST", "/", "", {"X-Amz-Target": "AmazonSQS.ReceiveMessage"}, b"").receive


def test_s3_requests_change_s3_unless_they_only_read() -> None:
    headers = {"Authorization": SIGNED.format("s3")}
    assert classify("PUT", "/bucket/key", "", headers, b"zip").changes == {"s3"}
    assert classify("DELETE", "/bucket/key", "", headers, b"").changes == {"s3"}
    assert classify("GET", "/bucket/key", "", headers, b"").changes == frozenset()
    assert classify("HEAD", "/bucket/key", "", headers, b"").changes == frozenset()


def test_a_presigned_browser_upload_is_an_s3_change() -> None:
    form = b'--x\r\nContent-Disposition: form-data; name="x-amz-credential"\r\n\r\n'
    form += b"testing/20260101/us-east-1/s3/aws4_request\r\n--x--"
    assert classify("POST", "/bucket", "", {}, form).changes == {"s3"}


def test_query_protocol_actions_come_from_the_form() -> None:
    headers = {"Authorization": SIGNED.format("ses")}
    verify = classify("POST", "/", "", headers, b"Action=VerifyEmailIdentity&EmailAddress=a")
    assert verify.service == "ses" and verify.changes == {"ses"}
    listing = classify("POST", "/", "", headers, b"Action=ListIdentities")
    assert listing.changes == frozenset()


def test_an_unknown_request_that_is_not_a_read_may_change_everything() -> None:
    assert classify("POST", "/", "", {}, b"").changes == SERVICES
    assert classify("GET", "/", "", {}, b"").changes == frozenset()
    assert classify("POST", "/moto-api/reset", "", {}, b"").changes == SERVICES


def test_a_long_poll_is_asked_again_without_waiting() -> None:
    kind = classify("POST", "/", "", {"X-Amz-Target": "AmazonSQS.ReceiveMessage"}, b"")
    body = json.dumps({"QueueUrl": "q", "WaitTimeSeconds": 20}).encode()
    assert long_poll_wait_s(kind, body) == 20
    assert json.loads(short_poll_body(body)) == {"QueueUrl": "q", "WaitTimeSeconds": 0}
    send = classify("POST", "/", "", {"X-Amz-Target": "AmazonSQS.SendMessage"}, b"")
    assert long_poll_wait_s(send, body) == 0


def test_an_answer_with_messages_is_told_from_an_empty_one() -> None:
    assert has_messages(b'{"Messages": [{"Body": "x"}]}')
    assert not has_messages(b"{}")
    assert not has_messages(b'{"Messages": []}')
    assert has_messages(b"<ReceiveMessageResult><Message><Body>x</Body></Message>")
