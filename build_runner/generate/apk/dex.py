"""The app's code: the hand-written smali shell assembled once with apktool, then cached.

Every generated app runs the same ``classes.dex`` (a WebView activity showing the assets); only
the manifest, resources and assets differ per event. Assembling smali costs a JVM start and a
second or two, so the dex is built once per (smali sources, apktool version) and kept in the
cache dir under a name that is the hash of both. The file is written beside its final name and
renamed into place, so concurrent builds never read half a dex.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

SHELL_DIR = Path(__file__).parent / "shell"
# The shell's package and activity; each event's package is renamed onto it by aapt.
SHELL_PACKAGE = "org.apkgen.shell"
MAIN_ACTIVITY = "org.apkgen.shell.MainActivity"


def shell_files() -> list[Path]:
    """The files of the decoded shell app that apktool assembles, in a stable order."""
    return sorted(p for p in SHELL_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def apktool_fingerprint(apktool: str) -> str:
    """apktool's identity without starting a JVM: its launcher and the jars it runs.

    Debian's launcher runs ``/usr/share/apktool/*``; each jar's resolved name and size stand for
    the version (an upgrade changes them), so a cached dex is rebuilt after an upgrade.
    """
    launcher = Path(apktool).resolve()
    parts = [launcher.read_bytes().hex() if launcher.is_file() else apktool]
    jars = launcher.parent.parent / "share" / "apktool"
    if jars.is_dir():
        for jar in sorted(jars.iterdir()):
            real = jar.resolve()
            parts.append(f"{real.name}:{real.stat().st_size if real.exists() else -1}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shell_digest(apktool_identity: str) -> str:
    """Hash of the shell's sources and apktool's identity: the cache key of the dex."""
    digest = hashlib.sha256(apktool_identity.encode())
    for path in shell_files():
        digest.update(b"\0" + path.relative_to(SHELL_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def apktool_version() -> str:
    """apktool's version string (part of the cache key)."""
    apktool = require_tool("apktool", "apktool")
    lines = run_tool("apktool", [apktool, "--version"], None, timeout_s=120)
    version = next((line.strip() for line in lines if line.strip()), "")
    if not version:
        raise ToolchainError("apktool", "printed no version for `apktool --version`")
    return version


def ensure_dex(
    cache_dir: Path, log: BuildLog | None, cancelled: Cancelled = never_cancelled
) -> Path:
    """The cached ``classes.dex`` of the shell, assembling it with apktool if missing.

    Raises ToolchainError if apktool fails or produces no dex, BuildCancelled if cancelled
    while apktool runs.
    """
    apktool = require_tool("apktool", "apktool")
    target = cache_dir / "dex" / f"classes-{shell_digest(apktool_fingerprint(apktool))}.dex"
    if target.is_file():
        return target
    version = apktool_version()
    target.parent.mkdir(parents=True, exist_ok=True)
    if log:
        log.info(f"assembling the app's code from smali with apktool {version} (once, cached)")
    with tempfile.TemporaryDirectory(prefix="apkgen-shell-", dir=cache_dir) as tmp:
        # apktool writes build/ into the app folder, so it works on a copy.
        app_dir = Path(tmp) / "shell"
        shutil.copytree(SHELL_DIR, app_dir, ignore=shutil.ignore_patterns("__pycache__"))
        built = Path(tmp) / "shell.apk"
        run_tool(
            "apktool",
            [apktool, "b", "-f", "-p", str(Path(tmp) / "framework"), "-o", str(built),
             str(app_dir)],
            log,
            cancelled,
            cwd=Path(tmp),
        )
        try:
            with zipfile.ZipFile(built) as apk:
                data = apk.read("classes.dex")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ToolchainError("apktool", f"built {built.name} without a readable classes.dex: "
                                 f"{exc}") from exc
        partial = target.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)
    return target
