"""Validation of build requests. Pure: every rule returns the cleaned value or raises
InvalidRequest saying what was wrong and how to fix it.

What a request sent is echoed back at most :data:`MAX_ECHO` characters long (a 5 MB field name
comes back as its first 100 characters), with characters that cannot be sent as UTF-8 (lone
surrogates) written as escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from apkgen_core.package_names import package_name_problem
from chalicelib.errors import InvalidRequest
from chalicelib.uploads import UPLOAD_KEY_RE

MAX_APP_NAME = 50
MAX_URL = 2000
MAX_EMAIL = 254
MAX_ECHO = 100  # characters of a sent value or field name quoted back in an error
MAX_UNKNOWN_LISTED = 10  # unknown field names quoted back in one error

_COLOR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is SES's job.
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

OPTION_FIELDS = ("email", "app_name", "package_name", "primary_color", "accent_color")
SOURCE_FIELDS = ("upload_key", "api_url")
KNOWN_FIELDS = frozenset(OPTION_FIELDS + SOURCE_FIELDS)


def shown(value: Any) -> str:
    """``value`` as quoted in an error: its ``repr``, cut to :data:`MAX_ECHO` characters of
    text, lone surrogates escaped (``'\\ud800'``) so the answer is valid UTF-8."""
    text = str(value)
    cut = text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"
    return repr(cut) if isinstance(value, str) else cut


def parse_json_body(raw: bytes | str | None) -> Any:
    """The JSON value of a request body (None when there is none). Raises InvalidRequest for a
    body that is not UTF-8, not JSON, or nested too deep for the parser."""
    if raw is None or raw in (b"", ""):
        return None
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequest(
                f"the body is not UTF-8 text (byte {exc.start}): send a JSON object in UTF-8"
            ) from exc
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise InvalidRequest(
            "the body nests arrays or objects too deeply: send a flat JSON object like "
            '{"upload_key": "uploads/….zip", "app_name": "My Conf"}'
        ) from exc
    except ValueError as exc:
        raise InvalidRequest(
            f"the body is not valid JSON ({shown(str(exc))[1:-1]}): send a JSON object"
        ) from exc


def validate_package_name(value: Any) -> str:
    """A valid Java package name, or InvalidRequest."""
    name = _string("package_name", value)
    problem = package_name_problem(name)
    if problem:
        raise InvalidRequest(f"package_name {shown(name)} {problem}")
    return name


def validate_color(field_name: str, value: Any) -> str:
    """``#rrggbb`` (lower-cased), or InvalidRequest."""
    color = _string(field_name, value)
    if not _COLOR_RE.fullmatch(color):
        raise InvalidRequest(f"{field_name} {shown(color)} must be a color like #1a73e8 (# and six "
                             "hex digits)")
    return color.lower()


def validate_email(value: Any) -> str:
    """An address of the form ``name@domain.tld``, or InvalidRequest."""
    email = _string("email", value)
    if len(email) > MAX_EMAIL or not _EMAIL_RE.fullmatch(email):
        raise InvalidRequest(
            f"email {shown(email)} is not an email address like organizer@example.org"
        )
    return email


def validate_app_name(value: Any) -> str:
    """A non-empty app name of at most 50 characters, or InvalidRequest."""
    name = _string("app_name", value).strip()
    if not name:
        raise InvalidRequest("app_name is empty: leave it out to use the event's name")
    if len(name) > MAX_APP_NAME:
        raise InvalidRequest(
            f"app_name is {len(name)} characters long; keep it to {MAX_APP_NAME}"
        )
    if any(ord(c) < 32 for c in name):
        raise InvalidRequest("app_name contains control characters (newlines, tabs): remove them")
    return name


def validate_api_url(value: Any) -> str:
    """An http(s) URL with a host, or InvalidRequest."""
    url = _string("api_url", value).strip()
    if len(url) > MAX_URL:
        raise InvalidRequest(f"api_url is over {MAX_URL} characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidRequest(f"api_url {shown(url)} is not a URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            f"api_url {shown(url)} must be an http:// or https:// URL with a host, like "
            "https://api.eventyay.com/v1/events/123"
        )
    return url


def validate_upload_key(value: Any) -> str:
    """A key of the form ``uploads/<id>.zip`` as returned by POST /uploads, or InvalidRequest."""
    key = _string("upload_key", value)
    if not UPLOAD_KEY_RE.fullmatch(key):
        raise InvalidRequest(
            f"upload_key {shown(key)} is not a key from POST /uploads (uploads/<id>.zip): "
            "call POST /uploads, send the file there, then use its upload_key"
        )
    return key


def _string(field_name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{field_name} must be a string, not {type(value).__name__}")
    _unicode(field_name, value)
    return value


def _unicode(what: str, text: str) -> None:
    """Refuse text holding a lone UTF-16 surrogate (JSON's ``"\\ud800"``): it has no UTF-8
    form, so it could be neither stored nor shown."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequest(
            f"{what} has an unpaired surrogate {shown(text[exc.start])} at character "
            f"{exc.start}: send valid Unicode text (a \\uD83D\\uDE00-style pair, or the "
            "character itself in UTF-8)"
        ) from exc


@dataclass(frozen=True)
class BuildRequest:
    """A validated request: where the event comes from and the app's options."""

    upload_key: str | None = None
    api_url: str | None = None
    inline_zip: bool = False
    options: dict[str, str] = field(default_factory=dict)


_VALIDATORS: dict[str, Callable[[Any], str]] = {
    "email": validate_email,
    "app_name": validate_app_name,
    "package_name": validate_package_name,
    "primary_color": lambda v: validate_color("primary_color", v),
    "accent_color": lambda v: validate_color("accent_color", v),
}


def validate_build_request(
    fields: Mapping[str, Any], *, zip_body: bytes | None = None, max_inline_bytes: int
) -> BuildRequest:
    """Check a build request: exactly one source among ``upload_key``, ``api_url`` and an
    inline zip body, plus valid options. Empty option values count as absent. Raises
    InvalidRequest naming the field and the fix; unknown fields are refused (typos)."""
    if not isinstance(fields, Mapping):
        raise InvalidRequest("the request body must be a JSON object")
    unknown = sorted(str(name) for name in set(fields) - KNOWN_FIELDS)
    if unknown:
        listed = ", ".join(shown(name)[1:-1] for name in unknown[:MAX_UNKNOWN_LISTED])
        more = len(unknown) - MAX_UNKNOWN_LISTED
        raise InvalidRequest(
            f"unknown field(s) {listed}" + (f" and {more} more" if more > 0 else "")
            + "; known fields: " + ", ".join(sorted(KNOWN_FIELDS))
        )
    given = [name for name in SOURCE_FIELDS if fields.get(name) not in (None, "")]
    if zip_body is not None:
        given.append("zip body")
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        raise InvalidRequest(
            f"give exactly one source of the event, got {what}: either upload_key (from POST "
            "/uploads), or api_url (an Open Event API URL), or the zip itself as the body with "
            "Content-Type: application/zip"
        )
    if zip_body is not None:
        validate_zip_body(zip_body, max_inline_bytes)
    options = {
        name: _VALIDATORS[name](fields[name])
        for name in OPTION_FIELDS
        if fields.get(name) not in (None, "")
    }
    return BuildRequest(
        upload_key=validate_upload_key(fields["upload_key"]) if "upload_key" in given else None,
        api_url=validate_api_url(fields["api_url"]) if "api_url" in given else None,
        inline_zip=zip_body is not None,
        options=options,
    )


def validate_zip_body(data: bytes, max_bytes: int) -> None:
    """An inline export: a zip (starts with ``PK``) of at most ``max_bytes``."""
    if not data:
        raise InvalidRequest("the zip body is empty: send the event export's bytes")
    if len(data) > max_bytes:
        raise InvalidRequest(
            f"the zip body is {len(data)} bytes, over the {max_bytes} bytes allowed inline: "
            "use POST /uploads and then upload_key for bigger files"
        )
    if not data.startswith(b"PK"):
        raise InvalidRequest(
            "the body is not a zip file (it does not start with PK): send the Open Event "
            "export .zip as it was downloaded"
        )
