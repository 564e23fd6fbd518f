"""Which signer signs, with which key: the apksigner command when the warm JVM is off or cannot
start; a configured keystore, or an error saying how to fix it that never shows its password.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from build_runner.errors import ToolchainError
from build_runner.generate.apk.keys import KeyConfig, ensure_dev_keystore
from build_runner.generate.pipeline import Generator, GeneratorConfig
from build_runner.logs import BuildLog
from tests.functional.generate.hand_made import apksigner_verify, build
from tests.list_sink import ListSink

pytestmark = pytest.mark.toolchain


@pytest.fixture(scope="module")
def dev_key(cache_dir: Path) -> KeyConfig:
    """The development key in ``cache_dir``, which the keystore tests copy."""
    return ensure_dev_keystore(cache_dir, None)


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


@pytest.mark.usefixtures("dev_key")
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


@pytest.mark.usefixtures("dev_key")
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
