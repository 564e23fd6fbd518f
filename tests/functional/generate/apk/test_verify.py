"""A tampered APK fails verification, the verifier's issues listed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from build_runner.errors import ToolchainError
from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.keys import ensure_dev_keystore
from build_runner.generate.apk.signing import open_signer
from build_runner.generate.apk.verify import verify_apk
from build_runner.generate.pipeline import Generator
from tests.functional.generate.hand_made import build

pytestmark = pytest.mark.toolchain


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
