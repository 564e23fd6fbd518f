"""Reading one JSON file of an upload without trusting it: size, encoding, syntax, depth.

:func:`parse_json` is pure (bytes in, value or :data:`INVALID` out, problems reported);
:func:`load_json_file` adds the bounded read from disk, :func:`json_depth` measures nesting
without recursion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from build_runner.generate.limits import Limits, human_size
from build_runner.generate.problems import Problems


class _Invalid:
    """The value of a file that could not be read; distinct from JSON ``null``."""

    _instance: _Invalid | None = None

    def __new__(cls) -> _Invalid:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0, ``[]`` is 1)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            depth += 1
            stack.extend((v, depth) for v in item.values())
        elif isinstance(item, list):
            depth += 1
            stack.extend((v, depth) for v in item)
        deepest = max(deepest, depth)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json(data: bytes, name: str, limits: Limits, problems: Problems) -> Any:
    """Decode ``data`` as the upload's file ``name``; :data:`INVALID` after reporting an error."""
    if len(data) > limits.max_json_bytes:
        problems.error(name, "", f"the file is {human_size(len(data))}, more than the "
                       f"{human_size(limits.max_json_bytes)} allowed for one JSON file",
                       hint="remove what the app does not need, such as unpublished sessions")
        return INVALID
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(name, "", f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                       f"{exc.start})", hint="save the file with UTF-8 encoding")
        return INVALID
    if not text.strip():
        problems.error(name, "", "the file is empty", hint="export the event again")
        return INVALID
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        problems.error(name, "", f"is not valid JSON: {exc.msg} at line {exc.lineno} column "
                       f"{exc.colno}", hint="fix the JSON syntax or export the event again")
        return INVALID
    except ValueError as exc:
        problems.error(name, "", f"is not valid JSON: {exc}", hint="export the event again")
        return INVALID
    except RecursionError:
        value = INVALID
    if value is INVALID or json_depth(value) > limits.max_json_depth:
        problems.error(name, "", f"nests arrays and objects more than {limits.max_json_depth} "
                       "levels deep", hint="an Open Event export nests only a few levels; "
                       "export the event again")
        return INVALID
    return value


def load_json_file(path: Path, name: str, limits: Limits, problems: Problems) -> Any:
    """Read and parse one extracted file, never reading more than the limit allows."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_json_bytes + 1)
    except OSError as exc:
        problems.error(name, "", f"cannot be read: {exc.strerror}", hint="export the event again")
        return INVALID
    if len(data) > limits.max_json_bytes:
        size = path.stat().st_size
        problems.error(name, "", f"the file is {human_size(size)}, more than the "
                       f"{human_size(limits.max_json_bytes)} allowed for one JSON file",
                       hint="remove what the app does not need, such as unpublished sessions")
        return INVALID
    return parse_json(data, name, limits, problems)
