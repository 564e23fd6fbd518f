"""The build's options are checked before any work starts."""

from __future__ import annotations

import pytest

from build_runner.errors import InputError
from build_runner.generate.pipeline import GenerateOptions, resolve_theme, validate_options


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
        validate_options(GenerateOptions(**{field: value}))
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == (field, value)
    assert "#rrggbb" in problem.hint


def test_rejects_a_bad_package_before_building() -> None:
    with pytest.raises(InputError, match="package name 'Not A Package'"):
        validate_options(GenerateOptions(package_name="Not A Package"))


def test_rejects_an_app_name_with_nothing_visible() -> None:
    with pytest.raises(InputError, match="app_name"):
        validate_options(GenerateOptions(app_name=" \n "))
