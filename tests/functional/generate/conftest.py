"""Fixtures of the generation's functional tests: one warm Generator per test module (its dex,
key and JVM prepared once) with its cache, and the fake eventyay server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from build_runner.generate.pipeline import Generator, GeneratorConfig
from tests.functional.generate.eventyay_fake import FakeEventyay, sample_event, serving


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("apkgen-cache")


@pytest.fixture(scope="module")
def generator(cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generator]:
    config = GeneratorConfig(work_dir=tmp_path_factory.mktemp("work"), cache_dir=cache_dir)
    with Generator(config) as warm:
        yield warm


@pytest.fixture
def fake() -> Iterator[FakeEventyay]:
    """The fake eventyay server holding event 7 with 45 sessions."""
    with serving(sample_event(45)) as server:
        yield server
