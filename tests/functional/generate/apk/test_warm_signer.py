"""The warm signer's JVM survives a build cancelled while it signs."""

from __future__ import annotations

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
