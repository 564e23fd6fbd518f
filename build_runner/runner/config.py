"""The runner's configuration and the stores it works through, built once from the settings."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apkgen_core.settings import Settings
from build_runner.generate.pipeline import DEFAULT_CACHE_DIR
from build_runner.redact import NOTHING, Redactor
from build_runner.runner.email import Mailer
from build_runner.runner.outcome import lease_seconds
from chalicelib.aws import AwsClients
from chalicelib.builds import BuildStore
from chalicelib.connections import ConnectionStore
from chalicelib.jobs import JobQueue
from chalicelib.logstore import LogStore
from chalicelib.uploads import ObjectStore


def default_runner_id() -> str:
    """``host-pid-random``: unique per process, readable in logs and in the build item."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


def default_concurrency() -> int:
    """The cores this process may run on (its CPU affinity where the system says so)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def concurrency_of(setting: int) -> int:
    """The builds to run at once for ``APKGEN_RUNNER_CONCURRENCY`` (0: one per core)."""
    if setting < 0:
        raise ValueError(f"APKGEN_RUNNER_CONCURRENCY={setting}: give the number of builds a "
                         "runner runs at once (1 or more), or 0 for one per core")
    return setting or default_concurrency()


@dataclass(frozen=True)
class RunnerConfig:
    """Timeouts and limits of one runner process (seconds unless named otherwise)."""

    runner_id: str = field(default_factory=default_runner_id)
    # Builds run at once, each in its own thread with its own work folder, lease and heartbeat;
    # the generator and the fan-out hub are shared.
    concurrency: int = field(default_factory=default_concurrency)
    wait_s: int = 20  # SQS long poll
    # The long poll is made of receives of at most this long, so a SIGTERM stops an idle runner
    # within one of them (the SQS call itself cannot be interrupted).
    stop_check_s: int = 2
    visibility_s: int = 120  # a received job stays hidden this long, extended by the heartbeat
    heartbeat_s: float = 30.0
    lease_s: float = 90.0  # see outcome.lease_seconds
    max_receive_count: int = 3
    retry_delay_s: int = 30  # a crashed attempt's job reappears after this
    cancel_check_s: float = 1.0  # cancel_requested is read at most this often
    flush_timeout_s: float = 30.0  # how long the final log flush may take
    error_backoff_s: float = 5.0  # wait after SQS/DynamoDB could not be reached
    work_dir: Path = Path("/tmp/apkgen-work")
    # What the organizer must not read (paths, internal endpoints): see build_runner.redact.
    redact: Redactor = NOTHING

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RunnerConfig:
        """The config from ``settings``; ``overrides`` replace any field."""
        values: dict[str, Any] = {
            "concurrency": concurrency_of(settings.runner_concurrency),
            "visibility_s": settings.visibility_timeout_s,
            "heartbeat_s": float(settings.heartbeat_s),
            "lease_s": lease_seconds(settings.visibility_timeout_s, settings.heartbeat_s),
            "max_receive_count": settings.max_receive_count,
            "work_dir": Path(settings.work_dir) / "runner",
            "redact": Redactor.of(
                {settings.work_dir: "<work>", str(DEFAULT_CACHE_DIR): "<cache>",
                 str(Path.home()): "~"},
                [settings.aws_endpoint_url, settings.ws_management_url, settings.queue_url]),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"a runner runs at least one build at a time, not {self.concurrency}")


@dataclass
class Services:
    """The stores and queues the runner uses (chalicelib's, over the same clients)."""

    builds: BuildStore
    logs: LogStore
    connections: ConnectionStore
    objects: ObjectStore
    queue: JobQueue
    dlq: JobQueue | None = None
    mailer: Mailer | None = None

    @classmethod
    def from_clients(cls, settings: Settings, clients: AwsClients) -> Services:
        """Every store over ``clients``; looks up the queue URLs that the settings lack."""
        queue_url = settings.queue_url or clients.sqs.get_queue_url(
            QueueName=settings.queue_name
        )["QueueUrl"]
        dlq_url = clients.sqs.get_queue_url(QueueName=settings.dlq_name)["QueueUrl"]
        mailer = (
            Mailer(clients.ses, settings.ses_sender, settings.public_url)
            if settings.ses_sender
            else None
        )
        return cls(
            builds=BuildStore(clients.dynamodb, settings.builds_table),
            logs=LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days),
            connections=ConnectionStore(
                clients.dynamodb, settings.connections_table, settings.connection_ttl_s
            ),
            objects=ObjectStore(
                clients.s3, settings.bucket, presign_expiry_s=settings.presign_expiry_s
            ),
            queue=JobQueue(clients.sqs, queue_url),
            dlq=JobQueue(clients.sqs, dlq_url),
            mailer=mailer,
        )
