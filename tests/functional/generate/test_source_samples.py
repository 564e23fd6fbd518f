"""The real Open Event exports in ../shared/samples load with no errors, and hold what each
one published: its public sessions and the speakers of those, counted from the export itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits
from build_runner.generate.source import LoadedEvent, load_event
from build_runner.logs import BuildLog
from tests.list_sink import ListSink
from tests.open_event_samples import SAMPLE_ZIPS, SAMPLES_DIR, published

SAMPLES = SAMPLES_DIR


def offline(host: str) -> list[str]:
    """The tests never reach the internet: every outside host is unreachable."""
    raise FetchError(f"the host {host} cannot be resolved (tests run offline)")


def load(zip_path: Path, tmp_path: Path) -> tuple[LoadedEvent, ListSink]:
    sink = ListSink()
    limits = Limits()
    loaded = load_event(zip_path, tmp_path / "work", tmp_path / "work" / "assets",
                        BuildLog(sink), limits, fetcher=Fetcher(limits, resolver=offline))
    return loaded, sink


def test_the_samples_are_there() -> None:
    assert SAMPLE_ZIPS, f"expected the Open Event sample zips in {SAMPLES_DIR}"


@pytest.mark.parametrize("zip_path", SAMPLE_ZIPS, ids=lambda p: p.stem)
def test_every_sample_loads_with_no_errors_and_what_it_published(
        zip_path: Path, tmp_path: Path) -> None:
    loaded, sink = load(zip_path, tmp_path)
    assert loaded.problems.error_count == 0
    assert [r for r in sink.records if r.level == "error"] == []
    model = loaded.model
    expected = published(zip_path)
    assert (len(model.sessions), len(model.speakers)) == (expected.sessions, expected.speakers)
    assert model.event.name
    assert len({s.id for s in model.sessions}) == len(model.sessions)
    assert len({s.id for s in model.speakers}) == len(model.speakers)
    for session in model.sessions:
        assert session.ends_at == "" or session.starts_at <= session.ends_at
        assert session.starts_at[-6] in "+-"  # an offset, never a naive time
        assert session.title


def test_spark_summit_has_39_sessions_in_its_pacific_time(tmp_path: Path) -> None:
    loaded, _ = load(SAMPLES / "SparkSummit17.zip", tmp_path)
    model = loaded.model
    assert len(model.sessions) == 39
    assert model.event.timezone == "America/Los_Angeles"  # "US/Pacific", by its current name
    assert model.event.starts_at == "2017-06-05T09:00:00-07:00"
    first = model.sessions[0]
    assert (first.id, first.starts_at, first.track_id, first.room_id) == (
        "1001", "2017-06-06T11:00:00-07:00", "455", "2")
    assert first.speaker_ids == ("1", "2")


def test_spark_summit_images_are_placed_shrunk_and_the_broken_ones_warned(
        tmp_path: Path) -> None:
    loaded, sink = load(SAMPLES / "SparkSummit17.zip", tmp_path)
    assets = tmp_path / "work" / "assets"
    model = loaded.model
    assert loaded.logo_path == assets / "images" / "logo.png"
    assert model.event.logo == "images/logo.png"
    with Image.open(loaded.logo_path) as logo:
        assert logo.format == "PNG"
    photos = [s.photo for s in model.speakers if s.photo]
    assert len(photos) == 23  # 26 speakers have a photo; 3 of those are broken
    for photo in photos:
        with Image.open(assets / photo) as image:
            assert max(image.size) <= 400
    assert all(s.logo for s in model.sponsors)
    warnings = [r.text for r in sink.records if r.level == "warning"]
    assert warnings == [str(p) for p in loaded.problems.warnings]
    assert any(w.startswith('speakers[0].photo-url: "/images/speakers/jonathon_bloom.jpg" cannot '
                            "be decoded as an image") for w in warnings)
    assert any(w.startswith('speakers[31].photo-url: "/images/speakers/jennifer_shin/jpg" is not '
                            "in the upload") for w in warnings)


def test_remote_images_that_cannot_be_downloaded_are_warnings_not_errors(tmp_path: Path) -> None:
    loaded, _ = load(SAMPLES / "NextcloudConference2017.zip", tmp_path)
    assert loaded.problems.error_count == 0
    assert loaded.logo_path is None
    assert loaded.problems.warnings[0].path == "event.logo-url"
    assert "cannot be downloaded" in loaded.problems.warnings[0].message
    assert loaded.model.config.app_name == "Nextcloud Conference 2017"
    assert loaded.model.config.email == ""  # "null" in config.json means none


def test_the_underscore_sample_keeps_its_berlin_times_and_relationships(tmp_path: Path) -> None:
    loaded, _ = load(SAMPLES / "OpenTechSummit2018.zip", tmp_path)
    model = loaded.model
    assert model.event.timezone == "Europe/Berlin"
    assert model.event.starts_at == "2018-05-07T10:00:00+02:00"
    assert {s.track_id for s in model.sessions} == {"1004"}
    assert {s.room_id for s in model.sessions} == {"690"}
    assert model.sessions[0].speaker_ids == ("3412",)


def test_the_extracted_upload_is_removed_once_loaded(tmp_path: Path) -> None:
    load(SAMPLES / "EhealthAfrica.zip", tmp_path)
    work = tmp_path / "work"
    assert sorted(p.name for p in work.iterdir()) == ["assets"]
    assert sorted(str(p.relative_to(work)) for p in work.rglob("*")) == [
        "assets", "assets/images", "assets/images/background.jpg", "assets/images/logo.png"]


def test_each_step_runs_inside_its_log_step(tmp_path: Path) -> None:
    _, sink = load(SAMPLES / "EhealthAfrica.zip", tmp_path)
    started = [r.text[2:] for r in sink.records if r.text.startswith("▶ ")]
    assert started == ["extract", "validate", "normalize", "images"]
