"""Build requests are checked field by field; every refusal names the field and the fix."""

from __future__ import annotations

import pytest

from apkgen_core.package_names import package_name_problem
from chalicelib.errors import InvalidRequest
from chalicelib.validation import (
    parse_json_body,
    validate_build_request,
    validate_zip_body,
)

KEY = "uploads/AbCdEfGh12345678.zip"
LIMIT = 1000


def check(fields: dict, zip_body: bytes | None = None) -> object:
    return validate_build_request(fields, zip_body=zip_body, max_inline_bytes=LIMIT)


def refusal(fields: dict, zip_body: bytes | None = None) -> str:
    with pytest.raises(InvalidRequest) as caught:
        check(fields, zip_body)
    return str(caught.value)


def test_accepts_an_upload_key_with_every_option_cleaned() -> None:
    request = check({"upload_key": KEY, "email": "org@example.org", "app_name": " FOSSASIA ",
                     "package_name": "org.fossasia.summit", "primary_color": "#1A73E8",
                     "accent_color": "#ff0000"})
    assert request.upload_key == KEY and request.api_url is None and not request.inline_zip
    assert request.options == {"email": "org@example.org", "app_name": "FOSSASIA",
                               "package_name": "org.fossasia.summit",
                               "primary_color": "#1a73e8", "accent_color": "#ff0000"}


def test_accepts_an_api_url_and_treats_empty_options_as_absent() -> None:
    request = check({"api_url": "https://api.eventyay.com/v1/events/1", "email": "",
                     "app_name": None})
    assert request.api_url == "https://api.eventyay.com/v1/events/1"
    assert request.options == {}


def test_accepts_an_inline_zip_as_the_only_source() -> None:
    assert check({"app_name": "X"}, zip_body=b"PK\x03\x04rest").inline_zip


@pytest.mark.parametrize(
    ("fields", "zip_body", "got"),
    [
        ({}, None, "got none"),
        ({"upload_key": KEY, "api_url": "https://e.org"}, None, "got upload_key and api_url"),
        ({"api_url": "https://e.org"}, b"PK..", "got api_url and zip body"),
    ],
)
def test_requires_exactly_one_source(fields: dict, zip_body: bytes | None, got: str) -> None:
    message = refusal(fields, zip_body)
    assert f"give exactly one source of the event, {got}" in message
    assert "POST /uploads" in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"upload_key": "uploads/../../etc/passwd.zip"}, "is not a key from POST /uploads"),
        ({"upload_key": "artifacts/x/app.apk"}, "is not a key from POST /uploads"),
        ({"upload_key": 12}, "upload_key must be a string, not int"),
        ({"api_url": "ftp://example.org/x"}, "must be an http:// or https:// URL with a host"),
        ({"api_url": "https:///nohost"}, "must be an http:// or https:// URL with a host"),
        ({"api_url": "https://e.org", "email": "nobody"}, "email 'nobody' is not an email"),
        ({"api_url": "https://e.org", "email": "a@b"}, "email 'a@b' is not an email"),
        ({"api_url": "https://e.org", "primary_color": "red"}, "primary_color 'red' must be a "
         "color like #1a73e8"),
        ({"api_url": "https://e.org", "accent_color": "#12345"}, "accent_color '#12345'"),
        ({"api_url": "https://e.org", "app_name": "x" * 51}, "app_name is 51 characters long; "
         "keep it to 50"),
        ({"api_url": "https://e.org", "app_name": "   "}, "app_name is empty"),
        ({"api_url": "https://e.org", "app_name": "a\nb"}, "control characters"),
        ({"api_url": "https://e.org", "package_name": "myapp"}, "needs at least two parts"),
        ({"api_url": "https://e.org", "colour": "#000000"}, "unknown field(s) colour; known"),
        ({"api_url": "https://e.org", "package_name": "org.class.app"}, "Java keyword"),
    ],
)
def test_refuses_a_bad_field_naming_it_and_the_fix(fields: dict, expected: str) -> None:
    assert expected in refusal(fields)


def test_refuses_a_body_that_is_not_an_object() -> None:
    with pytest.raises(InvalidRequest, match="must be a JSON object"):
        validate_build_request(["upload_key"], max_inline_bytes=LIMIT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("org.example.event", None),
        ("a.b", None),
        ("org.example.my_event2", None),
        ("", "is empty"),
        ("org", "needs at least two parts"),
        ("org..x", "has an empty part"),
        ("org.example.", "has an empty part"),
        ("org.2019.fest", "part '2019' must start with a letter"),
        ("org.ex-ample.app", "part 'ex-ample' must start with a letter"),
        ("org.exämple.app", "part 'exämple' must start with a letter"),
        ("org.example\n.app", "must start with a letter"),
        ("com.new.app", "part 'new' is a Java keyword"),
        ("a." + "b" * 300, "is 302 characters long; Android allows at most 255"),
    ],
)
def test_package_names_follow_the_generators_rule(name: str, problem: str | None) -> None:
    found = package_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the zip body is empty"),
        (b"PK" + b"0" * LIMIT, f"is {LIMIT + 2} bytes, over the {LIMIT} bytes allowed inline"),
        (b"%PDF-1.4", "not a zip file (it does not start with PK)"),
    ],
)
def test_refuses_a_bad_inline_zip(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_zip_body(data, LIMIT)
    assert expected in str(caught.value)


def test_refuses_a_lone_surrogate_naming_the_field_and_where_it_is() -> None:
    message = refusal({"api_url": "https://e.org", "app_name": "My \ud800 Conf"})
    assert message.startswith("app_name has an unpaired surrogate '\\ud800' at character 3: "
                              "send valid Unicode text")
    message.encode("utf-8")  # the answer itself is valid UTF-8
    assert "api_url has an unpaired surrogate" in refusal({"api_url": "https://e.org/\udc00"})


def test_echoes_an_unknown_field_name_at_most_100_characters_long() -> None:
    message = refusal({"api_url": "https://e.org", "x" * 5_000_000: 1})
    assert message.startswith("unknown field(s) " + "x" * 99 + "…; known fields: ")
    assert len(message) < 300


def test_lists_at_most_ten_unknown_field_names() -> None:
    message = refusal({"api_url": "https://e.org", **{f"f{n:02}": 1 for n in range(25)}})
    assert message.startswith("unknown field(s) f00, f01, f02, f03, f04, f05, f06, f07, f08, "
                              "f09 and 15 more; known fields: ")


def test_echoes_a_bad_value_at_most_100_characters_long() -> None:
    message = refusal({"api_url": "ftp://" + "e" * 1000})
    assert message.startswith("api_url 'ftp://" + "e" * 93 + "…' must be an http://")
    message = refusal({"api_url": "https://e.org", "package_name": "org." + "x" * 100_000})
    assert message.startswith("package_name 'org." + "x" * 95 + "…' is 100004 characters long")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the body nests arrays or objects too deeply"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "the body nests arrays or objects too"),
        (b'{"app_name": "\xff"}', "the body is not UTF-8 text (byte 14)"),
        (b"{nope", "the body is not valid JSON (Expecting property name"),
    ],
)
def test_refuses_a_body_that_cannot_be_read_as_json(body: bytes, expected: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_json_body(body)
    assert str(caught.value).startswith(expected)


def test_reads_a_json_body_or_none() -> None:
    assert parse_json_body(b'{"api_url": "https://e.org"}') == {"api_url": "https://e.org"}
    assert parse_json_body(b"") is None and parse_json_body(None) is None
