"""The last step: the APK must verify (v1, v2, v3) and say what we meant it to say.

Signatures are checked by the signer (apksig's ApkVerifier in the warm JVM); package, label,
version and launcher activity are read back with ``aapt dump badging``. Any mismatch fails the
build with a ToolchainError naming what differed: an APK that says something else than the
organizer asked for is never shipped.
"""

from __future__ import annotations

from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.aapt import Badging, badging
from build_runner.generate.apk.dex import MAIN_ACTIVITY
from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.signer import Signer, Verification
from build_runner.generate.apk.tools import Cancelled, never_cancelled
from build_runner.logs import BuildLog


def signature_problems(result: Verification) -> list[str]:
    """What is wrong with the signatures, empty when v1, v2 and v3 all verify."""
    problems = [f"{scheme} signature does not verify"
                for scheme, ok in (("v1", result.v1), ("v2", result.v2), ("v3", result.v3))
                if not ok]
    if not result.verified:
        problems.insert(0, "the APK does not verify")
    return problems + list(result.errors)


def badging_problems(found: Badging, expected: Identity) -> list[str]:
    """Differences between what aapt reads back and the identity we built."""
    wanted = {
        "package": expected.package,
        "label": expected.label,
        "version_code": str(expected.version_code),
        "version_name": expected.version_name,
        "launchable_activity": MAIN_ACTIVITY,
    }
    return [f"{name} is {getattr(found, name)!r}, expected {value!r}"
            for name, value in wanted.items() if getattr(found, name) != value]


def verify_apk(
    apk: Path,
    expected: Identity,
    signer: Signer,
    log: BuildLog | None,
    cancelled: Cancelled = never_cancelled,
) -> Verification:
    """Check signatures and badging; ToolchainError listing every problem found."""
    result = signer.verify(apk, log, cancelled)
    problems = signature_problems(result)
    if problems:
        raise ToolchainError("apksigner", "verification failed: " + "; ".join(problems))
    if log:
        log.info("signatures verify: v1 ✓ v2 ✓ v3 ✓"
                 + (f" (certificate SHA-256 {result.cert_sha256})" if result.cert_sha256 else ""))
    found = badging(apk, cancelled)
    mismatches = badging_problems(found, expected)
    if mismatches:
        raise ToolchainError("aapt", "the APK does not say what was built: "
                             + "; ".join(mismatches))
    if log:
        log.info(f"aapt reads back package {found.package}, label {found.label!r}, "
                 f"version {found.version_name} ({found.version_code})")
    return result
