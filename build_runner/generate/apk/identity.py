"""Who the app is: its package name, label and version. Pure functions, no I/O.

The package name is derived from the event so that rebuilding the same event yields the same
name (a new build installs over the old one): ``org.apkgen.event.<slug>.e<hash>`` where the slug
comes from the event's name and the hash from its id and name. The version code grows with time
(minutes since 2020-01-01 UTC), so each later build of the same event is an update.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from apkgen_core.package_names import JAVA_KEYWORDS, package_name_problem
from build_runner.errors import InputError
from build_runner.generate.problems import Problem

PACKAGE_PREFIX = "org.apkgen.event"
# Longest slug segment taken from the event's name.
SLUG_MAX = 24
# Android's limit on a version code.
VERSION_CODE_MAX = 2_100_000_000
VERSION_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
VERSION_NAME_MAX = 64
LABEL_MAX = 100



@dataclass(frozen=True)
class Identity:
    """What the manifest and the report say about the app."""

    package: str
    label: str
    version_code: int
    version_name: str


def slug(name: str) -> str:
    """A package-name segment from free text: ASCII, lowercase, starts with a letter, no keyword."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "", ascii_text.lower())[:SLUG_MAX]
    if not text:
        return "app"
    if not text[0].isalpha():
        text = "e" + text
    if text in JAVA_KEYWORDS:
        text += "app"
    return text


def event_hash(event_id: str, event_name: str) -> str:
    """Eight hex digits that tell events with the same slug apart, stable across builds."""
    return hashlib.sha256(f"{event_id}\n{event_name}".encode()).hexdigest()[:8]


def derive_package(event_id: str, event_name: str) -> str:
    """The default package name of an event: stable for the same id and name, always valid."""
    return f"{PACKAGE_PREFIX}.{slug(event_name)}.e{event_hash(event_id, event_name)}"


def validate_package(name: str) -> str:
    """``name`` if it is a valid package name; otherwise InputError saying what to change."""
    reason = package_name_problem(name)
    if reason is None:
        return name
    problem = Problem(
        "error", "options", "package_name", f"is not a valid Android package name: it {reason}",
        name, "use lowercase parts separated by dots, like org.example.myevent2024",
    )
    raise InputError(f"package name {name!r} {reason}", [problem])


def version_code_at(now: float) -> int:
    """Minutes since 2020-01-01 UTC at epoch time ``now``: grows with every later build."""
    minutes = int((now - VERSION_EPOCH.timestamp()) // 60)
    return max(1, min(minutes, VERSION_CODE_MAX))


def version_name_at(now: float) -> str:
    """``1.0.<yyyymmddHHMM>`` (UTC) at epoch time ``now``."""
    return "1.0." + datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M")


def validate_version(code: int | None, name: str | None) -> None:
    """InputError if a given version code or name is out of Android's bounds."""
    if code is not None and not (
        isinstance(code, int) and not isinstance(code, bool) and 1 <= code <= VERSION_CODE_MAX
    ):
        raise InputError(
            f"version code {code!r} must be a whole number from 1 to {VERSION_CODE_MAX}",
            [Problem("error", "options", "version_code", "is out of range", code,
                     f"use a whole number from 1 to {VERSION_CODE_MAX}, larger than the last")],
        )
    if name is not None and (not name.strip() or len(name) > VERSION_NAME_MAX
                             or any(ch in name for ch in "\r\n\t")):
        raise InputError(
            f"version name {name!r} must be 1 to {VERSION_NAME_MAX} characters on one line",
            [Problem("error", "options", "version_name", "is not a usable version name", name,
                     "use something like 1.2.0")],
        )


def is_noncharacter(ch: str) -> bool:
    """U+FDD0–U+FDEF, U+xFFFE and U+xFFFF, and lone surrogates: not text, and not allowed in
    the XML aapt reads."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or 0xD800 <= code <= 0xDFFF


def clean_label(text: str) -> str:
    """The label shown under the icon: control characters become spaces, non-characters are
    removed, trimmed, at most LABEL_MAX."""
    kept = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " "
                   for ch in text if not is_noncharacter(ch))
    return kept.strip()[:LABEL_MAX].strip()


def resolve_identity(
    *,
    event_id: str,
    event_name: str,
    now: float,
    package_name: str | None = None,
    app_name: str | None = None,
    version_code: int | None = None,
    version_name: str | None = None,
) -> Identity:
    """The app's identity from the event and the build's options (options win).

    Raises InputError for an invalid package name, version or an empty label.
    """
    package = validate_package(package_name) if package_name else derive_package(
        event_id, event_name)
    validate_version(version_code, version_name)
    label = clean_label(app_name or "") or clean_label(event_name)
    if not label:
        raise InputError(
            "the app has no name: the event's name is empty and no app name was given",
            [Problem("error", "event", "name", "is empty", event_name,
                     "give the event a name or set the app name option")],
        )
    return Identity(
        package=package,
        label=label,
        version_code=version_code if version_code is not None else version_code_at(now),
        version_name=version_name if version_name is not None else version_name_at(now),
    )
