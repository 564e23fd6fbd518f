"""A build from an API URL, cancelled while the event downloads, ends cancelled within a second.

The real generator reads a fake eventyay server whose sessions hang after their headers; the
organizer's cancel reaches the download through the runner's cancel check, the generator and
``load_event``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from build_runner.generate.pipeline import Generator, GeneratorConfig
from build_runner.runner.loop import Runner
from tests.functional.generate.eventyay_fake import Dripping, sample_event, serving
from tests.functional.runner.conftest import Stack

pytestmark = pytest.mark.toolchain


@pytest.fixture(scope="module")
def generator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generator]:
    config = GeneratorConfig(work_dir=tmp_path_factory.mktemp("work"),
                             cache_dir=tmp_path_factory.mktemp("cache"), warm_signer=False)
    with Generator(config) as warm:
        yield warm


def test_a_cancel_while_the_event_downloads_ends_the_build_cancelled_within_a_second(
    stack: Stack, generator: Generator
) -> None:
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.time())
        stack.services.builds.request_cancel("b-fetch", cancelled_at[0])

    with serving(sample_event(5)) as fake:
        fake.faults["/v1/events/7/sessions"] = Dripping(every_s=5.0, on_start=cancel)
        stack.new_build("b-fetch", source={"kind": "url", "url": fake.base})
        stack.watch("b-fetch", "viewer")
        runner = Runner(stack.services, generator, stack.hub,
                        dataclasses.replace(stack.config, runner_id="runner-fetch"))
        assert runner.poll_once(0) == 1

    build = stack.services.builds.get("b-fetch")
    assert (build.status, build.error) == ("cancelled", "cancelled by the organizer")
    assert build.finished_at is not None and build.finished_at - cancelled_at[0] < 1.0
    assert stack.recorder.statuses("viewer")[-1]["status"] == "cancelled"
    assert build.artifact is None
