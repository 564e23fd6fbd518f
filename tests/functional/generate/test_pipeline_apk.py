"""The APK the pipeline builds with the real toolchain from a hand-made event.

aapt, zipalign, the warm signer and verification, read back from the APK: the label exactly as
given, the WebView code, the web app and icons, alignment, the options; cancels stop the build.
One warm Generator serves the module (its dex, key and JVM are prepared once).
"""

from __future__ import annotations

import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from androguard.core.apk import APK
from androguard.core.dex import DEX
from PIL import Image

from build_runner.errors import BuildCancelled, InputError
from build_runner.generate.apk.aapt import badging
from build_runner.generate.pipeline import GenerateOptions, Generator
from build_runner.logs import BuildLog
from tests.functional.generate.hand_made import MODEL, NASTY, apksigner_verify, build
from tests.list_sink import ListSink

pytestmark = pytest.mark.toolchain


@pytest.mark.parametrize(("label", "shown"), [("a\ufffeb", "ab"), ("x\uffff\ufdd0y", "xy"),
                                              ("Camp\x85 2024\x00", "Camp  2024")])
def test_label_without_its_non_characters_and_controls_reaches_the_app(
        generator: Generator, tmp_path: Path, label: str, shown: str) -> None:
    result, _ = build(generator, tmp_path / "app.apk", GenerateOptions(app_name=label))
    assert result.label == shown
    assert badging(tmp_path / "app.apk").label == shown


def test_nasty_label_reads_back_exactly_and_the_apk_verifies(generator: Generator,
                                                             tmp_path: Path) -> None:
    result, _ = build(generator, tmp_path / "app.apk")
    apk = tmp_path / "app.apk"
    found = badging(apk)
    assert found.label == NASTY
    assert found.package == result.package
    assert found.launchable_activity == "org.apkgen.shell.MainActivity"
    assert (found.min_sdk, found.target_sdk) == ("21", "33")
    assert apksigner_verify(apk) == {"v1": True, "v2": True, "v3": True, "v4": False}
    assert generator.signer_name == "warm apksig JVM"


@pytest.mark.parametrize("label", ["@string/other", "?attr/x", "two\nlines", "  spaced   out ",
                                   "back\\slash \\n not a newline", "it's \"quoted\"",
                                   "Zürich 東京 🎉🎉", "FOSS Sale: 50% off, 20% discount",
                                   "%s %d", "%1$s and %2$d", "100%", "%", "@", "?", "'", '"',
                                   "<b>bold</b> &amp; <i>", "#hashtag", "\u202eRTL override"])
def test_label_reaches_the_app_unchanged(generator: Generator, tmp_path: Path,
                                         label: str) -> None:
    result, _ = build(generator, tmp_path / "app.apk", GenerateOptions(app_name=label))
    expected = label.strip()
    assert result.label == expected
    assert badging(tmp_path / "app.apk").label == expected
    assert APK(str(tmp_path / "app.apk")).get_app_name() == expected


def test_the_code_is_a_webview_activity_loading_the_assets(generator: Generator,
                                                           tmp_path: Path) -> None:
    build(generator, tmp_path / "app.apk")
    apk = APK(str(tmp_path / "app.apk"))
    dex = DEX(apk.get_dex())
    calls = {str(m.get_name()): " ".join(str(i) for i in m.get_instructions())
             for c in dex.get_classes() for m in c.get_methods()}
    on_create = calls["onCreate"]
    for needed in ("setJavaScriptEnabled", "setDomStorageEnabled", "setWebViewClient",
                   "setContentView", "file:///android_asset/index.html", "loadUrl"):
        assert needed in on_create
    assert "goBack" in calls["onBackPressed"]
    assert "allowedIntent" in calls["shouldOverrideUrlLoading"]


def test_apk_holds_the_code_the_web_app_and_icons(generator: Generator, tmp_path: Path) -> None:
    build(generator, tmp_path / "app.apk")
    apk = APK(str(tmp_path / "app.apk"))
    names = set(apk.get_files())
    assert {"classes.dex", "resources.arsc", "assets/index.html", "assets/data.js"} <= names
    assert {f"res/mipmap-{d}-v4/ic_launcher.png" for d in ("mdpi", "xxxhdpi")} <= names
    data = apk.get_file("assets/data.js").decode()
    assert "Smali by hand" in data
    assert apk.get_main_activity() == "org.apkgen.shell.MainActivity"
    assert apk.get_app_name() == NASTY


def test_apk_is_aligned_with_resources_arsc_stored(generator: Generator, tmp_path: Path) -> None:
    build(generator, tmp_path / "app.apk")
    check = subprocess.run(["zipalign", "-c", "-p", "4", str(tmp_path / "app.apk")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(tmp_path / "app.apk") as zf:
        assert zf.getinfo("resources.arsc").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo("classes.dex").compress_type == zipfile.ZIP_DEFLATED


def test_hand_made_images_and_logo_go_into_the_apk(generator: Generator, tmp_path: Path) -> None:
    images = tmp_path / "images"
    (images / "speakers").mkdir(parents=True)
    Image.new("RGB", (10, 10), (1, 2, 3)).save(images / "speakers" / "ada.png")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 300), (250, 0, 0)).save(logo)
    generator.build_model(MODEL, tmp_path / "app.apk", GenerateOptions(), BuildLog(),
                          images_dir=images, logo_path=logo)
    apk = APK(str(tmp_path / "app.apk"))
    assert "assets/images/speakers/ada.png" in apk.get_files()
    with Image.open(BytesIO(apk.get_file("res/mipmap-mdpi-v4/ic_launcher.png"))) as icon:
        assert icon.convert("RGB").getpixel((24, 24)) == (250, 0, 0)


def test_options_set_package_label_and_version(generator: Generator, tmp_path: Path) -> None:
    options = GenerateOptions(package_name="org.example.conf2024", app_name="Conf App",
                              version_code=12, version_name="3.1")
    result, _ = build(generator, tmp_path / "app.apk", options)
    found = badging(tmp_path / "app.apk")
    assert (found.package, found.label, found.version_code, found.version_name) == (
        "org.example.conf2024", "Conf App", "12", "3.1")
    assert result.report["summary"]["package"] == "org.example.conf2024"


def test_invalid_package_option_is_an_input_error_before_any_work(generator: Generator,
                                                                  tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Java keyword"):
        build(generator, tmp_path / "app.apk", GenerateOptions(package_name="org.new.app"))
    assert not (tmp_path / "app.apk").exists()


def test_cancel_at_a_step_boundary_stops_the_build(generator: Generator, tmp_path: Path) -> None:
    sink = ListSink()
    def after_packaging() -> bool:
        return any(r.step == "package" and r.text.startswith("✓") for r in sink.records)
    with pytest.raises(BuildCancelled, match="before the align step"):
        generator.build_model(MODEL, tmp_path / "app.apk", GenerateOptions(), BuildLog(sink),
                              after_packaging)
    assert not (tmp_path / "app.apk").exists()
