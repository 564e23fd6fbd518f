"""Chalice's WebsocketAPI, sending through the ``@connections`` endpoint from the settings.

Chalice builds its management client from each event: ``https://{domainName}/{stage}`` (or from
the API id and region). Behind a custom domain, and behind ``local_ws`` (plain http on
loopback), that URL is wrong; the contract is that the endpoint is
``settings.ws_management_url``. So this subclass skips Chalice's per-event endpoint discovery
and hands out the ``apigatewaymanagementapi`` client of the current :class:`AwsClients`
(already built with that endpoint). ``send`` is Chalice's own: ``GoneException`` still becomes
``WebsocketDisconnectedError``. The client is looked up per call, so tests that install new
clients through ``context.configure`` are honoured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import WebsocketAPI


class ConfiguredWebsocketAPI(WebsocketAPI):
    """A WebsocketAPI whose client comes from ``client_source()`` instead of the event."""

    def __init__(self, client_source: Callable[[], Any]) -> None:
        super().__init__()
        self._client_source = client_source

    def configure(self, domain_name: str, stage: str) -> None:
        """Ignored: the endpoint is ``settings.ws_management_url``, not the event's domain."""

    def configure_from_api_id(self, api_id: str, stage: str) -> None:
        """Ignored, for the same reason (and it needs no region from the environment)."""

    def _get_client(self) -> Any:
        return self._client_source()
