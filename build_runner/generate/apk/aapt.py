"""aapt: packaging the manifest, resources and assets, and reading an APK's badging back.

``package`` compiles the per-event manifest and ``res/`` against Debian's framework-res.apk,
renames the shell's package to the event's, stores ``resources.arsc`` uncompressed (required
from Android 11 for apps targeting it) and adds the assets; ``add_dex`` then puts the cached
``classes.dex`` in. ``parse_badging`` is pure, so its parsing is tested without aapt.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.resources import MIN_SDK, TARGET_SDK
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

FRAMEWORK_RES_CANDIDATES = (
    Path("/usr/share/android-framework-res/framework-res.apk"),
    Path("/usr/lib/android-sdk/platforms/android-23/android.jar"),
)


def find_framework_res(configured: Path | None = None) -> Path:
    """The framework-res.apk aapt links against; ToolchainError saying how to get one."""
    candidates = (configured,) if configured else FRAMEWORK_RES_CANDIDATES
    for path in candidates:
        if path is not None and path.is_file():
            return path
    shown = ", ".join(str(p) for p in candidates if p is not None)
    raise ToolchainError(
        "aapt",
        f"no framework-res.apk found (looked at {shown}); install the Debian package "
        "'android-framework-res' or set the generator's framework_res path",
    )


def package(
    *,
    manifest: Path,
    res_dir: Path,
    assets_dir: Path,
    framework_res: Path,
    package_name: str,
    out_apk: Path,
    log: BuildLog | None,
    cancelled: Cancelled = never_cancelled,
) -> None:
    """Run ``aapt package`` into ``out_apk`` (unsigned, unaligned, without code yet)."""
    aapt = require_tool("aapt", "aapt")
    run_tool(
        "aapt",
        [
            aapt, "package", "-f", "--no-crunch",
            "-M", str(manifest), "-S", str(res_dir), "-A", str(assets_dir),
            "-I", str(framework_res), "-F", str(out_apk),
            "--rename-manifest-package", package_name,
            "--min-sdk-version", str(MIN_SDK), "--target-sdk-version", str(TARGET_SDK),
            "-0", "arsc",
        ],
        log,
        cancelled,
    )
    if not out_apk.is_file():
        raise ToolchainError("aapt", f"reported success but wrote no {out_apk.name}")


def add_dex(apk: Path, dex: Path) -> None:
    """Add ``dex`` to ``apk`` as ``classes.dex`` (deflated)."""
    try:
        with zipfile.ZipFile(apk, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            zf.write(dex, "classes.dex")
    except (OSError, zipfile.BadZipFile) as exc:
        raise ToolchainError("aapt", f"could not add classes.dex to {apk.name}: {exc}") from exc


@dataclass(frozen=True)
class Badging:
    """What ``aapt dump badging`` says about an APK."""

    package: str = ""
    version_code: str = ""
    version_name: str = ""
    label: str = ""
    launchable_activity: str = ""
    min_sdk: str = ""
    target_sdk: str = ""
    densities: tuple[str, ...] = field(default_factory=tuple)


_ATTR = re.compile(r"(\w+)='((?:[^']|'(?! |$))*)'")


def _attrs(rest: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _ATTR.finditer(rest)}


_BADGING_ESCAPES = {"\\\\": "\\", "\\n": "\n", '\\"': '"'}


def unescape_badging(text: str) -> str:
    """Undo aapt's ``normalizeForOutput``: it prints ``\\`` as ``\\\\``, ``"`` as ``\\"``,
    a newline as ``\\n``, and leaves every other character (``'`` too) as it is."""
    return re.sub(r'\\[\\n"]', lambda m: _BADGING_ESCAPES[m.group(0)], text)


def parse_badging(lines: list[str]) -> Badging:
    """Parse ``aapt dump badging`` output (labels may contain quotes and are not quoted)."""
    values: dict[str, str] = {}
    densities: tuple[str, ...] = ()
    for line in lines:
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        if key == "package":
            attrs = _attrs(rest)
            values["package"] = attrs.get("name", "")
            values["version_code"] = attrs.get("versionCode", "")
            values["version_name"] = attrs.get("versionName", "")
        elif key == "application-label":
            raw = rest[1:-1] if rest.startswith("'") and rest.endswith("'") else rest
            values["label"] = unescape_badging(raw)
        elif key == "launchable-activity":
            match = re.match(r"\s*name='([^']*)'", rest)
            values["launchable_activity"] = match.group(1) if match else ""
        elif key in ("sdkVersion", "targetSdkVersion"):
            values["min_sdk" if key == "sdkVersion" else "target_sdk"] = rest.strip("'")
        elif key == "densities":
            densities = tuple(re.findall(r"'([^']*)'", rest))
    return Badging(densities=densities, **values)


def badging(apk: Path, cancelled: Cancelled = never_cancelled) -> Badging:
    """Run ``aapt dump badging`` on ``apk`` and parse it (its output is not logged)."""
    aapt = require_tool("aapt", "aapt")
    return parse_badging(run_tool("aapt", [aapt, "dump", "badging", str(apk)], None, cancelled))
