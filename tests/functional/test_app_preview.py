"""``GET /builds/{id}/preview/{path}`` through Chalice's test client, the APK on moto's S3: the
web app of a succeeded build, read out of its APK, and nothing else."""

from __future__ import annotations

import base64
import io
import json
import secrets
import zipfile

import pytest
from chalice.deploy.swagger import TemplatedSwaggerGenerator

from chalicelib.errors import StoreError
from chalicelib.preview import AppCache, NoPreview, Previews
from tests.functional.app_helpers import NOW, Api

APP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "base-uri 'none'; form-action 'none'")
INDEX = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
         f'<meta http-equiv="Content-Security-Policy" content="{APP_CSP}">'
         '<link rel="stylesheet" href="app.css"></head><body><main id="main"></main>'
         '<script src="data.js"></script><script src="app.js"></script></body></html>')
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def shaped_apk(**extra: bytes) -> bytes:
    """A zip shaped like a built APK: the Android parts, and the web app under assets/."""
    files = {"AndroidManifest.xml": b"\x03\x00\x08\x00", "classes.dex": b"dex\n035\x00",
             "resources.arsc": b"\x02\x00\x0c\x00", "META-INF/CERT.SF": b"Signature-Version",
             "res/mipmap-mdpi-v4/ic_launcher.png": PHOTO, "assets/index.html": INDEX.encode(),
             "assets/app.css": b"body { margin: 0 }", "assets/app.js": b"render();",
             "assets/data.js": "window.EVENT_DATA = {\"name\": \"Café\"};".encode(),
             "assets/images/logo.png": PHOTO, "assets/images/speakers/12.png": PHOTO, **extra}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def create(api: Api) -> str:
    response = api.client.http.post("/builds", headers={"Content-Type": "application/json"},
                                    body=json.dumps({"api_url": "https://e.org/api"}).encode())
    return str(response.json_body["build_id"])


def finished(api: Api, apk: bytes, status: str = "succeeded", size: int | None = None) -> str:
    """A build finished with ``status``, ``apk`` stored as its artifact; returns its id."""
    build_id = create(api)
    api.service.builds.claim(build_id, "runner-1", NOW + 1, 60)
    key = f"artifacts/{build_id}/org.example.app.apk"
    api.clients.s3.put_object(Bucket=api.settings.bucket, Key=key, Body=apk)
    artifact = {"key": key, "size": len(apk) if size is None else size,
                "package": "org.example.app", "sha256": secrets.token_hex(32)}
    api.service.builds.finish(build_id, "runner-1", status, NOW + 9,
                              artifact=artifact if status == "succeeded" else None)
    return build_id


def test_serves_the_apps_page_out_of_its_apk_with_the_apps_own_policy_and_a_sandbox(
        api: Api) -> None:
    build_id = finished(api, shaped_apk())
    response = api.client.http.get(f"/builds/{build_id}/preview/index.html")
    assert response.status_code == 200
    assert response.body.decode() == INDEX
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == APP_CSP + "; sandbox allow-scripts"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=86400"


@pytest.mark.parametrize(("path", "content_type", "body"), [
    ("app.css", "text/css; charset=utf-8", b"body { margin: 0 }"),
    ("app.js", "text/javascript; charset=utf-8", b"render();"),
    ("data.js", "text/javascript; charset=utf-8",
     "window.EVENT_DATA = {\"name\": \"Café\"};".encode()),
    ("images/logo.png", "image/png", PHOTO),
    ("images/speakers/12.png", "image/png", PHOTO),
])
def test_serves_each_file_of_the_web_app_with_its_type(
        api: Api, path: str, content_type: str, body: bytes) -> None:
    build_id = finished(api, shaped_apk())
    response = api.client.http.get(f"/builds/{build_id}/preview/{path}",
                                   headers={"Accept": "*/*"})
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == content_type
    assert response.body == body
    assert response.headers["Content-Security-Policy"].endswith("; sandbox allow-scripts")


@pytest.mark.parametrize("path", [
    "AndroidManifest.xml", "classes.dex", "resources.arsc", "META-INF/CERT.SF",
    "res/mipmap-mdpi-v4/ic_launcher.png", "../AndroidManifest.xml", "..%2Fclasses.dex",
    "images/../classes.dex", "%2e%2e/%2e%2e/apk", "images", "images/", "missing.js",
    ".index.html", "images/speakers/..", "index.html%00.png",
])
def test_answers_404_for_anything_but_a_file_of_the_web_assets(api: Api, path: str) -> None:
    build_id = finished(api, shaped_apk())
    response = api.client.http.get(f"/builds/{build_id}/preview/{path}")
    assert response.status_code == 404, (path, response.body)
    assert response.json_body["Code"] == "NotFoundError"


def test_a_path_deeper_than_the_web_app_s_folders_matches_no_route(api: Api) -> None:
    build_id = finished(api, shaped_apk(**{"assets/a/b/c/d.js": b"1"}))
    response = api.client.http.get(f"/builds/{build_id}/preview/a/b/c/d.js")
    assert response.status_code == 403  # API Gateway's answer for a path no route has
    assert response.json_body == {"message": "Missing Authentication Token"}


def test_answers_404_for_an_unknown_build(api: Api) -> None:
    response = api.client.http.get(f"/builds/{secrets.token_urlsafe(24)}/preview/index.html")
    assert response.status_code == 404
    assert "no build with id" in response.json_body["Message"]


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_answers_409_for_a_build_that_did_not_succeed(api: Api, status: str) -> None:
    build_id = finished(api, shaped_apk(), status)
    response = api.client.http.get(f"/builds/{build_id}/preview/index.html")
    assert response.status_code == 409
    assert response.json_body == {
        "Code": "ConflictError",
        "Message": f"build {build_id!r} has no APK: it is {status}; there is one once it has "
                   "succeeded"}


def test_answers_409_while_the_build_is_queued(api: Api) -> None:
    build_id = create(api)
    response = api.client.http.get(f"/builds/{build_id}/preview/index.html")
    assert response.status_code == 409
    assert "it is queued" in response.json_body["Message"]


def test_answers_409_for_an_apk_too_big_to_hold_without_reading_it(api: Api) -> None:
    build_id = finished(api, shaped_apk(), size=65 * 1024 * 1024)
    response = api.client.http.get(f"/builds/{build_id}/preview/index.html")
    assert response.status_code == 409
    assert "has an APK too big to preview (68157440 bytes)" in response.json_body["Message"]


def test_reads_the_apk_from_s3_once_then_serves_it_from_the_containers_cache(api: Api) -> None:
    build_id = finished(api, shaped_apk())
    previews = Previews(AppCache())
    assert previews.file(api.service, build_id, ["app.js"]).body == "render();"
    key = api.service.artifact(build_id)["key"]
    api.clients.s3.delete_object(Bucket=api.settings.bucket, Key=key)
    assert previews.file(api.service, build_id, ["images", "logo.png"]).body == PHOTO
    with pytest.raises(StoreError, match="NoSuchKey"):
        Previews(AppCache()).file(api.service, build_id, ["app.js"])


def test_an_apk_bigger_than_the_bound_on_s3_is_not_held_whatever_its_record_says(
        api: Api) -> None:
    build_id = finished(api, shaped_apk(), size=10)
    with pytest.raises(NoPreview, match="too big to preview"):
        Previews(AppCache(), max_apk_bytes=1000).file(api.service, build_id, ["index.html"])


def test_the_status_of_a_succeeded_build_says_where_to_try_the_app(api: Api) -> None:
    build_id = finished(api, shaped_apk())
    artifact = api.client.http.get(f"/builds/{build_id}").json_body["artifact"]
    assert artifact["preview_url"] == f"https://apkgen.test/builds/{build_id}/preview/index.html"
    queued = api.client.http.get(f"/builds/{create(api)}").json_body
    assert queued["artifact"] is None


def test_api_gateway_is_told_that_a_browsers_image_request_takes_binary_answers() -> None:
    import app as chalice_app

    swagger = TemplatedSwaggerGenerator().generate_swagger(chalice_app.app)
    binary = swagger["x-amazon-apigateway-binary-media-types"]
    for accept in ("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",  # Chrome
                   "image/webp,image/avif,image/jxl,image/heic,image/*,*/*;q=0.8"):  # Safari
        assert accept.split(",")[0] in binary
    assert {"image/png", "image/jpeg", "image/gif"} <= set(binary)  # what previews answer
    assert "image/svg+xml" not in binary and "application/json" not in binary


def test_an_image_answer_is_base64_for_api_gateway(api: Api) -> None:
    import app as chalice_app

    build_id = finished(api, shaped_apk())
    event = {"resource": "/builds/{build_id}/preview/{folder}/{name}", "httpMethod": "GET",
             "path": f"/builds/{build_id}/preview/images/logo.png",
             "pathParameters": {"build_id": build_id, "folder": "images", "name": "logo.png"},
             "headers": {"accept": "image/avif,image/webp,*/*"}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None,
             "stageVariables": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/builds/{build_id}/preview/{folder}/{name}",
                                "httpMethod": "GET", "path": "/api/builds/x", "stage": "api"}}
    answer = chalice_app.app(event, None)
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == PHOTO
