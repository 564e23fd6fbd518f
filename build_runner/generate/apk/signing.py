"""Choosing the signer: the warm apksig JVM when it starts, else the ``apksigner`` command.

Starting ``apksigner`` (a JVM) costs about a second per build, so :func:`open_signer` prefers
the :class:`~build_runner.generate.apk.warm_signer.WarmSigner`, which keeps one JVM alive. If
it cannot start, :func:`open_signer` logs why and falls back to the
:class:`~build_runner.generate.apk.cli_signer.CliSigner`, which runs the command each time.
A wrong key or password is not a reason to fall back: the command would fail the same way.
Keys come from :mod:`~build_runner.generate.apk.keys`; passwords never reach a command line, a
log or an exception message.
"""

from __future__ import annotations

from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.cli_signer import CliSigner
from build_runner.generate.apk.keys import KeyConfig
from build_runner.generate.apk.signer import Signer
from build_runner.generate.apk.warm_signer import WarmSigner
from build_runner.logs import BuildLog


def open_signer(key: KeyConfig, cache_dir: Path, log: BuildLog | None, *,
                warm: bool = True, java: str | None = None) -> Signer:
    """The warm signer if it starts, else the apksigner command (with a warning saying why).

    ``java`` is the JVM for the warm signer (default: ``java`` on PATH).
    """
    if not key.keystore.is_file():
        raise ToolchainError("apksigner", f"keystore {key.keystore} does not exist; set "
                             "APKGEN_KEYSTORE_PATH to an existing keystore or leave it unset to "
                             "use a development key")
    if warm:
        try:
            return WarmSigner(key, cache_dir, log, java=java)
        except ToolchainError as exc:
            if exc.tool == "keystore":
                raise  # a wrong key or password: the apksigner command would fail the same way
            if log:
                log.warning(f"warm signer unavailable ({exc}); signing with the apksigner "
                            "command instead (about a second slower per build)")
    return CliSigner(key)
