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


def test_counts_an_items_bytes_as_dynamodb_does() -> None:
    # name + value: "id" 2 + "abc" 3; "n" 1 + 12345 (5 digits: 3 + 1); "ok" 2 + 1;
    # "m" 1 + map (3 + "k" 1 + list (3 + (1 + 1) + (1 + 1)) + 1)
    item = dynamo.to_item({"id": "abc", "n": 12345, "ok": True, "m": {"k": [True, None]}})
    item["m"]["M"]["k"]["L"][1] = {"NULL": True}
    assert dynamo.item_size(item) == 5 + 5 + 3 + (1 + 3 + 1 + (3 + 2 + 2) + 1)
    assert dynamo.item_size({"s": {"S": "é"}}) == 3


def test_stores_a_lone_surrogate_as_the_replacement_character() -> None:
    assert dynamo.serialize("a\ud800b") == {"S": "a\ufffdb"}
    assert dynamo.to_item({"m": {"\udfff": "ok"}}) == {"m": {"M": {"\ufffd": {"S": "ok"}}}}
    assert dynamo.serialize("ünïcode ✓") == {"S": "ünïcode ✓"}
