"""What a request to moto is: which service, which action, which services' state it may change.

Pure: no moto, no sockets. :func:`classify` reads the method, path, query, headers and body;
the ``ReceiveMessage`` helpers (:func:`long_poll_wait_s`, :func:`short_poll_body`,
:func:`has_messages`) let ``local_stack.moto_state.StateGuard`` do an SQS long poll's waiting
itself, outside moto.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

SERVICES: frozenset[str] = frozenset({"s3", "sqs", "dynamodb", "ses"})
READ_ONLY: Mapping[str, frozenset[str]] = {
    "dynamodb": frozenset(
        {
            "GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "DescribeTimeToLive",
            "ListTables", "TransactGetItems", "DescribeContinuousBackups", "ListTagsOfResource",
            "DescribeEndpoints",
        }
    ),
    "sqs": frozenset(
        {"GetQueueUrl", "GetQueueAttributes", "ListQueues", "ListQueueTags",
         "ListDeadLetterSourceQueues"}
    ),
    "ses": frozenset(
        {"ListIdentities", "GetIdentityVerificationAttributes", "GetSendQuota",
         "GetSendStatistics", "ListVerifiedEmailAddresses"}
    ),
}  # fmt: skip
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECEIVE_MESSAGE = "ReceiveMessage"
_SCOPE = re.compile(r"/(s3|sqs|dynamodb|ses|email)/aws4_request")


@dataclass(frozen=True)
class RequestKind:
    """What a request to moto may do. ``changes``: the services whose state it may change
    (empty for a read); ``action``: the AWS action when the request names one."""

    service: str | None
    action: str | None
    changes: frozenset[str]

    @property
    def receive(self) -> bool:
        return self.service == "sqs" and self.action == RECEIVE_MESSAGE


def _action_from_form(text: str) -> str | None:
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key == "Action":
            return value
    return None


def classify(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> RequestKind:
    """Which service a request is for and which services' state it may change. Pure.

    The service comes from the JSON protocols' ``X-Amz-Target`` (DynamoDB, SQS) or the SigV4
    credential scope (header, presigned query string or presigned POST form); the action from
    the target or the query protocol's ``Action``. Unknown requests that are not reads may
    change anything. ``ReceiveMessage`` counts as a change only when it returns messages, which
    the caller knows afterwards (moving a message to the dead-letter queue is redone then).
    """
    method = method.upper()
    lowered = {k.lower(): v for k, v in headers.items()}
    if path.startswith("/moto-api"):
        return RequestKind(None, None, frozenset() if method in READ_METHODS else SERVICES)
    target = lowered.get("x-amz-target", "")
    service: str | None = None
    action: str | None = None
    if target.startswith("DynamoDB_"):
        service, action = "dynamodb", target.rpartition(".")[2]
    elif target.startswith("AmazonSQS."):
        service, action = "sqs", target.rpartition(".")[2]
    else:
        head = body[:8192].decode("latin-1")
        scope = _SCOPE.search(f"{lowered.get('authorization', '')} {unquote(query)} {head}")
        if scope:
            service = "ses" if scope.group(1) == "email" else scope.group(1)
        if service != "s3":
            action = _action_from_form(query) or _action_from_form(head)
    if service is None:
        return RequestKind(None, action, frozenset() if method in READ_METHODS else SERVICES)
    if service == "s3":
        changes = frozenset() if method in READ_METHODS else frozenset({"s3"})
        return RequestKind(service, None, changes)
    if action is None:
        changes = frozenset() if method in READ_METHODS else frozenset({service})
    else:
        changes = frozenset() if action in READ_ONLY.get(service, ()) else frozenset({service})
    return RequestKind(service, action, changes)


def long_poll_wait_s(kind: RequestKind, body: bytes) -> int:
    """The ``WaitTimeSeconds`` of an SQS ``ReceiveMessage`` in the JSON protocol, else 0. Pure."""
    if not kind.receive:
        return 0
    try:
        return max(0, int(json.loads(body or b"{}").get("WaitTimeSeconds") or 0))
    except (ValueError, TypeError, AttributeError):
        return 0


def short_poll_body(body: bytes) -> bytes:
    """The same ``ReceiveMessage`` request (JSON protocol) without waiting. Pure."""
    request = json.loads(body or b"{}")
    request["WaitTimeSeconds"] = 0
    return json.dumps(request).encode()


def has_messages(answer: bytes) -> bool:
    """Whether a ``ReceiveMessage`` answer (JSON or XML) holds any message. Pure."""
    if answer.lstrip().startswith(b"{"):
        try:
            return bool(json.loads(answer).get("Messages"))
        except ValueError:
            return True
    return b"<Message>" in answer
