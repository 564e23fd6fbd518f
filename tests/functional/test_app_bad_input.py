"""Input the app cannot serve gets a 400 (HTTP) or an error message (WebSocket) saying what to
fix, never an internal error: deep nesting, lone surrogates, numbers beyond any seq."""

from __future__ import annotations

import json

import pytest

from tests.functional.app_helpers import Api, ws_event

JSON = {"Content-Type": "application/json"}


def post(api: Api, body: bytes) -> tuple[int, str]:
    response = api.client.http.post("/builds", headers=JSON, body=body)
    return response.status_code, str(response.json_body.get("Message"))


def say(api: Api, connection_id: str, body: str) -> list[dict]:
    api.client.lambda_.invoke("websocket_message", ws_event("MESSAGE", connection_id, body=body))
    return [json.loads(text) for text in api.connections.sent_to(connection_id)]


def watching(api: Api, connection_id: str) -> str:
    created = api.client.http.post("/builds", headers=JSON,
                                   body=json.dumps({"api_url": "https://e.org/api"}).encode())
    build_id = created.json_body["build_id"]
    answer = api.client.lambda_.invoke(
        "websocket_connect", ws_event("CONNECT", connection_id, query={"build": build_id}))
    assert answer.payload["statusCode"] == 200
    return str(build_id)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000,
                                  b'{"app_name": ' * 100_000 + b'"x"' + b"}" * 100_000])
def test_a_body_nested_100000_deep_is_a_bad_request(api: Api, body: bytes) -> None:
    assert post(api, body) == (400, 'the body nests arrays or objects too deeply: send a flat '
                               'JSON object like {"upload_key": "uploads/….zip", "app_name": '
                               '"My Conf"}')


def test_a_lone_surrogate_in_app_name_is_a_bad_request(api: Api) -> None:
    status, message = post(api, b'{"api_url": "https://e.org/x", "app_name": "a\\ud800b"}')
    assert status == 400
    assert message.startswith("app_name has an unpaired surrogate '\\ud800' at character 1")
    items = api.clients.dynamodb.scan(TableName=api.settings.builds_table)["Items"]
    assert items == []


def test_an_unknown_field_name_is_echoed_at_most_100_characters_long(api: Api) -> None:
    status, message = post(api, json.dumps({"api_url": "https://e.org", "y" * 100_000: 1})
                           .encode())
    assert status == 400
    assert message.startswith("unknown field(s) " + "y" * 99 + "…; known fields: ")


def test_a_body_that_is_not_utf8_is_a_bad_request(api: Api) -> None:
    assert post(api, b'{"app_name": "\xc3("}') == (
        400, "the body is not UTF-8 text (byte 14): send a JSON object in UTF-8")


def test_a_finished_build_links_its_whole_report(api: Api) -> None:
    build_id = watching(api, "conn-r")
    builds = api.service.builds
    builds.claim(build_id, "runner-1", 1.0, 60)
    builds.finish(build_id, "runner-1", "failed", 2.0, error="bad upload",
                  problems={"errors": [{"text": "x" * 2000}], "error_count": 1},
                  report_key=f"artifacts/{build_id}/report.json")
    answer = api.client.http.get(f"/builds/{build_id}").json_body
    assert f"artifacts/{build_id}/report.json" in answer["report_url"]
    assert answer["problems"]["complete"] is False
    assert len(answer["problems"]["errors"][0]["text"]) == 500


def test_a_resume_after_10_to_the_40_gets_an_error_saying_what_to_send(api: Api) -> None:
    watching(api, "conn-1")
    [error] = say(api, "conn-1", json.dumps({"action": "resume", "after": 10**40}))
    assert error == {"type": "error", "message":
                     f"'after' {10**40} is beyond any seq (at most 9007199254740992): send "
                     '{"action": "resume", "after": <last seq you have, 0 for all>}'}


def test_a_message_nested_too_deep_gets_an_error_saying_what_to_send(api: Api) -> None:
    watching(api, "conn-1")
    [error] = say(api, "conn-1", "[" * 2000 + "]" * 2000)
    assert error["type"] == "error"
    assert error["message"].startswith("message nests arrays or objects too deeply: send {")
