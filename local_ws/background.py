"""local_ws on a thread of its own: :func:`start` for tests and the local stack.

The servers run on a new event loop in a daemon thread; :func:`start` returns once both ports
are bound, with a :class:`RunningLocalWs` that reports them, runs code on the loop
(:meth:`RunningLocalWs.call`) and stops it all (:meth:`RunningLocalWs.close`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from local_ws.server import LocalWebSocketAPI

START_TIMEOUT_S = 30.0


class RunningLocalWs:
    """A :class:`LocalWebSocketAPI` serving on its own thread; returned by :func:`start`."""

    def __init__(
        self, api: LocalWebSocketAPI, loop: asyncio.AbstractEventLoop, thread: threading.Thread
    ) -> None:
        self.api = api
        self._loop = loop
        self._thread = thread

    @property
    def ws_port(self) -> int:
        return self.api.ws_port

    @property
    def mgmt_port(self) -> int:
        return self.api.mgmt_port

    @property
    def ws_url(self) -> str:
        return self.api.ws_url

    @property
    def management_url(self) -> str:
        return self.api.management_url

    def call(self, func: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run ``func`` on the server's loop (to read the registry safely) and return its result."""

        async def _call() -> Any:
            return func()

        return asyncio.run_coroutine_threadsafe(_call(), self._loop).result(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Stop serving: close connections (running ``$disconnect``), stop the thread."""
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.api.aclose(), self._loop)
        try:
            future.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> RunningLocalWs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(
    app: Any, host: str = "127.0.0.1", ws_port: int = 0, mgmt_port: int = 0, **options: Any
) -> RunningLocalWs:
    """Serve ``app``'s WebSocket handlers on a background thread; returns once both ports are bound.

    ``options`` are :class:`LocalWebSocketAPI`'s keyword options. Raises ``OSError`` if a port
    is taken. Call ``close()`` (or use it as a context manager) to stop.
    """
    api = LocalWebSocketAPI(app, host=host, **options)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(api.start(ws_port, mgmt_port))
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=run, name="local_ws", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT_S):
        raise TimeoutError(f"local_ws did not bind its ports within {START_TIMEOUT_S} s")
    if failure:
        raise failure[0]
    return RunningLocalWs(api, loop, thread)
