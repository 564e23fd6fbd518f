"""The real Android toolchain on a hand-made event: aapt, zipalign, the warm signer, verification.

One warm Generator serves the module (its dex, key and JVM are prepared once).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from androguard.core.apk import APK
from androguard.core.dex import DEX
from PIL import Image

from build_runner.errors import BuildCancelled, InputError, ToolchainError
from build_runner.generate.apk.aapt import badging
from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.signing import ensure_dev_keystore, open_signer
from build_runner.generate.apk.verify import verify_apk
from build_runner.generate.model import Event, EventModel, Session
from build_runner.generate.pipeline import (
    GenerateOptions,
    GenerateResult,
    Generator,
    GeneratorConfig,
)
from build_runner.logs import BuildLog, ListSink

pytestmark = pytest.mark.toolchain

NASTY = "Tom's \"Conf\" @2024 \\ <&> 🎉"
MODEL = EventModel(
    Event(id="77", name=NASTY, starts_at="2024-05-01T09:00:00+02:00",
          ends_at="2024-05-02T18:00:00+02:00"),
    sessions=(
        Session("1", "Opening keynote: WebViews & you", "2024-05-01T09:00:00+02:00",
                "2024-05-01T10:00:00+02:00"),
        Session("2", "Smali by hand", "2024-05-01T10:00:00+02:00", "2024-05-01T11:00:00+02:00"),
    ),
)


def apksigner_verify(apk: Path) -> dict[str, bool]:
    """``apksigner verify --verbose``: scheme → verified, read from its output."""
    out = subprocess.run(["apksigner", "verify", "--verbose", str(apk)], capture_output=True,
                         text=True, check=True).stdout
    return {m.group(1): m.group(2) == "true"
            for m in re.finditer(r"Verified using (v\d) scheme[^:]*: (true|false)", out)}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("apkgen-cache")


@pytest.fixture(scope="module")
def generator(cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generator]:
    config = GeneratorConfig(work_dir=tmp_path_factory.mktemp("work"), cache_dir=cache_dir)
    with Generator(config) as warm:
        yield warm


def build(generator: Generator, out: Path,
          options: GenerateOptions | None = None) -> tuple[GenerateResult, ListSink]:
    sink = ListSink()
    result = generator.build_model(MODEL, out, options or GenerateOptions(), BuildLog(sink))
    return result, sink


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
    assert "android.intent.action.VIEW" in calls["shouldOverrideUrlLoading"]


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


def test_signer_recovers_after_a_build_cancelled_while_signing(generator: Generator,
                                                                tmp_path: Path) -> None:
    sink = ListSink()
    def while_signing() -> bool:
        return any(r.step == "sign" for r in sink.records)
    with pytest.raises(BuildCancelled, match="while signing"):
        generator.build_model(MODEL, tmp_path / "a.apk", GenerateOptions(), BuildLog(sink),
                              while_signing)
    build(generator, tmp_path / "b.apk")
    assert apksigner_verify(tmp_path / "b.apk")["v3"]


def flip_a_byte_of_resources_arsc(apk: Path) -> None:
    with zipfile.ZipFile(apk) as zf:
        info = zf.getinfo("resources.arsc")
    data = bytearray(apk.read_bytes())
    # Local header: 30 bytes + name + extra, then the stored (uncompressed) bytes.
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.file_size // 2] ^= 0xFF
    apk.write_bytes(bytes(data))


def test_tampered_apk_fails_verification_listing_the_issues(
        generator: Generator, cache_dir: Path, tmp_path: Path) -> None:
    result, _ = build(generator, tmp_path / "app.apk")
    flip_a_byte_of_resources_arsc(tmp_path / "app.apk")
    who = Identity(result.package, result.label, result.version_code, result.version_name)
    signer = open_signer(ensure_dev_keystore(cache_dir, None), cache_dir, None)
    try:
        with pytest.raises(ToolchainError, match="verification failed: the APK does not "
                           "verify") as caught:
            verify_apk(tmp_path / "app.apk", who, signer, None)
    finally:
        signer.close()
    assert "digest mismatch" in str(caught.value)


def test_runners_starting_together_share_one_development_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        keys = list(pool.map(lambda _: ensure_dev_keystore(tmp_path, None), range(2)))
    assert keys[0] == keys[1]
    listed = subprocess.run(
        ["keytool", "-list", "-keystore", str(keys[0].keystore), "-storepass:env", "PW"],
        env={**os.environ, "PW": keys[0].store_password}, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "apkgen" in listed.stdout


def test_development_key_is_private_and_its_password_never_logged(
        generator: Generator, cache_dir: Path, tmp_path: Path) -> None:
    password = (cache_dir / "keys" / "development.password").read_text()
    for name in ("development.password", "development.p12"):
        assert (cache_dir / "keys" / name).stat().st_mode & 0o777 == 0o600
    _, sink = build(generator, tmp_path / "app.apk")
    assert not [r for r in sink.records if password in r.text]


def test_apksigner_command_signs_when_the_warm_signer_is_off(cache_dir: Path,
                                                             tmp_path: Path) -> None:
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=cache_dir, warm_signer=False)
    with Generator(config) as cold:
        assert cold.signer_name == "apksigner command"
        build(cold, tmp_path / "app.apk")
    assert apksigner_verify(tmp_path / "app.apk") == {"v1": True, "v2": True, "v3": True,
                                                      "v4": False}


def test_falls_back_to_the_apksigner_command_saying_why(cache_dir: Path,
                                                         tmp_path: Path) -> None:
    sink = ListSink()
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=cache_dir,
                             java="/bin/false")
    with Generator(config, log=BuildLog(sink)) as fallback:
        assert fallback.signer_name == "apksigner command"
    (warning,) = [r.text for r in sink.records if "warm signer" in r.text]
    assert r"warm signer unavailable (apksigner: signer helper did not start" in warning
    assert "apksigner command instead" in warning


def test_wrong_keystore_password_fails_without_showing_it(cache_dir: Path,
                                                          tmp_path: Path) -> None:
    keystore = tmp_path / "release.p12"
    shutil.copy(cache_dir / "keys" / "development.p12", keystore)
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=cache_dir,
                             keystore_path=keystore, keystore_password="s3cret-wrong")
    with pytest.raises(ToolchainError) as caught:
        Generator(config)
    assert caught.value.tool == "keystore"
    assert "password" in str(caught.value)
    assert "s3cret-wrong" not in str(caught.value) + caught.value.output


def test_missing_keystore_says_how_to_fix_it(cache_dir: Path, tmp_path: Path) -> None:
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=cache_dir,
                             keystore_path=tmp_path / "none.p12", keystore_password="x")
    with pytest.raises(ToolchainError, match="APKGEN_KEYSTORE_PATH"):
        Generator(config)


def test_configured_keystore_signs(cache_dir: Path, tmp_path: Path) -> None:
    keystore = tmp_path / "release.p12"
    shutil.copy(cache_dir / "keys" / "development.p12", keystore)
    password = (cache_dir / "keys" / "development.password").read_text()
    config = GeneratorConfig(work_dir=tmp_path / "work", cache_dir=tmp_path / "own-cache",
                             keystore_path=keystore, keystore_password=password)
    with Generator(config) as own:
        build(own, tmp_path / "app.apk")
    assert not (tmp_path / "own-cache" / "keys").exists()
    assert apksigner_verify(tmp_path / "app.apk")["v2"]
    assert os.access(tmp_path / "app.apk", os.R_OK)
