"""Who may import whom (docs/architecture.md): the layers hold, read from the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {
    "apkgen_core": REPO / "chalice_app" / "vendor" / "apkgen_core",
    "chalicelib": REPO / "chalice_app" / "chalicelib",
    "build_runner.generate": REPO / "build_runner" / "generate",
    "build_runner.fanout": REPO / "build_runner" / "fanout",
    "build_runner.runner": REPO / "build_runner" / "runner",
    "local_ws": REPO / "local_ws",
    "local_stack": REPO / "local_stack",
    "apkgen_client": REPO / "apkgen_client",
}
OURS = ("apkgen_core", "chalicelib", "build_runner", "local_ws", "local_stack", "apkgen_client",
        "infra", "bench", "app")
# What each package may import of ours (besides itself); build_runner's own top-level modules
# (logs, errors, redact) count as "build_runner".
ALLOWED = {
    "apkgen_core": set(),
    "chalicelib": {"apkgen_core"},
    "build_runner.generate": {"apkgen_core", "build_runner"},
    "build_runner.fanout": {"apkgen_core", "build_runner"},
    "build_runner.runner": {"apkgen_core", "build_runner", "build_runner.fanout",
                            "build_runner.generate", "chalicelib"},
    "local_ws": {"apkgen_core"},
    "local_stack": {"apkgen_core", "chalicelib", "local_ws"},
    "apkgen_client": set(),
}


def imported_modules(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def layer_of(module: str) -> str | None:
    """The package of ours ``module`` belongs to (the longest match), or None."""
    for name in sorted(PACKAGES, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    top = module.split(".")[0]
    return top if top in OURS else None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    used = {layer_of(m) for m in imported_modules(PACKAGES[package])} - {None, package}
    assert used <= ALLOWED[package], f"{package} imports {sorted(used - ALLOWED[package])}"


def test_the_core_imports_nothing_but_the_standard_library() -> None:
    # Deployed with the Lambda functions and imported by the runner: no boto3, no sockets.
    outside = {m.split(".")[0] for m in imported_modules(PACKAGES["apkgen_core"])}
    outside -= set(sys.stdlib_module_names) | {"apkgen_core", "__future__"}
    assert outside == set()
