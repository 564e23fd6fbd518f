"""The key that signs: a configured keystore, or a development key made once.

:class:`KeyConfig` names the keystore, the alias and the passwords; the passwords travel to the
signers' child processes in environment variables (``KS_PASS_VAR``, ``KEY_PASS_VAR``), never on
a command line visible in ``ps``, and are hidden from ``repr``. Without a configured keystore
:func:`ensure_dev_keystore` creates a development keystore once under the cache dir with
``keytool``, its password stored beside it with 0600 permissions; runners starting together
agree on one key.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from build_runner.generate.apk.tools import require_tool, run_tool
from build_runner.logs import BuildLog

KS_PASS_VAR = "APKGEN_SIGNER_KS_PASS"
KEY_PASS_VAR = "APKGEN_SIGNER_KEY_PASS"
DEV_ALIAS = "apkgen"
DEV_DNAME = "CN=apkgen development key, O=apkgen"
DEV_VALIDITY_DAYS = 10000


@dataclass(frozen=True)
class KeyConfig:
    """Which key signs. ``repr`` hides the passwords."""

    keystore: Path
    alias: str
    store_password: str = field(repr=False)
    key_password: str | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        """The passwords as the child-process environment the signers read them from."""
        return {KS_PASS_VAR: self.store_password,
                KEY_PASS_VAR: self.key_password or self.store_password}


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def ensure_dev_keystore(cache_dir: Path, log: BuildLog | None) -> KeyConfig:
    """The development key under ``cache_dir/keys``, created with keytool on first use."""
    keys = cache_dir / "keys"
    keystore = keys / "development.p12"
    password_file = keys / "development.password"
    if keystore.is_file() and password_file.is_file():
        return KeyConfig(keystore, DEV_ALIAS, password_file.read_text(encoding="utf-8").strip())
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    # Runners starting together must agree on one key: creation happens under a lock.
    with (keys / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if keystore.is_file() and password_file.is_file():
            return KeyConfig(keystore, DEV_ALIAS,
                             password_file.read_text(encoding="utf-8").strip())
        return _create_dev_keystore(keys, keystore, password_file, log)


def _create_dev_keystore(keys: Path, keystore: Path, password_file: Path,
                         log: BuildLog | None) -> KeyConfig:
    keytool = require_tool("keytool", "default-jdk-headless")
    if log:
        log.warning("no signing keystore configured: creating a development key under "
                    f"{keys} (set APKGEN_KEYSTORE_PATH to sign with your own key)")
    password = secrets.token_urlsafe(24)
    tmp_store = keys / f"development.{os.getpid()}.p12"
    tmp_password = keys / f"development.{os.getpid()}.password"
    tmp_store.unlink(missing_ok=True)
    tmp_password.unlink(missing_ok=True)
    run_tool(
        "keytool",
        [keytool, "-genkeypair", "-keystore", str(tmp_store), "-storetype", "PKCS12",
         "-alias", DEV_ALIAS, "-keyalg", "RSA", "-keysize", "2048",
         "-validity", str(DEV_VALIDITY_DAYS), "-dname", DEV_DNAME,
         "-storepass:env", KS_PASS_VAR, "-keypass:env", KS_PASS_VAR],
        log,
        env={KS_PASS_VAR: password},
    )
    os.chmod(tmp_store, 0o600)
    _write_private(tmp_password, password)
    # The password lands first: a keystore is never visible without its password beside it.
    tmp_password.replace(password_file)
    tmp_store.replace(keystore)
    return KeyConfig(keystore, DEV_ALIAS, password)
