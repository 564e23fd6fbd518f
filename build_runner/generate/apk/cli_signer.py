"""The fallback signer: the ``apksigner`` command, one JVM per call (about a second each).

:class:`CliSigner` signs with ``apksigner sign`` (v1, v2, v3; passwords through the
environment, ``--ks-pass env:VAR``) and verifies with ``apksigner verify --verbose
--print-certs``, whose output :func:`parse_apksigner_verify` reads (pure).
"""

from __future__ import annotations

import re
from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.keys import KEY_PASS_VAR, KS_PASS_VAR, KeyConfig
from build_runner.generate.apk.resources import MIN_SDK
from build_runner.generate.apk.signer import Verification
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

_VERIFY_LINE = re.compile(r"^Verified using (v\d) scheme[^:]*: (true|false)$")


def parse_apksigner_verify(lines: list[str]) -> Verification:
    """Parse ``apksigner verify --verbose --print-certs`` output."""
    schemes: dict[str, bool] = {}
    digest = ""
    errors: list[str] = []
    verified = False
    for line in lines:
        text = line.strip()
        match = _VERIFY_LINE.match(text)
        if match:
            schemes[match.group(1)] = match.group(2) == "true"
        elif text == "Verifies":
            verified = True
        elif "certificate SHA-256 digest:" in text and not digest:
            digest = text.rsplit(":", 1)[1].strip()
        elif text.startswith("ERROR"):
            errors.append(text)
    return Verification(verified, schemes.get("v1", False), schemes.get("v2", False),
                        schemes.get("v3", False), digest, tuple(errors))


class CliSigner:
    """The fallback: the ``apksigner`` command, one JVM per call (about a second each)."""

    name = "apksigner command"

    def __init__(self, key: KeyConfig) -> None:
        self._key = key
        self._apksigner = require_tool("apksigner", "apksigner")

    def sign(self, unsigned: Path, signed: Path, log: BuildLog | None,
             cancelled: Cancelled = never_cancelled) -> None:
        """Sign with ``apksigner sign`` (v1, v2, v3); passwords through the environment."""
        run_tool(
            "apksigner",
            [self._apksigner, "sign", "--ks", str(self._key.keystore),
             "--ks-key-alias", self._key.alias,
             "--ks-pass", f"env:{KS_PASS_VAR}", "--key-pass", f"env:{KEY_PASS_VAR}",
             "--min-sdk-version", str(MIN_SDK),
             "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
             "--v3-signing-enabled", "true", "--v4-signing-enabled", "false",
             "--out", str(signed), str(unsigned)],
            log, cancelled, env=self._key.env(),
        )

    def verify(self, apk: Path, log: BuildLog | None,
               cancelled: Cancelled = never_cancelled) -> Verification:
        """Verify with ``apksigner verify --verbose --print-certs``."""
        try:
            lines = run_tool("apksigner", [self._apksigner, "verify", "--verbose", "--print-certs",
                                           str(apk)], None, cancelled)
        except ToolchainError as exc:
            return Verification(False, False, False, False, "", (exc.output,))
        return parse_apksigner_verify(lines)

    def close(self) -> None:
        """Nothing to stop."""
