"""``python -m build_runner generate EVENT.zip|URL -o app.apk``: one build in the terminal.

Prints the live build log on stderr (the same lines the organizer sees in the browser), then a
summary on stdout. Exit status: 0 on success, 1 when the event or a tool failed (the errors are
listed), 2 for bad command-line usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from build_runner.errors import ApkgenError, BuildCancelled, InputError, ToolchainError
from build_runner.logs import BuildLog, TerminalSink


def build_parser() -> argparse.ArgumentParser:
    """The ``generate`` command's arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m build_runner generate",
        description="Build a signed Android app from an Open Event export (zip) or API URL.",
    )
    parser.add_argument("source", help="the event export (.zip) or an Open Event API URL")
    parser.add_argument("-o", "--output", required=True, type=Path, help="where to write the APK")
    parser.add_argument("--package", help="package name (default: derived from the event)")
    parser.add_argument("--name", help="app label under the icon (default: the event's name)")
    parser.add_argument("--primary-color", help="main color as #rrggbb")
    parser.add_argument("--accent-color", help="accent color as #rrggbb")
    parser.add_argument("--version-code", type=int, help="version code (default: grows with time)")
    parser.add_argument("--version-name", help="version name (default: 1.0.<yyyymmddHHMM>)")
    parser.add_argument("--report", type=Path, help="also write the JSON report here")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug lines too")
    return parser


def format_summary(summary: dict[str, Any]) -> str:
    """The human summary printed after a successful build."""
    rows = [
        ("package", summary["package"]),
        ("label", summary["label"]),
        ("version", f"{summary['version_name']} (code {summary['version_code']})"),
        ("size", f"{summary['size']} bytes ({summary['size'] / 1024 / 1024:.2f} MiB)"),
        ("sha256", summary["sha256"]),
        ("warnings", str(summary["warnings"])),
    ]
    return "\n".join(f"{name:<9} {value}" for name, value in rows)


def _write_report(path: Path | None, report: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _print_error(exc: ApkgenError, err: TextIO) -> None:
    if isinstance(exc, InputError):
        print(f"error: the event cannot be built: {exc.summary}", file=err)
        for problem in exc.problems:
            print(f"  - {problem}", file=err)
    elif isinstance(exc, ToolchainError):
        print(f"error: {exc}", file=err)
        if exc.output:
            print(f"  last output of {exc.tool}:", file=err)
            for line in exc.output.splitlines():
                print(f"    {line}", file=err)
    else:
        print(f"error: {exc}", file=err)


def main(argv: list[str], *, out: TextIO | None = None, err: TextIO | None = None,
         environ: dict[str, str] | None = None) -> int:
    """Run one build; return the exit status. ``environ`` replaces os.environ for settings."""
    from apkgen_core.settings import Settings
    from build_runner.generate.pipeline import GenerateOptions, Generator, GeneratorConfig

    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(environ)
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return 1
    log = BuildLog(TerminalSink(err, min_level="debug" if args.verbose else "info"))
    options = GenerateOptions(
        package_name=args.package, app_name=args.name, primary_color=args.primary_color,
        accent_color=args.accent_color, version_code=args.version_code,
        version_name=args.version_name,
    )
    source: str | Path = args.source if "://" in args.source else Path(args.source)
    generator: Generator | None = None
    try:
        generator = Generator(GeneratorConfig.from_settings(settings), log=log)
        result = generator.generate(source, args.output, options, log)
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except (InputError, ToolchainError, BuildCancelled) as exc:
        _print_error(exc, err)
        if isinstance(exc, InputError):
            _write_report(args.report, {"summary": None, "errors": [
                p.to_dict() for p in exc.problems], "warnings": [],
                "error_count": len(exc.problems), "warning_count": 0})
        return 1
    finally:
        if generator is not None:
            generator.close()
    _write_report(args.report, result.report)
    print(format_summary(result.report["summary"]), file=out)
    return 0
