"""The job queue: one SQS message per build, body ``{"build_id": "..."}``.

Everything else about a build lives in the builds table, so a message is only a wake-up call;
a redelivered message is harmless because claiming a build is a conditional write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import StoreError

MAX_WAIT_S = 20  # SQS long polling limit
MAX_MESSAGES = 10  # SQS batch limit


@dataclass(frozen=True)
class Job:
    """One received message. ``error`` is set (and ``build_id`` empty) when the body is not
    ``{"build_id": "<non-empty string>"}``: the caller reports it, then deletes the message or
    lets it reach the dead-letter queue. It is never dropped silently here."""

    build_id: str
    receipt_handle: str
    receive_count: int
    message_id: str
    body: str = ""
    error: str | None = None


def parse_body(body: str) -> tuple[str, str | None]:
    """``(build_id, None)`` for a good body, ``("", why)`` for a malformed one. Pure."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        return "", f"message body is not JSON ({exc}): {body[:200]!r}"
    build_id = data.get("build_id") if isinstance(data, dict) else None
    if not isinstance(build_id, str) or not build_id:
        return "", f'message body must be {{"build_id": "<id>"}}, got {body[:200]!r}'
    return build_id, None


def job_body(build_id: str) -> str:
    """The message body for ``build_id``."""
    return json.dumps({"build_id": build_id})


class JobQueue:
    """Sends and receives build jobs. Raises StoreError (with the AWS code) when SQS fails."""

    def __init__(self, sqs_client: Any, queue_url: str | None = None, *,
                 queue_name: str | None = None) -> None:
        """Give ``queue_url``, or ``queue_name`` to look the URL up on first use."""
        if not queue_url and not queue_name:
            raise ValueError("JobQueue needs queue_url or queue_name")
        self._sqs = sqs_client
        self._url = queue_url
        self._name = queue_name

    @property
    def queue_url(self) -> str:
        """The queue's URL (looked up by name once, when only the name was given)."""
        if not self._url:
            try:
                self._url = str(self._sqs.get_queue_url(QueueName=self._name)["QueueUrl"])
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"find queue {self._name}", exc) from exc
        return self._url

    def send(self, build_id: str) -> str:
        """Queue ``build_id``; returns the message id."""
        try:
            answer = self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=job_body(build_id))
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"queue build {build_id}", exc) from exc
        return str(answer["MessageId"])

    def receive(self, wait_s: int, max_messages: int, visibility_s: int) -> list[Job]:
        """Long-poll for up to ``max_messages`` jobs (waiting up to ``wait_s``), hiding them for
        ``visibility_s``. Returns [] when none arrived."""
        try:
            answer = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                WaitTimeSeconds=max(0, min(wait_s, MAX_WAIT_S)),
                MaxNumberOfMessages=max(1, min(max_messages, MAX_MESSAGES)),
                VisibilityTimeout=visibility_s,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto("receive jobs", exc) from exc
        jobs = []
        for message in answer.get("Messages", []):
            body = message.get("Body", "")
            count = message.get("Attributes", {}).get("ApproximateReceiveCount", 1)
            build_id, error = parse_body(body)
            jobs.append(
                Job(
                    build_id=build_id,
                    receipt_handle=message["ReceiptHandle"],
                    receive_count=int(count),
                    message_id=message["MessageId"],
                    body=body,
                    error=error,
                )
            )
        return jobs

    def extend(self, receipt_handle: str, visibility_s: int) -> None:
        """Keep a job hidden for another ``visibility_s`` seconds (heartbeat)."""
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=receipt_handle,
                VisibilityTimeout=visibility_s,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto("extend a job's visibility", exc) from exc

    def delete(self, receipt_handle: str) -> None:
        """Remove a finished job from the queue."""
        try:
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle)
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto("delete a job", exc) from exc
