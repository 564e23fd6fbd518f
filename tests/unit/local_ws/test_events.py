"""The Lambda events have API Gateway's WebSocket shapes."""

from __future__ import annotations

import base64
import re

from local_ws.events import (
    ApiContext,
    ConnectionInfo,
    connect_event,
    disconnect_event,
    disconnect_reason,
    message_event,
    new_aws_id,
    request_time,
)

API = ApiContext(stage="local", domain_name="127.0.0.1:8001", api_id="abc123")
CONN = ConnectionInfo(
    connection_id="L0SM9cOFvHcCIhw=",
    connected_at_ms=1_718_000_000_000,
    source_ip="127.0.0.1",
    user_agent="viewer/1",
)
CONTEXT_KEYS = {
    "routeKey",
    "eventType",
    "extendedRequestId",
    "requestTime",
    "messageDirection",
    "stage",
    "connectedAt",
    "requestTimeEpoch",
    "identity",
    "requestId",
    "domainName",
    "connectionId",
    "apiId",
}


def test_ids_look_like_aws_connection_ids() -> None:
    # AWS's ids are URL-safe base64, e.g. "JC1dgf9yoAMCK-g=" (never "+" or "/").
    ids = {new_aws_id() for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{15}=", value)


def test_a_client_without_a_user_agent_has_no_user_agent_in_its_identity() -> None:
    anonymous = ConnectionInfo("JC1dgf9yoAMCK-g=", 1, "10.0.0.9", None)
    for event in (
        connect_event(API, anonymous, headers=[], query_string="", request_id="r", now_ms=1),
        message_event(API, anonymous, body="x", request_id="r", message_id="m", now_ms=1),
        disconnect_event(API, anonymous, status_code=1000, reason="", request_id="r", now_ms=1),
    ):
        assert event["requestContext"]["identity"] == {"sourceIp": "10.0.0.9"}


def test_request_time_uses_api_gateways_format() -> None:
    assert request_time(1_549_752_649_376) == "09/Feb/2019:22:50:49 +0000"


def test_connect_event_has_headers_query_and_request_context() -> None:
    event = connect_event(
        API,
        CONN,
        headers=[("Host", "h"), ("X-Tag", "a"), ("X-Tag", "b")],
        query_string="build=abc&x=1&x=2",
        request_id="req",
        now_ms=1_718_000_000_050,
    )
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"build": "abc", "x": "2"}
    assert event["multiValueQueryStringParameters"] == {"build": ["abc"], "x": ["1", "2"]}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN"
    assert context["connectionId"] == "L0SM9cOFvHcCIhw="
    assert context["connectedAt"] == 1_718_000_000_000
    assert context["requestTimeEpoch"] == 1_718_000_000_050
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "viewer/1"}
    assert (context["stage"], context["domainName"], context["apiId"]) == (
        "local",
        "127.0.0.1:8001",
        "abc123",
    )


def test_connect_event_without_query_string_has_no_query_keys() -> None:
    event = connect_event(API, CONN, headers=[], query_string="", request_id="r", now_ms=1)
    assert "queryStringParameters" not in event
    assert "multiValueQueryStringParameters" not in event


def test_text_message_event_carries_the_body_as_is() -> None:
    event = message_event(
        API, CONN, body='{"action": "resume"}', request_id="r", message_id="m", now_ms=5
    )
    assert event["body"] == '{"action": "resume"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS | {"messageId"}
    assert (context["routeKey"], context["eventType"], context["messageId"]) == (
        "$default",
        "MESSAGE",
        "m",
    )


def test_binary_message_event_is_base64_encoded() -> None:
    event = message_event(API, CONN, body=b"\x00\xff", request_id="r", message_id="m", now_ms=5)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_disconnect_event_has_status_code_reason_and_fixed_headers() -> None:
    event = disconnect_event(
        API, CONN, status_code=1001, reason="Going away", request_id="r", now_ms=9
    )
    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS | {"disconnectStatusCode", "disconnectReason"}
    assert (context["routeKey"], context["eventType"]) == ("$disconnect", "DISCONNECT")
    assert context["disconnectStatusCode"] == 1001
    assert context["disconnectReason"] == "Going away"
    assert event["headers"]["Host"] == "127.0.0.1:8001"
    assert "queryStringParameters" not in event


def test_disconnect_reason_prefers_the_peers_reason_then_aws_text() -> None:
    assert disconnect_reason(4000, "bye") == "bye"
    assert disconnect_reason(1005, "") == "Client-side close frame status not set"
    assert disconnect_reason(4321, "") == "Close code 4321"
