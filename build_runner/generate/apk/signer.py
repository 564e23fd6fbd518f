"""What a signer is: it signs and verifies APKs with one key, and says what verified.

:class:`Signer` is the interface the build uses; :mod:`~build_runner.generate.apk.warm_signer`
and :mod:`~build_runner.generate.apk.cli_signer` implement it, and
:func:`~build_runner.generate.apk.signing.open_signer` picks one. :class:`Verification` is what
a signer's ``verify`` reports (pure data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from build_runner.generate.apk.tools import Cancelled, never_cancelled
from build_runner.logs import BuildLog


@dataclass(frozen=True)
class Verification:
    """What the verifier says about a signed APK."""

    verified: bool
    v1: bool
    v2: bool
    v3: bool
    cert_sha256: str = ""
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verified and self.v1 and self.v2 and self.v3


class Signer(Protocol):
    """Signs and verifies APKs with one key."""

    name: str

    def sign(self, unsigned: Path, signed: Path, log: BuildLog | None,
             cancelled: Cancelled = never_cancelled) -> None: ...

    def verify(self, apk: Path, log: BuildLog | None,
               cancelled: Cancelled = never_cancelled) -> Verification: ...

    def close(self) -> None: ...
