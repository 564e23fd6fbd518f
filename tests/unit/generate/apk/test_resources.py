"""Manifest, label escaping and icons, without aapt (the functional tests read them back)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.resources import (
    ICON_SIZES,
    IconSource,
    aapt_escape,
    icon_images,
    initials,
    manifest_xml,
    strings_xml,
    write_resources,
)

ANDROID = "{http://schemas.android.com/apk/res/android}"
WHO = Identity("org.example.event", "Label", 1234, "1.0.<&>\"")


def test_manifest_declares_the_exported_launcher_activity_and_sdk_levels() -> None:
    root = ET.fromstring(manifest_xml(WHO))
    assert root.get("package") == "org.apkgen.shell"
    assert root.get(f"{ANDROID}versionCode") == "1234"
    assert root.get(f"{ANDROID}versionName") == "1.0.<&>\""
    sdk = root.find("uses-sdk")
    assert sdk is not None
    assert (sdk.get(f"{ANDROID}minSdkVersion"), sdk.get(f"{ANDROID}targetSdkVersion")) == (
        "21", "33")
    app = root.find("application")
    assert app is not None
    assert app.get(f"{ANDROID}label") == "@string/app_name"
    assert app.get(f"{ANDROID}icon") == "@mipmap/ic_launcher"
    activity = app.find("activity")
    assert activity is not None
    assert activity.get(f"{ANDROID}name") == "org.apkgen.shell.MainActivity"
    assert activity.get(f"{ANDROID}exported") == "true"


@pytest.mark.parametrize(
    ("label", "escaped"),
    [
        ("Plain", "Plain"),
        ("Tom's", "Tom\\'s"),
        ('"Conf"', '\\"Conf\\"'),
        ("a\\b", "a\\\\b"),
        ("@2024", "\\@2024"),
        ("?x", "\\?x"),
        ("a@b?", "a@b?"),
        ("two\nlines", "two\\nlines"),
        ("tab\there", "tab\\there"),
        ("a  b", "a \\u0020b"),
        ("🎉", "🎉"),
    ],
)
def test_aapt_escape_neutralizes_aapt_syntax(label: str, escaped: str) -> None:
    assert aapt_escape(label) == escaped


def test_strings_xml_is_well_formed_for_markup_characters() -> None:
    root = ET.fromstring(strings_xml("<&> 'x'"))
    (string,) = root.findall("string")
    assert string.get("name") == "app_name"
    assert string.text == "<&> \\'x\\'"


def test_initials_take_the_first_two_words() -> None:
    assert initials("Spark Summit 2017") == "SS"
    assert initials("fossasia") == "F"
    assert initials("🎉 party") == "P"
    assert initials("Tom's \"Conf\" @2024") == "TC"
    assert initials("🎉 !!") == ""


def test_default_icon_has_every_density_in_the_primary_color() -> None:
    images, warning = icon_images(IconSource(None, "Spark Summit", (30, 136, 229)))
    assert warning is None
    assert {d: im.size for d, im in images.items()} == {d: (s, s) for d, s in ICON_SIZES.items()}
    center_left = images["xxxhdpi"].getpixel((20, 96))
    assert center_left == (30, 136, 229, 255)


def test_logo_icon_keeps_the_aspect_ratio_on_transparent_margins(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (400, 100), (255, 0, 0)).save(logo)
    images, warning = icon_images(IconSource(logo, "x", (0, 0, 0)))
    assert warning is None
    big = images["xxxhdpi"]
    assert big.getpixel((96, 96)) == (255, 0, 0, 255)
    assert big.getpixel((96, 5)) == (0, 0, 0, 0)


def test_unreadable_logo_falls_back_to_initials_with_a_warning(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"not an image")
    images, warning = icon_images(IconSource(logo, "Spark", (10, 20, 30)))
    assert warning is not None and "logo.png" in warning and "initials" in warning
    assert images["mdpi"].size == (48, 48)


def test_write_resources_lays_out_res_and_the_manifest(tmp_path: Path) -> None:
    manifest, warnings = write_resources(tmp_path / "res", WHO, IconSource(None, "L", (0, 0, 0)))
    assert warnings == []
    assert manifest == tmp_path / "AndroidManifest.xml"
    assert (tmp_path / "res" / "values" / "strings.xml").is_file()
    for density, size in ICON_SIZES.items():
        with Image.open(tmp_path / "res" / f"mipmap-{density}" / "ic_launcher.png") as icon:
            assert icon.size == (size, size)
