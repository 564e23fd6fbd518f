"""What a page of the generated app may open outside it: the rule the shell's smali carries out.

The shell's WebViewClient (``shell/smali/org/apkgen/shell/ShellClient.smali``) keeps the app's
own pages (``file:///android_asset/…``) in the WebView and hands every other URL to
``ShellClient.allowedIntent``, which returns the one intent the URL may start, or null. Event
data can put any link into a page, so this allow-list is all that stands between the data and
the phone's other apps. This module states the same rule in Python: the allow-list as data
(:data:`VIEW_SCHEMES`, :data:`INTENTS`) and the decision as a pure function (:func:`decide`),
so that it can be tested URL by URL (the dex cannot run off a device) and the dex checked
against it: ``tests/shell_intents.py`` is the table of URLs both tests read. Change the smali,
this module and the table together.

The web app (``webapp_assets``) navigates to exactly these forms:

* add to calendar: ``intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.
  cursor.dir/event;S.title=…;l.beginTime=MS;l.endTime=MS;S.eventLocation=…;S.description=…;end``
* share: ``intent:#Intent;action=android.intent.action.SEND;type=text/plain;
  S.android.intent.extra.SUBJECT=…;S.android.intent.extra.TEXT=…;end`` (through the chooser)
* directions: ``geo:LAT,LNG?q=…``; links: ``http:``, ``https:``, ``mailto:``

An ``intent:`` URL is read as ``Intent.parseUri(url, Intent.URI_INTENT_SCHEME)`` reads it
(:func:`parse_intent_uri`); one that names a package, a component, a selector or data is
refused, and an allowed one is started as a fresh intent holding only its allowed extras (of the
allowed kind): its other extras, categories and flags are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

ASSET_PREFIX = "file:///android_asset/"
VIEW = "android.intent.action.VIEW"
INSERT = "android.intent.action.INSERT"
SEND = "android.intent.action.SEND"
BROWSABLE = "android.intent.category.BROWSABLE"
EXTRA_SUBJECT = "android.intent.extra.SUBJECT"
EXTRA_TEXT = "android.intent.extra.TEXT"
# Intent.URI_INTENT_SCHEME, the flag the shell passes to Intent.parseUri.
URI_INTENT_SCHEME = 1
# URLs of these schemes open as VIEW intents in the app that handles them (maps, browser, mail).
VIEW_SCHEMES = ("geo", "http", "https", "mailto")


@dataclass(frozen=True)
class AllowedIntent:
    """One intent an ``intent:`` URL may start: its action and type, and the extras copied."""

    action: str
    type: str
    strings: tuple[str, ...]
    longs: tuple[str, ...] = ()
    chooser: bool = False  # started through the system's chooser (the person picks the app)


INTENTS = (
    AllowedIntent(INSERT, "vnd.android.cursor.dir/event",
                  strings=("title", "eventLocation", "description"),
                  longs=("beginTime", "endTime")),
    AllowedIntent(SEND, "text/plain", strings=(EXTRA_SUBJECT, EXTRA_TEXT), chooser=True),
)


@dataclass(frozen=True)
class Load:
    """The WebView loads the URL: one of the app's own pages."""


@dataclass(frozen=True)
class Launch:
    """The intent started (and nothing happens when no app handles it)."""

    action: str
    type: str | None = None
    data: str | None = None
    categories: tuple[str, ...] = ()
    extras: tuple[tuple[str, str | int], ...] = ()  # sorted by key
    chooser: bool = False


@dataclass(frozen=True)
class Refuse:
    """Nothing is loaded nor started; ``reason`` says why."""

    reason: str


Decision = Load | Launch | Refuse


@dataclass
class ParsedIntent:
    """What ``Intent.parseUri(url, URI_INTENT_SCHEME)`` makes of an ``intent:`` URL.

    ``extras`` maps a key to ``(kind, value)``, kind being the URL's type letter (``S`` a
    String, ``l`` a long, ``i`` an int …): a Bundle keeps the type, and the shell copies a key
    only when it holds the allowed type."""

    action: str = VIEW
    type: str | None = None
    data: str | None = None
    package: str | None = None
    component: str | None = None
    selector: bool = False
    flags: int = 0
    categories: list[str] = field(default_factory=list)
    extras: dict[str, tuple[str, str | int | float | bool]] = field(default_factory=dict)


_NUMBERS = {"b": 8, "s": 16, "i": 32, "l": 64}
_RADIX_DIGITS = {8: set("01234567"), 16: set("0123456789abcdefABCDEF")}
_JAVA_DECIMAL = re.compile(r"\s*[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?\s*",
                           re.ASCII)


def _in_range(value: int, bits: int, text: str) -> int:
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f"out of range: {text!r}")
    return value


def _java_parse(text: str, bits: int, radix: int = 10) -> int:
    """Java's Byte/Short/Integer/Long.parseX: an optional sign, then digits (in base 10 any
    script's decimal digits, as Character.digit reads them), in range; else ValueError where
    Java throws NumberFormatException."""
    digits = text[1:] if text[:1] in "+-" else text
    valid = digits.isdecimal() if radix == 10 else set(digits) <= _RADIX_DIGITS[radix]
    if not digits or not valid:
        raise ValueError(f"not a number: {text!r}")
    return _in_range(int(text, radix), bits, text)


def _java_decode(text: str) -> int:
    """Java's Integer.decode (``launchFlags=``): decimal, ``0x``/``#`` hex or ``0`` octal."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    radix = 10
    if body[:2].lower() == "0x" or body[:1] == "#":
        radix, body = 16, body[2:] if body[:1] == "0" else body[1:]
    elif body[:1] == "0" and len(body) > 1:
        radix, body = 8, body[1:]
    if body[:1] in "+-":
        raise ValueError(f"a sign in the wrong place: {text!r}")
    return _java_parse(sign + body, 32, radix)


def _extra(kind: str, value: str) -> str | int | float | bool:
    if kind == "S":
        return value
    if kind == "B":
        return value.lower() == "true"
    if kind in _NUMBERS:
        return _java_parse(value, _NUMBERS[kind])
    if kind in "df":  # Double.parseDouble (hexadecimal floats left out: none are ever copied)
        if not _JAVA_DECIMAL.fullmatch(value):
            raise ValueError(f"not a number: {value!r}")
        return float(value.strip().rstrip("fFdD"))
    if kind == "c":
        if not value:
            raise ValueError("an empty char")
        return value[0]
    raise ValueError(f"unknown EXTRA type {kind!r}")


def parse_intent_uri(url: str) -> ParsedIntent:
    """An ``intent:`` URL read as Android's ``Intent.parseUri(url, URI_INTENT_SCHEME)`` reads
    the ``#Intent;…;end`` form. Raises ValueError where Android throws (URISyntaxException,
    NumberFormatException …); forms the shell refuses anyway (no ``#Intent;``: Android makes a
    VIEW intent with data) are refused with ValueError too."""
    if not url.startswith("intent:"):
        raise ValueError("not an intent: URL")
    hash_at = url.rfind("#")
    if hash_at < 0 or not url.startswith("#Intent;", hash_at):
        raise ValueError("no #Intent;…;end part (Android reads it as a VIEW of data)")
    base = current = ParsedIntent()
    data, scheme, in_selector = url[:hash_at], None, False
    i = hash_at + len("#Intent;")
    while not url.startswith("end", i):
        semi = url.find(";", i)
        if semi < 0:
            raise ValueError("illegal Intent URI format: no ';' after an item")
        eq = url.find("=", i)
        if eq < 0:
            eq = i - 1
        value = unquote(url[eq + 1:semi]) if eq < semi else ""
        item = url[i:semi]
        if item.startswith("action="):
            current.action = value
        elif item.startswith("category="):
            current.categories.append(value)
        elif item.startswith("type="):
            current.type = value
        elif item.startswith("launchFlags="):
            current.flags = _java_decode(value)
        elif item.startswith("package="):
            current.package = value
        elif item.startswith("component="):
            current.component = value
        elif item.startswith("scheme="):
            if in_selector:
                current.data = value + ":"
            else:
                scheme = value
        elif item.startswith(("identifier=", "sourceBounds=")):
            pass
        elif item == "SEL":
            current, in_selector = ParsedIntent(), True
        else:
            if eq < i + 2:
                raise ValueError("illegal Intent URI format: an extra without a name")
            current.extras[unquote(url[i + 2:eq])] = (url[i], _extra(url[i], value))
        i = semi + 1
    if in_selector and base.package is None:
        base.selector = True
    rest = data[len("intent:"):]
    if scheme is not None:
        rest = scheme + ":" + rest
    if rest:
        base.data = rest
    return base


def _allowed(parsed: ParsedIntent) -> Decision:
    named = [what for what, value in (("a package", parsed.package),
                                      ("a component", parsed.component),
                                      ("a selector", parsed.selector or None),
                                      ("data", parsed.data)) if value]
    if named:
        return Refuse(f"the intent names {named[0]}")
    for allowed in INTENTS:
        if parsed.action != allowed.action:
            continue
        if parsed.type != allowed.type:
            return Refuse(f"{allowed.action} only with type {allowed.type}")
        extras: dict[str, str | int] = {}
        for key in allowed.strings:
            kind, value = parsed.extras.get(key, ("", ""))
            if kind == "S" and isinstance(value, str):
                extras[key] = value
        for key in allowed.longs:
            kind, value = parsed.extras.get(key, ("", 0))
            if kind == "l" and isinstance(value, int) and value != -(2 ** 63):
                extras[key] = value
        return Launch(allowed.action, type=allowed.type, extras=tuple(sorted(extras.items())),
                      chooser=allowed.chooser)
    return Refuse(f"action {parsed.action} is not allowed")


def decide(url: str | None) -> Decision:
    """What the shell does when a page navigates to ``url`` (pure; the order of the checks is
    the smali's)."""
    if url is None:
        return Refuse("no URL")
    if url.startswith(ASSET_PREFIX):
        return Load()
    if url.startswith("intent:"):
        try:
            parsed = parse_intent_uri(url)
        except ValueError as exc:
            return Refuse(f"unreadable intent: URL ({exc})")
        return _allowed(parsed)
    if url.startswith(tuple(scheme + ":" for scheme in VIEW_SCHEMES)):
        return Launch(VIEW, data=url, categories=(BROWSABLE,))
    return Refuse("not a scheme the app opens")
