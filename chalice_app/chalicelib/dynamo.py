"""Conversion between plain Python values and DynamoDB's typed attribute values. Pure.

Numbers: DynamoDB returns ``Decimal``; integral values come back as ``int``, others as
``float``. Floats go in as ``Decimal(str(value))`` so ``0.1`` stays ``0.1``. ``None`` values
are left out of items (a missing attribute reads as None). A string DynamoDB cannot store (one
holding a lone UTF-16 surrogate such as ``"\\ud800"``, which has no UTF-8 form) is stored with
U+FFFD in its place rather than failing the write. :func:`item_size` counts an item's bytes the
way DynamoDB does against its 400 KB item limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


ITEM_LIMIT_BYTES = 400 * 1024  # DynamoDB's maximum item size
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (UTF-8 has no form for them)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE_RE.sub("\ufffd", text)
    return text


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {storable_text(str(k)): _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def serialize(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value (``{"S": "x"}``, ``{"N": "1.5"}`` …)."""
    serialized: dict[str, Any] = _SERIALIZER.serialize(_to_dynamo(value))
    return serialized


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A dict of plain values as a DynamoDB item; keys whose value is None are left out."""
    return {k: serialize(v) for k, v in data.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (low-level client shape) as a dict of plain values."""
    return {k: _from_dynamo(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def values(data: Mapping[str, Any]) -> dict[str, Any]:
    """``ExpressionAttributeValues`` from ``{":name": value}``."""
    return {k: serialize(v) for k, v in data.items()}


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, data), = value.items()
    if kind == "S":
        return len(str(data).encode("utf-8", "replace"))
    if kind == "N":
        digits = str(data).lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: v}) for v in data)
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8", "replace")) + _value_size(v) + 1
                       for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes an item (low-level client shape) counts against :data:`ITEM_LIMIT_BYTES`: each
    attribute's name (UTF-8) plus its value (strings in UTF-8, numbers one byte per two
    significant digits plus one, booleans and nulls one, lists and maps three plus one per
    element plus their elements), as DynamoDB's documentation describes."""
    return sum(len(name.encode("utf-8", "replace")) + _value_size(value)
               for name, value in item.items())
