"""Every real sample export becomes an APK that verifies and carries the event's sessions.

One warm Generator serves the module; its clock is a test clock, so version codes are known.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from androguard.core.apk import APK
from PIL import Image

from build_runner.errors import BuildCancelled, InputError
from build_runner.generate.apk.aapt import badging
from build_runner.generate.apk.identity import derive_package
from build_runner.generate.model import EventModel
from build_runner.generate.pipeline import (
    GenerateOptions,
    GenerateResult,
    Generator,
    GeneratorConfig,
    generate,
)
from build_runner.generate.source import load_event
from build_runner.generate.webapp import parse_data_js
from build_runner.logs import STEPS, BuildLog
from tests.list_sink import ListSink
from tests.open_event_samples import SAMPLE_ZIPS, SAMPLES_DIR, published

pytestmark = pytest.mark.toolchain

SAMPLES = SAMPLE_ZIPS
SPARK = SAMPLES_DIR / "SparkSummit17.zip"


class Clock:
    """A settable clock for the generator (version codes come from it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def generator(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path,
              clock: Clock) -> Iterator[Generator]:
    config = GeneratorConfig(work_dir=tmp_path_factory.mktemp("work"), cache_dir=cache_dir)
    with Generator(config, clock=clock) as warm:
        yield warm


def loaded_model(sample: Path, tmp_path: Path) -> EventModel:
    return load_event(sample, tmp_path / "w", tmp_path / "a", BuildLog()).model


def apksigner_schemes(apk: Path) -> dict[str, bool]:
    out = subprocess.run(["apksigner", "verify", "--verbose", str(apk)], capture_output=True,
                         text=True, check=True).stdout
    return {m.group(1): m.group(2) == "true"
            for m in re.finditer(r"Verified using (v\d) scheme[^:]*: (true|false)", out)}


def test_samples_are_present() -> None:
    assert SAMPLES, f"expected the sample zips in {SAMPLES_DIR}"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_becomes_a_verified_apk_with_its_public_sessions_and_speakers(
        generator: Generator, sample: Path, tmp_path: Path) -> None:
    model = loaded_model(sample, tmp_path / "expected")
    sink = ListSink()
    out = tmp_path / "app.apk"
    result = generator.generate(sample, out, GenerateOptions(), BuildLog(sink))

    assert apksigner_schemes(out) == {"v1": True, "v2": True, "v3": True, "v4": False}
    found = badging(out)
    expected_package = derive_package(model.event.id, model.event.name)
    assert (found.package, found.label) == (expected_package, model.event.name.strip())
    assert found.launchable_activity == "org.apkgen.shell.MainActivity"
    assert (result.package, result.label) == (found.package, found.label)

    data = parse_data_js(APK(str(out)).get_file("assets/data.js").decode("utf-8"))
    assert [s["title"] for s in data["sessions"]] == [s.title for s in model.sessions]
    expected = published(sample)
    assert (len(data["sessions"]), len(data["speakers"])) == (expected.sessions,
                                                               expected.speakers)

    steps = [r.step for r in sink.records if r.text.startswith("✓")]
    assert steps == [s for s in STEPS if s in steps]
    assert steps[-6:] == ["images", "webapp", "package", "align", "sign", "verify"]
    assert not [r for r in sink.records if r.level == "error"]


def test_result_and_report_describe_the_apk(generator: Generator, tmp_path: Path) -> None:
    out = tmp_path / "spark.apk"
    result = generator.generate(SPARK, out, GenerateOptions(), BuildLog())
    assert isinstance(result, GenerateResult)
    assert result.size == out.stat().st_size
    summary = result.report["summary"]
    assert summary == {"package": result.package, "label": "Spark Summit 2017",
                       "version_code": result.version_code,
                       "version_name": "1.0.202606011200", "size": result.size,
                       "sha256": result.sha256, "warnings": result.report["warning_count"]}
    assert result.report["error_count"] == 0
    assert result.report["warning_count"] == len(result.report["warnings"]) > 0


def test_a_later_build_of_the_same_event_is_an_update(generator: Generator, clock: Clock,
                                                      tmp_path: Path) -> None:
    first = generator.generate(SPARK, tmp_path / "1.apk", GenerateOptions(), BuildLog())
    clock.now += 3600
    second = generator.generate(SPARK, tmp_path / "2.apk", GenerateOptions(), BuildLog())
    assert second.package == first.package
    assert second.version_code == first.version_code + 60
    certs = [APK(str(tmp_path / n)).get_certificates_der_v2() for n in ("1.apk", "2.apk")]
    assert certs[0] == certs[1] and certs[0]


def test_the_logo_becomes_the_launcher_icon(generator: Generator, tmp_path: Path) -> None:
    out = tmp_path / "spark.apk"
    generator.generate(SPARK, out, GenerateOptions(primary_color="#000000"), BuildLog())
    icon = APK(str(out)).get_file("res/mipmap-xxxhdpi-v4/ic_launcher.png")
    assert icon.startswith(b"\x89PNG")
    with Image.open(BytesIO(icon)) as image:
        assert image.size == (192, 192)
        # Initials on black would have black at the left edge; the logo leaves it transparent.
        alpha = image.convert("RGBA").getchannel("A")
        assert alpha.getpixel((2, 96)) == 0


def test_a_broken_upload_is_an_input_error_and_writes_nothing(generator: Generator,
                                                              tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(InputError) as caught:
        generator.generate(bad, tmp_path / "app.apk", GenerateOptions(), BuildLog())
    assert caught.value.problems
    assert not (tmp_path / "app.apk").exists()
    assert not list(generator.config.work_dir.iterdir())


def test_cancel_after_the_input_steps_stops_before_the_web_app(generator: Generator,
                                                               tmp_path: Path) -> None:
    sink = ListSink()
    def after_images() -> bool:
        return any(r.step == "images" for r in sink.records)
    with pytest.raises(BuildCancelled, match="before the web app step"):
        generator.generate(SPARK, tmp_path / "app.apk", GenerateOptions(), BuildLog(sink),
                           after_images)
    assert not (tmp_path / "app.apk").exists()
    assert not list(generator.config.work_dir.iterdir())


def test_one_shot_generate_starts_and_stops_its_own_generator(cache_dir: Path,
                                                              tmp_path: Path) -> None:
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=cache_dir)
    result = generate(SPARK, tmp_path / "app.apk", config=config)
    assert result.label == "Spark Summit 2017"
    assert apksigner_schemes(tmp_path / "app.apk")["v3"]
