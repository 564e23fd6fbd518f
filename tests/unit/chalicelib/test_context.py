"""The handlers' context is built once, even when many handlers start at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from apkgen_core.settings import Settings
from chalicelib import context


@pytest.fixture(autouse=True)
def fresh_context() -> Iterator[None]:
    context.reset()
    yield
    context.reset()


def test_concurrent_first_calls_share_one_context() -> None:
    start = threading.Barrier(16)
    seen: list[context.Context] = []

    def first_call() -> None:
        start.wait()
        seen.append(context.current())

    threads = [threading.Thread(target=first_call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(seen) == 16
    assert all(c is seen[0] for c in seen)


def test_configure_replaces_the_context_for_later_calls() -> None:
    installed = context.configure(Settings.from_env({"APKGEN_BUCKET": "other"}))
    assert context.current() is installed
    assert context.current().settings.bucket == "other"
