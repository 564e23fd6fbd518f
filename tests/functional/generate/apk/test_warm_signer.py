"""The warm signer's JVM survives a build cancelled while it signs, and serves builds running at
once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from build_runner.errors import BuildCancelled
from build_runner.generate.pipeline import GenerateOptions, Generator
from build_runner.logs import BuildLog
from tests.functional.generate.hand_made import MODEL, apksigner_verify, build
from tests.list_sink import ListSink

pytestmark = pytest.mark.toolchain


def test_signer_recovers_after_a_build_cancelled_while_signing(generator: Generator,
                                                                tmp_path: Path) -> None:
    sink = ListSink()
    def while_signing() -> bool:
        return any(r.step == "sign" for r in sink.records)
    with pytest.raises(BuildCancelled, match="while signing"):
        generator.build_model(MODEL, tmp_path / "a.apk", GenerateOptions(), BuildLog(sink),
                              while_signing)
    build(generator, tmp_path / "b.apk")
    assert apksigner_verify(tmp_path / "b.apk")["v3"]


def test_builds_sharing_one_generator_at_once_each_get_a_verified_apk(
        generator: Generator, tmp_path: Path) -> None:
    # A runner runs several builds at a time through one Generator: the warm signer's one JVM
    # takes their sign and verify requests in turns.
    outs = [tmp_path / f"app-{n}.apk" for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda out: build(generator, out)[0], outs))
    assert [result.apk_path for result in results] == outs
    for out in outs:
        assert apksigner_verify(out)["v3"]
