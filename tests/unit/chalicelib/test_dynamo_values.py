"""Python values survive a round trip through DynamoDB's typed attribute values."""

from __future__ import annotations

from chalicelib import dynamo
from chalicelib.builds import Build


def test_round_trips_numbers_maps_and_booleans() -> None:
    data = {"a": 1, "b": 1718000000.125, "c": {"x": [1, 0.5, "s"]}, "d": True, "e": "text"}
    assert dynamo.from_item(dynamo.to_item(data)) == data


def test_floats_keep_their_decimal_digits() -> None:
    assert dynamo.serialize(0.1) == {"N": "0.1"}


def test_leaves_out_none_values() -> None:
    assert dynamo.to_item({"a": None, "b": {"c": None, "d": 1}}) == {"b": {"M": {"d": {"N": "1"}}}}


def test_a_build_round_trips_through_an_item() -> None:
    build = Build("id12345678", 1.5, 2.0, {"kind": "upload", "key": "uploads/k.zip"},
                  {"email": "a@b.cd"}, artifact={"key": "k", "size": 3}, cancel_requested=True)
    assert Build.from_item(build.to_item()) == build


def test_a_build_ignores_attributes_it_does_not_know() -> None:
    item = Build("id12345678", 1, 1, {"kind": "url", "url": "u"}).to_item()
    item["added_later"] = {"S": "x"}
    assert Build.from_item(item).build_id == "id12345678"
