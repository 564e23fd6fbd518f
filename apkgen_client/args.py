"""The command line of ``apkgen``, parsed into plain values. Pure: the environment is handed in.

::

    apkgen build EVENT.zip|URL [--api URL] [--email E] [--name N] [--package P]
                 [--primary-color #RRGGBB] [--accent-color #RRGGBB]
                 [--follow/--no-follow] [-o app.apk] [--timestamps]
    apkgen logs BUILD_ID [--api URL] [--timestamps]
    apkgen status BUILD_ID [--api URL]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from apkgen_client.errors import UsageError

DEFAULT_API = "http://127.0.0.1:8000"
API_ENV = "APKGEN_API_URL"

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PACKAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$")


@dataclass(frozen=True)
class BuildCommand:
    api: str
    source: str
    is_url: bool
    email: str | None = None
    app_name: str | None = None
    package_name: str | None = None
    primary_color: str | None = None
    accent_color: str | None = None
    follow: bool = True
    output: Path | None = None
    timestamps: bool = False


@dataclass(frozen=True)
class LogsCommand:
    api: str
    build_id: str
    timestamps: bool = False


@dataclass(frozen=True)
class StatusCommand:
    api: str
    build_id: str


Command = BuildCommand | LogsCommand | StatusCommand


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so callers decide."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}\n{self.format_usage().strip()}")


def build_parser(default_api: str = DEFAULT_API) -> argparse.ArgumentParser:
    """The argparse parser (``--help`` texts live here)."""
    parser = _Parser(prog="apkgen", description="Build an Android app from an Open Event export "
                     "and watch its build log live.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def api_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--api", default=default_api,
                       help=f"the apkgen API (default {default_api}; or set {API_ENV})")

    build = sub.add_parser("build", help="upload an event and build its app")
    build.add_argument("source", help="an Open Event export (.zip) or an Open Event API URL")
    api_option(build)
    build.add_argument("--email", help="email the download link to this address")
    build.add_argument("--name", dest="app_name", help="the app's name (default: the event's)")
    build.add_argument("--package", dest="package_name", help="Android package, e.g. org.ev.app")
    build.add_argument("--primary-color", help="theme color, #RRGGBB")
    build.add_argument("--accent-color", help="accent color, #RRGGBB")
    build.add_argument("--follow", action=argparse.BooleanOptionalAction, default=True,
                       help="print the live log and wait for the build (default: yes)")
    build.add_argument("-o", "--output", type=Path,
                       help="where to write the APK (default: ./PACKAGE.apk)")
    build.add_argument("--timestamps", action="store_true", help="show each line's time")

    logs = sub.add_parser("logs", help="print a build's whole log")
    logs.add_argument("build_id")
    api_option(logs)
    logs.add_argument("--timestamps", action="store_true", help="show each line's time")

    status = sub.add_parser("status", help="print a build's status")
    status.add_argument("build_id")
    api_option(status)
    return parser


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> Command:
    """Parse ``argv`` (without the program name); raise :class:`UsageError` saying what to fix."""
    parser = build_parser(environ.get(API_ENV) or DEFAULT_API)
    ns = parser.parse_args(list(argv))
    api = _check_api(ns.api)
    if ns.command == "logs":
        return LogsCommand(api, _check_id(ns.build_id), ns.timestamps)
    if ns.command == "status":
        return StatusCommand(api, _check_id(ns.build_id))
    source: str = ns.source
    is_url = source.startswith(("http://", "https://"))
    if not is_url and not source.lower().endswith(".zip"):
        raise UsageError(f"{source!r} is neither a .zip file nor an http(s):// URL: give an Open "
                         "Event export zip or the URL of an Open Event API event")
    for option, value in (("--primary-color", ns.primary_color),
                          ("--accent-color", ns.accent_color)):
        if value is not None and not _COLOR.match(value):
            raise UsageError(f"{option} {value!r} is not a color: write it as #RRGGBB, "
                             "e.g. #1e88e5")
    if ns.package_name is not None and not _PACKAGE.match(ns.package_name):
        raise UsageError(f"--package {ns.package_name!r} is not an Android package name: use "
                         "two or more dot-separated parts of letters, digits and _, "
                         "e.g. org.example.event")
    if ns.email is not None and "@" not in ns.email:
        raise UsageError(f"--email {ns.email!r} is not an email address")
    return BuildCommand(api=api, source=source, is_url=is_url, email=ns.email,
                        app_name=ns.app_name, package_name=ns.package_name,
                        primary_color=ns.primary_color, accent_color=ns.accent_color,
                        follow=ns.follow, output=ns.output, timestamps=ns.timestamps)


def _check_api(api: str) -> str:
    if not api.startswith(("http://", "https://")):
        raise UsageError(f"--api {api!r} must be an http:// or https:// URL, "
                         f"e.g. {DEFAULT_API}")
    return api.rstrip("/")


def _check_id(build_id: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,100}", build_id):
        raise UsageError(f"{build_id!r} is not a build id: copy the id that `apkgen build` "
                         "printed (letters, digits, - and _)")
    return build_id
