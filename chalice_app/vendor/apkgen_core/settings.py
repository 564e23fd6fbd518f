"""One settings object, read once from the environment.

The same code runs against AWS, against moto's server and against ``local_ws``: only these
settings differ. ``Settings.from_env(environ)`` takes any mapping, so tests hand it a fake
environment instead of patching ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MB = 1024 * 1024


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a yes/no value (use true or false)")


@dataclass(frozen=True)
class Settings:
    # Where AWS is. ``aws_endpoint_url`` None means real AWS; a URL means moto's server.
    region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    # Resources.
    bucket: str = "apkgen-local"
    builds_table: str = "apkgen-builds"
    connections_table: str = "apkgen-connections"
    logs_table: str = "apkgen-logs"
    queue_name: str = "apkgen-jobs"
    queue_url: str | None = None
    dlq_name: str = "apkgen-jobs-dlq"
    # The WebSocket API: where viewers connect, and its @connections management endpoint
    # (``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`` on AWS, local_ws locally).
    ws_url: str = "ws://127.0.0.1:8001"
    ws_management_url: str = "http://127.0.0.1:8002/local"
    # The public base URL of the HTTP API (links in status answers, emails, the web page).
    public_url: str = "http://127.0.0.1:8000"
    # Limits.
    max_upload_bytes: int = 50 * MB
    max_inline_upload_bytes: int = 6 * MB
    presign_expiry_s: int = 3600
    connection_ttl_s: int = 2 * 3600
    log_ttl_days: int = 30
    # Runner.
    visibility_timeout_s: int = 120
    heartbeat_s: int = 30
    max_receive_count: int = 3
    work_dir: str = "/tmp/apkgen-work"
    # Builds one runner process runs at once; 0 means one per core of the machine.
    runner_concurrency: int = 0
    # Whether an Open Event API URL (and image URLs) may point at private (RFC 1918) or loopback
    # addresses. True for the local stack; the AWS stack sets it false so an organizer's URL
    # cannot reach into the VPC. Link-local addresses (instance metadata) are always refused.
    fetch_private_hosts: bool = True
    # Signing. Without a keystore path the runner creates a development keystore outside the
    # repo on first use. Passwords are read from the environment and never logged.
    keystore_path: str | None = None
    keystore_password: str | None = None
    key_alias: str = "apkgen"
    key_password: str | None = None
    # Email (SES). Without a sender no email is sent.
    ses_sender: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``APKGEN_<FIELD>`` variables (``APKGEN_BUCKET`` …)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"APKGEN_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.type in ("bool", bool):
                values[f.name] = _parse_bool(f"APKGEN_{f.name.upper()}", raw)
            elif f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ValueError(
                        f"APKGEN_{f.name.upper()}={raw!r} is not a whole number"
                    ) from exc
            else:
                values[f.name] = raw
        return cls(**values)

    def redacted(self) -> dict[str, Any]:
        """The settings with passwords hidden, safe to log."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if "password" in f.name and value else value
        return out

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``boto3.client(...)`` for S3, SQS, DynamoDB and SES."""
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.aws_endpoint_url:
            kwargs["endpoint_url"] = self.aws_endpoint_url
        return kwargs
