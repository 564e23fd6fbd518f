"""The process-wide service the Chalice handlers use, built once and replaceable by tests.

Lambda keeps a container warm between invocations, so settings, boto3 clients and stores are
built on first use and reused. ``configure(settings, clients)`` installs others (tests build
clients inside moto's ``mock_aws``; the local stack points them at moto's server).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.service import BuildService


@dataclass(frozen=True)
class Context:
    settings: Settings
    clients: AwsClients
    service: BuildService


_lock = threading.Lock()
# Held while the first context is built from the environment, so that concurrent first calls
# (local_ws runs handlers on many threads at once) share one context instead of each building
# its own clients and stores outside the lock.
_first_use = threading.Lock()
_current: Context | None = None


def configure(
    settings: Settings,
    clients: AwsClients | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> Context:
    """Install the settings and clients every handler uses from now on; returns the context."""
    global _current
    clients = clients or AwsClients(settings)
    context = Context(settings, clients, BuildService.from_clients(settings, clients, clock=clock))
    with _lock:
        _current = context
    return context


def current() -> Context:
    """The installed context, built from ``Settings.from_env()`` on first use."""
    with _lock:
        context = _current
    if context is not None:
        return context
    with _first_use:
        with _lock:
            context = _current
        return context if context is not None else configure(Settings.from_env())


def reset() -> None:
    """Forget the installed context (the next ``current()`` reads the environment again)."""
    global _current
    with _lock:
        _current = None
