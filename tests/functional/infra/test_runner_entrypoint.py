"""infra/runner-entrypoint.sh run for real: the keystore lands on tmpfs with mode 0600 and the
base64 copy leaves the environment of the command it runs."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[3] / "infra" / "runner-entrypoint.sh"
KEYSTORE = b"\xfe\xed\xfe\xed not a real keystore, but bytes all the same\x00\x01"
PRINT_ENV = [sys.executable, "-c",
             "import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
             "if k.startswith('APKGEN_')}))"]


def filesystem(path: Path) -> str:
    return subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.fixture
def tmpfs_dir() -> Iterator[Path]:
    shm = Path("/dev/shm")
    if not shm.is_dir() or filesystem(shm) != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm on this machine")
    with tempfile.TemporaryDirectory(dir=shm) as directory:
        yield Path(directory)


def run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(ENTRYPOINT), *command],
                          env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, check=False, timeout=30)


def test_writes_the_keystore_to_tmpfs_with_mode_0600_and_drops_the_base64_copy(tmpfs_dir: Path):
    import json

    secrets_dir = tmpfs_dir / "apkgen"
    done = run({"APKGEN_SECRETS_DIR": str(secrets_dir),
                "APKGEN_KEYSTORE_B64": base64.b64encode(KEYSTORE).decode(),
                "APKGEN_KEYSTORE_PASSWORD": "pw"}, *PRINT_ENV)
    assert done.returncode == 0, done.stderr
    env = json.loads(done.stdout)
    path = Path(env["APKGEN_KEYSTORE_PATH"])
    assert path == secrets_dir / "keystore.jks"
    assert path.read_bytes() == KEYSTORE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700
    assert "APKGEN_KEYSTORE_B64" not in env
    assert env["APKGEN_KEYSTORE_PASSWORD"] == "pw"  # Settings reads it from the environment


def test_refuses_to_write_the_keystore_to_disk(tmp_path: Path):
    if filesystem(tmp_path) == "tmpfs":
        pytest.skip("the test's temporary directory is itself on tmpfs")
    done = run({"APKGEN_SECRETS_DIR": str(tmp_path / "s"),
                "APKGEN_KEYSTORE_B64": base64.b64encode(KEYSTORE).decode()}, "true")
    assert done.returncode == 64
    assert "not tmpfs" in done.stderr and "APKGEN_SECRETS_DIR" in done.stderr
    assert not (tmp_path / "s" / "keystore.jks").exists()


def test_says_how_to_fix_a_secret_that_is_not_base64(tmpfs_dir: Path):
    done = run({"APKGEN_SECRETS_DIR": str(tmpfs_dir),
                "APKGEN_KEYSTORE_B64": "*** not base64 ***"}, "true")
    assert done.returncode == 64
    assert "infra/keystore.sh STAGE" in done.stderr
    assert not (tmpfs_dir / "keystore.jks").exists()


def test_without_any_keystore_says_where_it_should_come_from():
    done = run({}, "true")
    assert done.returncode == 64
    assert "no keystore" in done.stderr and "infra/keystore.sh" in done.stderr


def test_a_keystore_path_given_directly_is_used_as_it_is(tmp_path: Path):
    done = run({"APKGEN_KEYSTORE_PATH": str(tmp_path / "dev.jks")}, "sh", "-c",
               'printf %s "$APKGEN_KEYSTORE_PATH"')
    assert done.returncode == 0 and done.stdout == str(tmp_path / "dev.jks")
