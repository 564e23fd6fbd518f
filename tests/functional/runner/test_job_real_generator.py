"""The runner with the real generator: a sample export in S3 becomes a verified APK in S3."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from androguard.core.apk import APK

from build_runner.generate.pipeline import Generator, GeneratorConfig
from build_runner.runner.loop import Runner
from tests.functional.runner.conftest import Stack

pytestmark = pytest.mark.toolchain

SAMPLES_DIR = Path(__file__).parents[3] / ".." / "shared" / "samples" / "open-event"
SAMPLE = SAMPLES_DIR / "OpenTechSummit2018.zip"


@pytest.fixture(scope="module")
def generator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generator]:
    config = GeneratorConfig(work_dir=tmp_path_factory.mktemp("work"),
                             cache_dir=tmp_path_factory.mktemp("cache"))
    with Generator(config) as warm:
        yield warm


def test_builds_a_sample_export_into_a_verified_apk_and_streams_every_step(
    stack: Stack, generator: Generator, tmp_path: Path
) -> None:
    key = stack.services.objects.put_upload(SAMPLE.read_bytes())
    stack.new_build("b-real", source={"kind": "upload", "key": key},
                    options={"app_name": "OTS 2018", "primary_color": "#225588"})
    stack.watch("b-real", "viewer")
    runner = Runner(stack.services, generator, stack.hub,
                    dataclasses.replace(stack.config, runner_id="runner-real"))
    assert runner.poll_once(0) == 1

    build = stack.services.builds.get("b-real")
    assert build.status == "succeeded", build.error
    artifact = build.artifact or {}
    local = tmp_path / "app.apk"
    stack.clients.s3.download_file(stack.settings.bucket, artifact["key"], str(local))
    assert local.stat().st_size == artifact["size"]
    apk = APK(str(local))
    assert apk.get_package() == artifact["package"]
    assert apk.get_app_name() == "OTS 2018" == artifact["label"]
    report = stack.services.objects.get_json("artifacts/b-real/report.json")
    assert report["error_count"] == 0

    steps = [s["step"] for s in stack.recorder.statuses("viewer")]
    expected = ["extract", "validate", "normalize", "images", "webapp", "package", "align",
                "sign", "verify", "upload"]
    assert [s for s in steps if s in expected] == expected
    assert stack.recorder.statuses("viewer")[-1]["status"] == "succeeded"
    seqs = stack.recorder.seqs("viewer")
    assert seqs == list(range(1, len(seqs) + 1))
