"""How many builds a runner runs at once (build_runner.runner.config): from
``APKGEN_RUNNER_CONCURRENCY``, from an override, or one per core."""

from __future__ import annotations

import pytest

from apkgen_core.settings import Settings
from build_runner.runner.config import RunnerConfig, concurrency_of, default_concurrency


def test_a_runner_runs_one_build_per_core_unless_told_otherwise() -> None:
    assert RunnerConfig.from_settings(Settings()).concurrency == default_concurrency() >= 1


def test_the_environment_sets_how_many_builds_a_runner_runs_at_once() -> None:
    settings = Settings.from_env({"APKGEN_RUNNER_CONCURRENCY": "3"})
    assert RunnerConfig.from_settings(settings).concurrency == 3


def test_the_command_line_wins_over_the_environment() -> None:
    settings = Settings.from_env({"APKGEN_RUNNER_CONCURRENCY": "3"})
    assert RunnerConfig.from_settings(settings, concurrency=5).concurrency == 5
    assert RunnerConfig.from_settings(settings, concurrency=None).concurrency == 3


def test_zero_in_the_environment_means_one_build_per_core() -> None:
    assert concurrency_of(0) == default_concurrency()


def test_a_negative_concurrency_is_refused_with_what_to_give() -> None:
    with pytest.raises(ValueError, match=r"APKGEN_RUNNER_CONCURRENCY=-2: .* \(1 or more\), or 0"):
        RunnerConfig.from_settings(Settings(runner_concurrency=-2))


def test_a_config_that_runs_no_build_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one build at a time, not 0"):
        RunnerConfig(concurrency=0)
