"""The development key: made once under the cache dir, shared, private, never logged."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from build_runner.generate.apk.keys import ensure_dev_keystore
from build_runner.generate.pipeline import Generator
from tests.functional.generate.hand_made import build

pytestmark = pytest.mark.toolchain


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
