"""What a build records when it ends (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.errors import InputError, ToolchainError
from build_runner.generate.pipeline import GenerateResult
from build_runner.generate.problems import Problem
from build_runner.runner import outcome
from build_runner.runner.email import compose


def test_input_failure_keeps_every_problem_and_the_summary() -> None:
    problems = [
        Problem("error", "sessions", "sessions[0].title", "is empty", "", "give it a title"),
        Problem("warning", "speakers", "speakers[2].photo", "is missing", None, "", False),
    ]
    failure = outcome.input_failure(InputError("2 problems", problems))
    assert failure.error == "2 problems"
    assert failure.problems["error_count"] == 1
    assert failure.problems["warning_count"] == 1
    assert failure.problems["errors"][0]["hint"] == "give it a title"
    assert failure.problems["summary"] == "2 problems"


def test_toolchain_failure_names_the_tool_and_keeps_the_end_of_its_output() -> None:
    failure = outcome.toolchain_failure(
        ToolchainError("zipalign", "exit status 1", "x" * 10_000 + "the actual error")
    )
    assert failure.error == "zipalign: exit status 1"
    assert failure.problems["tool"] == "zipalign"
    assert failure.problems["output"].endswith("the actual error")
    assert len(failure.problems["output"]) == outcome.MAX_TOOL_OUTPUT_CHARS


def test_internal_failure_reveals_nothing_of_the_exception() -> None:
    failure = outcome.internal_failure()
    assert failure.error.startswith("internal error")
    assert failure.problems["error_count"] == 0


def test_long_error_summaries_are_clipped() -> None:
    failure = outcome.input_failure(InputError("y" * 5000))
    assert len(failure.error) == outcome.MAX_ERROR_CHARS
    assert failure.error.endswith("…")


def test_gave_up_says_how_many_attempts_and_why() -> None:
    assert outcome.gave_up(3, "StoreError: download failed") == (
        "gave up after 3 attempts: StoreError: download failed"
    )


def test_dead_lettered_names_the_last_runner_and_what_to_do() -> None:
    text = outcome.dead_lettered(3, "runner-7")
    assert text.startswith("gave up after 3 attempts: the job reached the dead-letter queue")
    assert "runner-7" in text
    assert "Start a new build" in text


def test_artifact_map_has_the_contracts_fields() -> None:
    result = GenerateResult(Path("/tmp/a.apk"), "org.x", "X", 3, "1.0.3", 1234, "ab" * 32, {})
    assert outcome.artifact_of(result, "artifacts/b/org.x.apk") == {
        "key": "artifacts/b/org.x.apk", "size": 1234, "sha256": "ab" * 32,
        "package": "org.x", "label": "X", "version_code": 3, "version_name": "1.0.3",
    }


def test_generator_options_come_from_the_build_options_without_the_email() -> None:
    options = outcome.generate_options(
        {"email": "a@b.c", "app_name": "Fest", "package_name": "", "primary_color": "#112233"}
    )
    assert options.app_name == "Fest"
    assert options.package_name is None
    assert options.primary_color == "#112233"
    assert options.accent_color is None


def test_lease_outlives_two_heartbeats_and_ends_before_the_job_reappears() -> None:
    assert outcome.lease_seconds(120, 30) == 90
    assert outcome.lease_seconds(60, 30) == 60
    with pytest.raises(ValueError, match="must be positive"):
        outcome.lease_seconds(120, 0)


def test_success_email_carries_the_download_link_and_the_page() -> None:
    subject, body = compose("bid", "succeeded", label="Fest", error=None,
                            page_url="https://x/b/bid", download_url="https://s3/apk")
    assert subject == "Fest is ready"
    assert "https://s3/apk" in body
    assert "https://x/b/bid" in body


def test_failure_email_says_why() -> None:
    subject, body = compose("bid", "failed", label=None, error="2 errors in the upload",
                            page_url="https://x/b/bid", download_url=None)
    assert subject == "The build of your event app failed"
    assert "2 errors in the upload" in body
