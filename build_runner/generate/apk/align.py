"""zipalign: stored entries on 4-byte boundaries (shared libraries on pages), before signing.

Signing with v2/v3 covers the whole file, so alignment must happen first; apksigner keeps it.
"""

from __future__ import annotations

from pathlib import Path

from build_runner.errors import ToolchainError
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

ALIGNMENT = 4


def align(
    unaligned: Path, aligned: Path, log: BuildLog | None, cancelled: Cancelled = never_cancelled
) -> None:
    """Run ``zipalign -p -f 4 unaligned aligned``; ToolchainError if it fails."""
    zipalign = require_tool("zipalign", "zipalign")
    run_tool(
        "zipalign",
        [zipalign, "-p", "-f", str(ALIGNMENT), str(unaligned), str(aligned)],
        log,
        cancelled,
    )
    if not aligned.is_file():
        raise ToolchainError("zipalign", f"reported success but wrote no {aligned.name}")
