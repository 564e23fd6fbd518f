"""The rule for an Android package name: the request validation (``chalicelib.validation``)
and the generator (``build_runner.generate.apk.identity``) both apply it."""

from __future__ import annotations

import re

MAX_PACKAGE_NAME = 255

# Java's reserved words and literals: none may be a part of a package name.
JAVA_KEYWORDS = frozenset((
    "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
    "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
    "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long",
    "native", "new", "package", "private", "protected", "public", "return", "short", "static",
    "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
    "void", "volatile", "while", "true", "false", "null", "_",
))

_SEGMENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def package_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid Android/Java package name, or None if it is.

    Rules: at least two dot-separated segments; each starts with a letter and has only
    letters, digits and underscores; no segment is a Java keyword; at most 255 characters.
    """
    if not name:
        return "is empty"
    if len(name) > MAX_PACKAGE_NAME:
        return f"is {len(name)} characters long; Android allows at most {MAX_PACKAGE_NAME}"
    segments = name.split(".")
    if len(segments) < 2:
        return "needs at least two parts separated by dots, like org.example.myevent"
    for segment in segments:
        if not segment:
            return "has an empty part (two dots in a row, or a dot at either end)"
        if not _SEGMENT_RE.fullmatch(segment):
            return (f"part {segment!r} must start with a letter and contain only letters, "
                    "digits and underscores")
        if segment in JAVA_KEYWORDS:
            return f"part {segment!r} is a Java keyword; pick another word"
    return None
