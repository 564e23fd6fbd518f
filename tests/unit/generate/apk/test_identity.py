"""Package name, label and version: derived from the event, stable, validated."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from apkgen_core.package_names import JAVA_KEYWORDS, package_name_problem
from build_runner.errors import InputError
from build_runner.generate.apk.identity import (
    VERSION_CODE_MAX,
    derive_package,
    resolve_identity,
    slug,
    validate_package,
    version_code_at,
    version_name_at,
)

ANDROID_PACKAGE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
ODD_NAMES = [
    "Spark Summit 2017",
    "Zürich Café Días",
    "東京 Conference",
    "2024 Summit",
    "class",
    "new",
    "🎉🎉🎉",
    "",
    "   ",
    "Tom's \"Conf\" @2024 \\ <&> 🎉",
    "a" * 300,
]

NOW = datetime(2026, 3, 4, 5, 6, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("name", ODD_NAMES)
def test_derived_package_is_valid_for_odd_names(name: str) -> None:
    package = derive_package("42", name)
    assert ANDROID_PACKAGE.fullmatch(package), package
    assert package_name_problem(package) is None
    assert not set(package.split(".")) & JAVA_KEYWORDS


def test_derived_package_is_stable_for_the_same_event() -> None:
    assert derive_package("42", "Spark Summit") == derive_package("42", "Spark Summit")


def test_derived_package_differs_for_events_with_the_same_slug() -> None:
    assert derive_package("1", "Spark Summit") != derive_package("2", "Spark Summit")
    assert derive_package("1", "Spark Summit") != derive_package("1", "Spark-Summit")


def test_slug_folds_accents_and_prefixes_digits() -> None:
    assert slug("Zürich Café") == "zurichcafe"
    assert slug("2024 Summit") == "e2024summit"
    assert slug("東京") == "app"


def test_slug_never_is_a_java_keyword() -> None:
    assert slug("class") == "classapp"
    assert slug("New") == "newapp"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is empty"),
        ("myapp", "at least two"),
        ("org..app", "empty part"),
        ("org.app.", "empty part"),
        ("org.1app", "'1app'"),
        ("org.my-app", "'my-app'"),
        ("org.class.app", "Java keyword"),
        ("org.café.app", "'café'"),
        ("org." + "a" * 260, "at most 255"),
    ],
)
def test_rejects_invalid_package_override_saying_why(name: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_package(name)
    assert reason in str(caught.value)
    (problem,) = caught.value.problems
    assert problem.path == "package_name"
    assert problem.value == name
    assert "org.example" in problem.hint


def test_accepts_valid_package_override() -> None:
    assert validate_package("org.example.my_event2024") == "org.example.my_event2024"
    assert validate_package("com.Example.record") == "com.Example.record"


def test_version_code_grows_with_time_and_stays_in_range() -> None:
    earlier = version_code_at(NOW)
    assert version_code_at(NOW + 60) == earlier + 1
    assert 0 < earlier < VERSION_CODE_MAX
    assert version_code_at(0) == 1


def test_version_name_is_the_utc_minute() -> None:
    assert version_name_at(NOW) == "1.0.202603040506"


def test_identity_prefers_options_over_the_event() -> None:
    who = resolve_identity(event_id="1", event_name="Spark", now=NOW,
                           package_name="org.example.spark", app_name="My App",
                           version_code=7, version_name="2.0")
    assert (who.package, who.label, who.version_code, who.version_name) == (
        "org.example.spark", "My App", 7, "2.0")


def test_identity_defaults_to_the_event() -> None:
    who = resolve_identity(event_id="1", event_name="  Spark\tSummit ", now=NOW)
    assert who.package == derive_package("1", "  Spark\tSummit ")
    assert who.label == "Spark\tSummit"
    assert who.version_code == version_code_at(NOW)


def test_identity_without_any_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no name"):
        resolve_identity(event_id="1", event_name=" \x00 ", now=NOW)


@pytest.mark.parametrize("code", [0, -1, VERSION_CODE_MAX + 1, True])
def test_rejects_out_of_range_version_code(code: int) -> None:
    with pytest.raises(InputError, match="version code"):
        resolve_identity(event_id="1", event_name="x", now=NOW, version_code=code)


@pytest.mark.parametrize("name", ["", "  ", "1.0\n2", "x" * 65])
def test_rejects_unusable_version_name(name: str) -> None:
    with pytest.raises(InputError, match="version name"):
        resolve_identity(event_id="1", event_name="x", now=NOW, version_name=name)
