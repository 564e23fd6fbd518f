"""Conversion between plain Python values and DynamoDB's typed attribute values. Pure.

Numbers: DynamoDB returns ``Decimal``; integral values come back as ``int``, others as
``float``. Floats go in as ``Decimal(str(value))`` so ``0.1`` stays ``0.1``. ``None`` values
are left out of items (a missing attribute reads as None).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _to_dynamo(v) for k, v in value.items() if v is not None}
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
    return _SERIALIZER.serialize(_to_dynamo(value))


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A dict of plain values as a DynamoDB item; keys whose value is None are left out."""
    return {k: serialize(v) for k, v in data.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (low-level client shape) as a dict of plain values."""
    return {k: _from_dynamo(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def values(data: Mapping[str, Any]) -> dict[str, Any]:
    """``ExpressionAttributeValues`` from ``{":name": value}``."""
    return {k: serialize(v) for k, v in data.items()}
