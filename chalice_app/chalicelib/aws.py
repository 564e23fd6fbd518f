"""The boto3 clients apkgen uses, built once from :class:`Settings`, each on first use.

The same object serves real AWS, moto's server and moto's in-process ``mock_aws``: only the
settings (endpoints) and the session (credentials) differ. Tests inject a session with fake
credentials, or whole clients made inside ``mock_aws``.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from apkgen_core.settings import Settings

_SERVICES = ("s3", "sqs", "dynamodb", "ses", "apigatewaymanagementapi")


class AwsClients:
    """Lazy boto3 clients: ``s3``, ``sqs``, ``dynamodb``, ``ses``, ``apigatewaymanagementapi``.

    ``overrides`` maps a service name to a ready client (tests). The management client's
    endpoint is ``settings.ws_management_url`` (API Gateway's ``@connections`` URL on AWS,
    ``local_ws`` locally). Clients are thread safe once built; building is guarded by a lock.
    ``max_pool_connections`` is each client's HTTP connection pool: give it the number of
    threads that call a client at once (the runner's fan-out workers), or the connections beyond
    it are opened and closed for every request.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: boto3.session.Session | None = None,
        overrides: dict[str, Any] | None = None,
        max_pool_connections: int = 10,
    ) -> None:
        unknown = set(overrides or {}) - set(_SERVICES)
        if unknown:
            raise ValueError(f"unknown AWS client(s) {sorted(unknown)}; known: {_SERVICES}")
        self.settings = settings
        self._session = session
        self._clients: dict[str, Any] = dict(overrides or {})
        self._lock = threading.Lock()
        if max_pool_connections < 1:
            raise ValueError(f"max_pool_connections must be at least 1, not {max_pool_connections}")
        self._pool = max_pool_connections

    def _build(self, service: str) -> Any:
        session = self._session or boto3.session.Session()
        kwargs = self.settings.client_kwargs()
        if service == "apigatewaymanagementapi":
            kwargs["endpoint_url"] = self.settings.ws_management_url
            # A gone viewer must not hold a build's fan-out for long.
            config = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})
        elif service == "s3":
            # Path-style URLs work with moto's server on 127.0.0.1 as well as with AWS.
            config = Config(
                s3={"addressing_style": "path"} if self.settings.aws_endpoint_url else {},
                signature_version="s3v4",
            )
        else:
            config = Config()
        kwargs["config"] = config.merge(Config(max_pool_connections=self._pool))
        return session.client(service, **kwargs)

    def client(self, service: str) -> Any:
        """The client for ``service`` (one of the five above), built on first use."""
        if service not in _SERVICES:
            raise ValueError(f"unknown AWS service {service!r}; known: {_SERVICES}")
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._build(service)
            return self._clients[service]

    @property
    def s3(self) -> Any:
        return self.client("s3")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def ses(self) -> Any:
        return self.client("ses")

    @property
    def apigatewaymanagementapi(self) -> Any:
        return self.client("apigatewaymanagementapi")
