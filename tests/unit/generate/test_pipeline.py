"""The build's options are checked before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkgen_core.settings import Settings
from build_runner.errors import InputError
from build_runner.generate.pipeline import (
    DEFAULT_CACHE_DIR,
    GenerateOptions,
    GeneratorConfig,
    resolve_theme,
    validate_options,
)


def test_theme_defaults_to_the_web_apps_colors() -> None:
    theme = resolve_theme(GenerateOptions())
    assert theme.primary_color.startswith("#")


def test_theme_takes_the_given_colors() -> None:
    theme = resolve_theme(GenerateOptions(primary_color="#112233", accent_color="#445566"))
    assert (theme.primary_color, theme.accent_color) == ("#112233", "#445566")


@pytest.mark.parametrize(("field", "value"), [("primary_color", "red"),
                                              ("accent_color", "#12345")])
def test_rejects_a_color_naming_the_option(field: str, value: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_options(GenerateOptions(**{field: value}))  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == (field, value)
    assert "#rrggbb" in problem.hint


def test_rejects_a_bad_package_before_building() -> None:
    with pytest.raises(InputError, match="package name 'Not A Package'"):
        validate_options(GenerateOptions(package_name="Not A Package"))


def test_rejects_an_app_name_with_nothing_visible() -> None:
    with pytest.raises(InputError, match="app_name"):
        validate_options(GenerateOptions(app_name=" \n "))


def test_config_from_default_settings_caches_in_the_users_cache_dir() -> None:
    config = GeneratorConfig.from_settings(Settings())
    assert config.cache_dir == DEFAULT_CACHE_DIR
    assert config.keystore_path is None


def test_config_caches_under_a_configured_work_dir_and_takes_the_key_settings() -> None:
    settings = Settings.from_env({"APKGEN_WORK_DIR": "/srv/apkgen", "APKGEN_KEYSTORE_PATH":
                                  "/keys/release.p12", "APKGEN_KEYSTORE_PASSWORD": "pw",
                                  "APKGEN_KEY_ALIAS": "release"})
    config = GeneratorConfig.from_settings(settings)
    assert config.cache_dir == Path("/srv/apkgen/cache")
    assert (config.keystore_path, config.key_alias) == (Path("/keys/release.p12"), "release")
    assert "pw" not in repr(config)


def test_config_overrides_win() -> None:
    config = GeneratorConfig.from_settings(Settings(), cache_dir=Path("/x"), warm_signer=False)
    assert (config.cache_dir, config.warm_signer) == (Path("/x"), False)


def test_config_refuses_private_hosts_when_the_settings_say_so() -> None:
    cloud = GeneratorConfig.from_settings(Settings.from_env({"APKGEN_FETCH_PRIVATE_HOSTS": "no"}))
    local = GeneratorConfig.from_settings(Settings())
    assert (cloud.limits.allow_private_hosts, local.limits.allow_private_hosts) == (False, True)
