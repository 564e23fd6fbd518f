"""The HTTP API through Chalice's test client, with moto behind it."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets

import pytest
import requests

from chalicelib import context, qr
from chalicelib.builds import Build
from tests.functional.app_helpers import NOW, SAMPLES, Api
from tests.functional.log_lines import store_lines
from tests.qr_svg import encodes, symbol_of

JSON = {"Content-Type": "application/json"}


def post_json(api: Api, path: str, body: object) -> tuple[int, dict]:
    response = api.client.http.post(path, headers=JSON, body=json.dumps(body).encode())
    return response.status_code, response.json_body


def stored(api: Api, build_id: str) -> Build:
    return api.service.builds.get(build_id)


def queued_jobs(api: Api) -> list[dict]:
    messages = api.clients.sqs.receive_message(
        QueueUrl=api.settings.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_hands_out_a_presigned_post_limited_to_the_upload_size(api: Api) -> None:
    response = api.client.http.post("/uploads")
    assert response.status_code == 201
    body = response.json_body
    assert body["upload_key"].startswith("uploads/") and body["upload_key"].endswith(".zip")
    assert body["max_bytes"] == api.settings.max_upload_bytes
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    assert ["content-length-range", 1, api.settings.max_upload_bytes] in policy["conditions"]


def test_creates_a_build_from_an_uploaded_export(api: Api) -> None:
    upload = api.client.http.post("/uploads").json_body
    sample = (SAMPLES / "OpenTechSummit2018.zip").read_bytes()
    api.clients.s3.put_object(Bucket=api.settings.bucket, Key=upload["upload_key"], Body=sample)
    status, body = post_json(api, "/builds", {
        "upload_key": upload["upload_key"], "email": "org@example.org",
        "app_name": "OTS 2018", "primary_color": "#1A73E8"})
    assert status == 201
    build_id = body["build_id"]
    assert len(build_id) == 32
    assert body == {
        "build_id": build_id, "status": "queued",
        "status_url": f"https://apkgen.test/builds/{build_id}",
        "logs_url": f"https://apkgen.test/builds/{build_id}/logs",
        "ws_url": f"wss://ws.apkgen.test/test?build={build_id}",
        "page_url": f"https://apkgen.test/b/{build_id}",
    }
    build = stored(api, build_id)
    assert (build.status, build.created_at) == ("queued", NOW)
    assert build.source == {"kind": "upload", "key": upload["upload_key"]}
    assert build.options == {"email": "org@example.org", "app_name": "OTS 2018",
                             "primary_color": "#1a73e8"}
    assert queued_jobs(api) == [{"build_id": build_id}]


def test_creates_a_build_from_a_zip_body_with_options_in_the_query_string(api: Api) -> None:
    sample = (SAMPLES / "OpenTechSummit2018.zip").read_bytes()
    response = api.client.http.post(
        "/builds?app_name=Summit&package_name=org.example.summit",
        headers={"Content-Type": "application/zip"}, body=sample)
    assert response.status_code == 201, response.body
    build = stored(api, response.json_body["build_id"])
    assert build.options == {"app_name": "Summit", "package_name": "org.example.summit"}
    assert build.source["kind"] == "upload"
    kept = api.clients.s3.get_object(Bucket=api.settings.bucket, Key=build.source["key"])
    assert kept["Body"].read() == sample
    assert queued_jobs(api) == [{"build_id": build.build_id}]


def test_creates_a_build_from_an_api_url(api: Api) -> None:
    status, body = post_json(api, "/builds", {"api_url": "https://api.eventyay.com/v1/events/7"})
    assert status == 201
    assert stored(api, body["build_id"]).source == {
        "kind": "url", "url": "https://api.eventyay.com/v1/events/7"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "give exactly one source of the event, got none: either upload_key (from POST "
             "/uploads), or api_url (an Open Event API URL), or the zip itself as the body with "
             "Content-Type: application/zip"),
        ({"api_url": "https://e.org", "primary_color": "blue"},
         "primary_color 'blue' must be a color like #1a73e8 (# and six hex digits)"),
        ({"api_url": "https://e.org", "package_name": "summit"},
         "package_name 'summit' needs at least two parts separated by dots, like "
         "org.example.myevent"),
        ({"upload_key": "uploads/notUploadedYet123.zip"},
         "upload_key 'uploads/notUploadedYet123.zip' has no file: send the export to the "
         "presigned POST from POST /uploads first (it expires after 3600 s), then create the "
         "build"),
        (None, 'send a JSON object like {"upload_key": "uploads/….zip"} or {"api_url": '
               '"https://…"}, or the zip itself with Content-Type: application/zip'),
    ],
)
def test_refuses_a_bad_build_request_saying_what_to_fix(
    api: Api, body: object, message: str
) -> None:
    status, answer = post_json(api, "/builds", body)
    assert (status, answer) == (400, {"Code": "BadRequestError", "Message": message})
    assert queued_jobs(api) == []


def test_refuses_a_body_that_is_not_json(api: Api) -> None:
    response = api.client.http.post("/builds", headers=JSON, body=b"{oops")
    assert response.status_code == 400
    assert response.json_body["Message"].startswith("the body is not valid JSON")


def test_refuses_a_zip_body_that_is_not_a_zip(api: Api) -> None:
    response = api.client.http.post("/builds", headers={"Content-Type": "application/zip"},
                                     body=b"%PDF-1.7 not a zip")
    assert response.status_code == 400
    assert "not a zip file (it does not start with PK)" in response.json_body["Message"]


@pytest.mark.parametrize("path", ["/builds/{id}", "/builds/{id}/logs", "/builds/{id}/cancel",
                                  "/builds/{id}/apk", "/builds/{id}/qr.svg"])
def test_answers_404_for_an_unknown_build(api: Api, path: str) -> None:
    url = path.format(id=secrets.token_urlsafe(24))
    method = api.client.http.post if url.endswith("cancel") else api.client.http.get
    response = method(url)
    assert response.status_code == 404
    assert response.json_body["Code"] == "NotFoundError"
    assert "no build with id" in response.json_body["Message"]


def create(api: Api) -> str:
    return post_json(api, "/builds", {"api_url": "https://e.org/api"})[1]["build_id"]


def test_shows_a_finished_build_with_its_download_link_and_problems(api: Api) -> None:
    build_id = create(api)
    builds = api.service.builds
    builds.claim(build_id, "runner-1", NOW + 1, 60)
    key = f"artifacts/{build_id}/org.example.app.apk"
    api.clients.s3.put_object(Bucket=api.settings.bucket, Key=key, Body=b"PK apk")
    builds.finish(build_id, "runner-1", "succeeded", NOW + 9,
                  problems={"errors": [], "warnings": [{"text": "no logo"}], "warning_count": 1},
                  artifact={"key": key, "size": 6, "package": "org.example.app"})
    store_lines(api.service.logs, build_id, [{"seq": s, "text": "x"} for s in range(1, 8)])
    answer = api.client.http.get(f"/builds/{build_id}").json_body
    assert (answer["status"], answer["step"], answer["last_seq"]) == ("succeeded", "done", 7)
    assert (answer["started_at"], answer["finished_at"]) == (NOW + 1, NOW + 9)
    assert answer["problems"]["warnings"] == [{"text": "no logo"}]
    assert answer["artifact"]["key"] == key
    assert "org.example.app.apk" in answer["artifact"]["download_url"]
    assert "X-Amz-Signature" in answer["artifact"]["download_url"]


def succeeded(api: Api, apk: bytes = b"PK apk") -> str:
    """A build that succeeded with ``apk`` stored as its artifact; returns its id."""
    build_id = create(api)
    api.service.builds.claim(build_id, "runner-1", NOW + 1, 60)
    key = f"artifacts/{build_id}/org.example.app.apk"
    api.clients.s3.put_object(Bucket=api.settings.bucket, Key=key, Body=apk)
    api.service.builds.finish(build_id, "runner-1", "succeeded", NOW + 9,
                              artifact={"key": key, "size": len(apk), "package": "org.example.app"})
    return build_id


def test_serves_a_qr_code_of_the_builds_stable_apk_link(api: Api) -> None:
    build_id = succeeded(api)
    response = api.client.http.get(f"/builds/{build_id}/qr.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Cache-Control"] == qr.CACHE_CONTROL == "private, max-age=86400"
    symbol = symbol_of(response.body.decode())
    assert encodes(symbol, f"https://apkgen.test/builds/{build_id}/apk")
    presigned = api.client.http.get(f"/builds/{build_id}").json_body["artifact"]["download_url"]
    assert not encodes(symbol, presigned)


def test_the_apk_link_redirects_to_a_fresh_presigned_download_of_the_apk(api: Api) -> None:
    build_id = succeeded(api, b"PK the apk")
    response = api.client.http.get(f"/builds/{build_id}/apk")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert f"/artifacts/{build_id}/org.example.app.apk?" in location
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=" in location
    download = requests.get(location, timeout=10)  # moto answers for S3
    assert download.status_code == 200
    assert download.content == b"PK the apk"
    assert download.headers["Content-Disposition"] == 'attachment; filename="org.example.app.apk"'


@pytest.mark.parametrize("path", ["/builds/{id}/apk", "/builds/{id}/qr.svg"])
def test_refuses_the_apk_and_its_qr_code_before_the_build_succeeded(api: Api, path: str) -> None:
    build_id = create(api)
    response = api.client.http.get(path.format(id=build_id))
    assert response.status_code == 409
    assert response.json_body == {
        "Code": "ConflictError",
        "Message": f"build {build_id!r} has no APK: it is queued; there is one once it has "
                   "succeeded"}


def test_pages_through_the_log_with_after_and_limit(api: Api) -> None:
    build_id = create(api)
    store_lines(api.service.logs, build_id, [{"seq": s, "text": f"l{s}"} for s in range(1, 13)])
    store_lines(api.service.logs, build_id, [{"seq": s, "text": f"l{s}"} for s in range(13, 26)])
    first = api.client.http.get(f"/builds/{build_id}/logs?after=0&limit=10").json_body
    assert [ln["seq"] for ln in first["lines"]] == list(range(1, 11))
    assert (first["next_after"], first["more"], first["build_id"]) == (10, True, build_id)
    rest = api.client.http.get(f"/builds/{build_id}/logs?after=10&limit=100").json_body
    assert [ln["seq"] for ln in rest["lines"]] == list(range(11, 26))
    assert (rest["next_after"], rest["more"]) == (25, False)
    empty = api.client.http.get(f"/builds/{build_id}/logs?after=25").json_body
    assert (empty["lines"], empty["next_after"], empty["more"]) == ([], 25, False)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("after=x", "after='x' must be a whole number"),
        ("limit=0", "limit=0 must be between 1 and 1000"),
        ("limit=5000", "limit=5000 must be between 1 and 1000"),
        ("after=-3", "after=-3 must be between 0 and"),
    ],
)
def test_refuses_bad_log_paging(api: Api, query: str, message: str) -> None:
    response = api.client.http.get(f"/builds/{create(api)}/logs?{query}")
    assert response.status_code == 400
    assert response.json_body["Message"].startswith(message)


def test_cancels_a_queued_build_at_once(api: Api) -> None:
    build_id = create(api)
    response = api.client.http.post(f"/builds/{build_id}/cancel")
    assert response.status_code == 200
    assert response.json_body["status"] == "cancelled"
    assert stored(api, build_id).status == "cancelled"


def test_asks_the_runner_of_a_running_build_to_stop(api: Api) -> None:
    build_id = create(api)
    api.service.builds.claim(build_id, "runner-1", NOW, 60)
    answer = api.client.http.post(f"/builds/{build_id}/cancel").json_body
    assert (answer["status"], answer["cancel_requested"]) == ("running", True)


def test_api_answers_allow_other_origins(api: Api) -> None:
    response = api.client.http.get(f"/builds/{create(api)}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/", "/b/Zx8kLmN0pQrStUvWxYz0123456789abc"])
def test_serves_the_web_page(api: Api, path: str) -> None:
    from chalicelib.static import WEB_DIR

    response = api.client.http.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.body == (WEB_DIR / "index.html").read_bytes()


def test_serves_the_pages_static_files_with_their_type(api: Api) -> None:
    from chalicelib.static import WEB_DIR

    response = api.client.http.get("/static/index.html")
    assert response.status_code == 200
    assert response.body == (WEB_DIR / "index.html").read_bytes()


@pytest.mark.parametrize(
    "path", ["/static/..%2Fapp.py", "/static/%2E%2E%2Fsettings.py", "/static/.hidden.js",
             "/static/missing.css", "/static/settings.py"])
def test_refuses_to_serve_anything_outside_the_web_directory(api: Api, path: str) -> None:
    response = api.client.http.get(path)
    assert response.status_code == 404


def test_reports_unavailable_storage_with_the_aws_code(api: Api) -> None:
    broken = dataclasses.replace(api.settings, builds_table="no-such-table")
    context.configure(broken, api.clients)
    response = api.client.http.get(f"/builds/{secrets.token_urlsafe(24)}")
    assert response.status_code == 500
    assert response.json_body == {
        "Code": "ChaliceViewError",
        "Message": "storage is unavailable (ResourceNotFoundException); try again"}


def test_the_page_served_under_a_stage_names_its_files_under_that_stage(api: Api) -> None:
    import app as chalice_app

    # GET https://ID.execute-api.REGION.amazonaws.com/api/b/ID as API Gateway hands it over.
    build_id = "Zx8kLmN0pQrStUvWxYz0123456789abc"
    event = {
        "resource": "/b/{build_id}", "path": f"/b/{build_id}", "httpMethod": "GET",
        "headers": {"accept": "text/html"}, "multiValueHeaders": {},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"build_id": build_id}, "stageVariables": None, "body": None,
        "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/b/{build_id}", "httpMethod": "GET", "stage": "api",
                           "path": f"/api/b/{build_id}", "identity": {"sourceIp": "10.0.0.1"}},
    }
    answer = chalice_app.app(event, None)
    assert answer["statusCode"] == 200
    assert 'src="/api/static/app.js"' in answer["body"]
    assert '="/static/' not in answer["body"]
