"""Fixtures: local_ws serving the inline test app on free ports, and a boto3 client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_ws import RunningLocalWs, start
from tests.functional.local_ws.wsapp import Recorder, make_app, management_client


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def serve(recorder: Recorder) -> Iterator[Callable[..., RunningLocalWs]]:
    """``serve(**options)`` starts local_ws for the inline app; stopped after the test."""
    running: list[RunningLocalWs] = []

    def _serve(**options: Any) -> RunningLocalWs:
        server = start(make_app(recorder), "127.0.0.1", **options)
        running.append(server)
        return server

    yield _serve
    for server in running:
        server.close()


@pytest.fixture
def local_ws(serve: Callable[..., RunningLocalWs]) -> RunningLocalWs:
    return serve()


@pytest.fixture
def client(local_ws: RunningLocalWs) -> Any:
    return management_client(local_ws)
